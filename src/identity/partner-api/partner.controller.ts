import { Body, Controller, Delete, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../auth/decorators';
import { Scope } from '../../auth/permissions';
import { PARTNER_BODIES } from './partner-errors';
import { PartnerRateLimitGuard, RateFamily } from './partner-rate-limit.guard';
import { PartnerService } from './partner.service';

const error = (example: string) => ({ schema: { type: 'object', properties: { error: { type: 'string', example } } } });
const identifiers = {
  type: 'object',
  description: 'uuid, email, phone_number (E.164) and custom identifiers nested in custom',
  example: { email: 'sample@useinsider.com' },
  properties: {
    uuid: { type: 'string' },
    email: { type: 'string' },
    phone_number: { type: 'string', example: '+6598765432' },
    custom: { type: 'object', additionalProperties: { type: 'string' }, example: { user_loyalty_id: 'xyz123' } },
  },
};
const batchResult = {
  schema: {
    type: 'object',
    example: {
      data: { successful: { count: 1 }, fail: { count: 1, errors: { 'users.1.identifiers': 'no valid identifier' } } },
    },
  },
};
const COMMON: [number, string, object][] = [
  [
    400,
    'Partner name missing or wrong; body too large, not JSON or invalid',
    { schema: { example: PARTNER_BODIES.partnerInvalid } },
  ],
  [
    403,
    'Missing, wrong or revoked token, or a token without identities:write',
    { schema: { example: PARTNER_BODIES.accessDenied } },
  ],
  [
    429,
    'Rate limit of the endpoint family (with Retry-After)',
    { schema: { example: PARTNER_BODIES.tooManyRequests } },
  ],
  [500, 'Unexpected error', { schema: { example: PARTNER_BODIES.unknown } }],
];
const Common = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const [status, description, content] of COMMON)
    ApiResponse({ status, description, ...content })(target, key, descriptor);
};

/**
 * Insider One's Unification REST API (SPEC §4). The partner name is checked before anything else (a
 * Fastify onRequest hook in PartnerApiModule), then the token (the global guard), then the rate limit.
 */
@ApiTags('Insider-compatible partner API')
@ApiHeader({ name: 'X-PARTNER-NAME', required: true, description: 'Your partner name, lowercase (PARTNER_NAME)' })
@ApiHeader({ name: 'X-REQUEST-TOKEN', required: true, description: 'An API token with the identities:write scope' })
@Controller('api/user/v1')
@Allow(Scope.IdentitiesWrite)
@UseGuards(PartnerRateLimitGuard)
export class PartnerController {
  constructor(private readonly partner: PartnerService) {}

  @Patch('identity')
  @HttpCode(200)
  @RateFamily('partnerIdentity')
  @ApiOperation({ summary: 'Replace one identifier value of one profile (2,000/min, own bucket)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['old_identifier', 'new_identifier'],
      properties: { old_identifier: identifiers, new_identifier: identifiers },
      example: {
        old_identifier: { email: 'sample@useinsider.com' },
        new_identifier: { email: 'sample1@useinsider.com' },
      },
    },
  })
  @ApiResponse({ status: 200, description: 'Updated at once; attributes and events are kept', schema: { example: {} } })
  @ApiResponse({
    status: 404,
    description: 'No profile has the old identifier',
    ...error('no such user for these identifiers: no data'),
  })
  @ApiResponse({
    status: 400,
    description:
      'identifier values are the same / there must be exactly 1 entry for both new and old identifiers / new identifier already has a user assigned to it / no valid identifier (each followed by ": bad request")',
    ...error('new identifier already has a user assigned to it: bad request'),
  })
  @Common()
  updateIdentity(@Body() body: unknown) {
    return this.partner.updateIdentifier(body);
  }

  @Delete('identity')
  @HttpCode(200)
  @RateFamily('partnerIdentityDelete')
  @ApiOperation({ summary: 'Remove one identifier from its profile (1,000/min)' })
  @ApiBody({
    schema: { type: 'object', properties: { identifiers }, example: { identifiers: { phone_number: '+6598765432' } } },
  })
  @ApiResponse({ status: 200, schema: { example: {} } })
  @ApiResponse({ status: 404, ...error('no such user for these identifiers: no data') })
  @ApiResponse({
    status: 400,
    description: 'The sole identifier cannot go',
    ...error('you cannot delete the sole identifier specified for a user: bad request'),
  })
  @Common()
  deleteIdentity(@Body() body: unknown) {
    return this.partner.deleteIdentifier(body);
  }

  @Post('upsert')
  @HttpCode(200)
  @RateFamily('partnerUpsert')
  @ApiOperation({ summary: 'Create or update up to 1,000 users (25,000/min, shared with attribute delete)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['users'],
      example: {
        users: [
          {
            identifiers: { email: 'jane@example.com', custom: { user_loyalty_id: 'L-1' } },
            attributes: { name: 'Jane', email_optin: true, list_id: [1, 2], custom: { shoe_size: 38, tags: ['vip'] } },
            events: [
              {
                event_name: 'purchase',
                timestamp: '2024-05-17T10:00:00Z',
                event_params: {
                  product_id: 'p-1',
                  name: 'Shoe',
                  currency: 'EUR',
                  unit_price: 90,
                  unit_sale_price: 80,
                  quantity: 1,
                },
              },
            ],
          },
        ],
        not_append: false,
      },
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Per-user results; failed users are listed by path and nothing of them is written',
    ...batchResult,
  })
  @Common()
  upsert(@Body() body: unknown) {
    return this.partner.upsert(body);
  }

  @Post('attribute/delete')
  @HttpCode(200)
  @RateFamily('partnerUpsert')
  @ApiOperation({ summary: 'Delete attributes whole, or items of array attributes (shares the upsert bucket)' })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        users: [
          {
            identifiers: { email: 'jane@example.com' },
            whole: ['name', 'custom.shoe_size'],
            partial: { list_id: [2], 'custom.tags': ['vip'] },
          },
        ],
      },
    },
  })
  @ApiResponse({ status: 200, ...batchResult })
  @Common()
  deleteAttributes(@Body() body: unknown) {
    return this.partner.deleteAttributes(body);
  }

  @Post('profile')
  @HttpCode(200)
  @RateFamily('partnerProfile')
  @ApiOperation({
    summary: "Read a profile's attributes (custom ones with the c_ prefix) and its events in a date range (1,000/min)",
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        identifiers: { email: 'jane@example.com' },
        attributes: ['name', 'c_shoe_size'],
        events: { start_date: '2024-05-01T00:00:00Z', end_date: '2024-05-31T23:59:59Z', wanted: ['purchase'] },
      },
    },
  })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        iid: '0b6a…',
        identifiers: { email: 'jane@example.com' },
        attributes: { name: 'Jane', c_shoe_size: 38 },
        events: [],
      },
    },
  })
  @ApiResponse({ status: 404, ...error('no such user for these identifiers: no data') })
  @Common()
  profile(@Body() body: unknown) {
    return this.partner.profile(body);
  }

  @Post('delete')
  @HttpCode(200)
  @RateFamily('partnerDelete')
  @ApiOperation({ summary: 'Delete a whole profile (10,000/min)' })
  @ApiBody({ schema: { type: 'object', example: { identifiers: { email: 'jane@example.com' } } } })
  @ApiResponse({ status: 200, schema: { example: {} } })
  @ApiResponse({ status: 404, ...error('no such user for these identifiers: no data') })
  @Common()
  deleteProfile(@Body() body: unknown) {
    return this.partner.deleteProfile(body);
  }
}
