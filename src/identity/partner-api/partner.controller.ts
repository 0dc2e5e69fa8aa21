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
    description:
      'fail is {} when every user was written; otherwise its count of failed users and their problems by path (nothing of a failed user is written)',
    example: {
      data: {
        successful: { count: 1 },
        fail: {
          count: 1,
          errors: { 'users.1.events.0.event_params': ['event_group_id parameter is required on purchase event'] },
        },
      },
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
  @ApiOperation({
    summary: 'Create or update up to 1,000 users (25,000/min, shared with attribute delete)',
    description:
      'Each user: identifiers (or insider_id), attributes (defaults keep their types; custom ones under custom), events. ' +
      'Array attributes append unless not_append: true or append: false (on the body or the user; append wins). ' +
      'Existing identifiers never change here. Each user is validated whole and written in its own transaction.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['users'],
      properties: {
        users: { type: 'array', maxItems: 1000, items: { type: 'object' } },
        not_append: { type: 'boolean' },
        append: { type: 'boolean' },
      },
      example: {
        users: [
          {
            identifiers: { email: 'sample@useinsider.com', uuid: '1x2y3z', custom: { user_loyalty_id: 'xyz123' } },
            attributes: {
              email_optin: true,
              age: 30,
              language: 'en_US',
              list_id: [1, 2],
              birthday: '1980-01-01T00:00:00Z',
              custom: { favorite_color: ['green'] },
            },
            events: [
              {
                event_name: 'purchase',
                timestamp: '2021-01-10T21:35:20Z',
                event_params: {
                  product_id: 'ABC21000',
                  name: 'Your Product Name',
                  unit_price: 990.9,
                  unit_sale_price: 890.9,
                  event_group_id: 'ORDER123',
                  taxonomy: ['Electronic', 'Phone'],
                  currency: 'USD',
                  quantity: 1,
                },
              },
            ],
          },
        ],
      },
    },
  })
  @ApiResponse({ status: 200, description: 'Per-user results', ...batchResult })
  @ApiResponse({
    status: 400,
    description: 'No users, or more than 1,000',
    ...error('users must be defined: bad request'),
  })
  @Common()
  upsert(@Body() body: unknown) {
    return this.partner.upsert(body);
  }

  @Post('attribute/delete')
  @HttpCode(200)
  @RateFamily('partnerUpsert')
  @ApiOperation({
    summary: 'Delete attributes whole, or items of array attributes (shares the upsert bucket)',
    description:
      'whole / partial name default attributes; custom: { whole, partial } custom ones. Identifiers cannot be deleted here.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['users'],
      example: {
        users: [
          {
            identifiers: { email: 'sample@useinsider.com' },
            whole: ['name', 'surname', 'email_optin'],
            partial: { list_id: [1, 2] },
            custom: {
              whole: ['custom_string_attribute'],
              partial: { custom_array_attribute: ['value1', 'value2'] },
            },
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
    summary: "Read a profile's attributes and its events in a date range (1,000/min)",
    description:
      'attributes: names to answer (custom ones with the c_ prefix; all when omitted); events: epoch seconds ' +
      '(or RFC 3339) start_date/end_date and the wanted events with their params (newest first, at most 1,000). ' +
      'Beyond Insider the answer also carries iid and identifiers at the top level.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        identifiers: { email: 'sample@useinsider.com' },
        attributes: ['email', 'name', 'surname', 'c_member_code'],
        events: {
          start_date: 1606311893,
          end_date: 1611582293,
          wanted: [{ event_name: 'purchase', params: ['product_id', 'name', 'timestamp'] }],
        },
        quota: true,
      },
    },
  })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        attributes: { email: 'sample@useinsider.com', name: 'John', c_member_code: 'M-1', iid: '0b6a…' },
        events: { purchase: [{ product_id: 'ABC21000', name: 'Shoe', created_date: '2021-01-06T23:34:09Z' }] },
        quota: { cost: 1, used: 12, total: 1000 },
        iid: '0b6a…',
        identifiers: { email: 'sample@useinsider.com' },
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
  @ApiBody({
    schema: { type: 'object', example: { identifiers: { custom: { custom_identifier: 'xyz123' } } } },
    description: 'identifiers, or insider_id',
  })
  @ApiResponse({ status: 200, schema: { example: {} } })
  @ApiResponse({ status: 404, ...error('no such user for these identifiers: no data') })
  @Common()
  deleteProfile(@Body() body: unknown) {
    return this.partner.deleteProfile(body);
  }
}
