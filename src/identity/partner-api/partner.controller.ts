import { Body, Controller, Delete, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor as ActorType } from '../../auth/actor';
import { Actor, Allow } from '../../auth/decorators';
import { Scope } from '../../auth/permissions';
import { BATCH_FAILED, BATCH_OK, badExample, PartnerBody, PartnerErrors, PartnerOk } from './partner-openapi';
import { PartnerRateLimitGuard, RateFamily } from './partner-rate-limit.guard';
import { PartnerService } from './partner.service';

/**
 * Insider One's Unification REST API (SPEC §4). Checks, in order: the partner name and the content
 * type (a Fastify onRequest hook in PartnerApiModule, before the body is read), the body size and JSON
 * (Fastify), the
 * token and its scope (the global guard), the rate limit of the endpoint family, then the body.
 */
@ApiTags('Insider-compatible partner API')
@ApiHeader({
  name: 'X-PARTNER-NAME',
  required: true,
  description: "The instance's partner name, lowercase (PARTNER_NAME)",
  schema: { type: 'string', example: 'default' },
})
@Controller('api/user/v1')
@Allow(Scope.IdentitiesWrite)
@UseGuards(PartnerRateLimitGuard)
export class PartnerController {
  constructor(private readonly partner: PartnerService) {}

  @Patch('identity')
  @HttpCode(200)
  @RateFamily('partnerIdentity')
  @ApiOperation({
    summary: 'Replace one identifier value of one profile (2,000/min, own bucket)',
    description:
      'Exactly one identifier on each side, of the same type; custom identifiers nested in custom. The change is ' +
      "effective at once; the profile's attributes and events are kept.",
  })
  @PartnerBody('IdentityUpdateRequest', {
    email: [
      'Change an email',
      { old_identifier: { email: 'sample@useinsider.com' }, new_identifier: { email: 'sample1@useinsider.com' } },
    ],
  })
  @PartnerOk('Updated', 'Empty', {})
  @PartnerErrors({
    same: badExample('The old and new values are the same', 'identifier values are the same'),
    entries: badExample(
      'A side missing, or not exactly one identifier',
      'there must be exactly 1 entry for both new and old identifiers',
    ),
    taken: badExample('Another profile has the new value', 'new identifier already has a user assigned to it'),
    notEnabled: badExample('A type the identity settings do not enable, or a blocked value', 'no valid identifier'),
    types: badExample('Old and new of different types', 'old and new identifiers must be of the same type'),
  })
  updateIdentity(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.updateIdentifier(body, actor);
  }

  @Delete('identity')
  @HttpCode(200)
  @RateFamily('partnerIdentityDelete')
  @ApiOperation({ summary: 'Remove one identifier from its profile; never the sole one (1,000/min)' })
  @PartnerBody('IdentityDeleteRequest', {
    custom: ['Remove a custom identifier', { identifiers: { custom: { user_loyalty_id: 'xyz123' } } }],
  })
  @PartnerOk('Removed', 'Empty', {})
  @PartnerErrors({
    sole: badExample(
      'The only identifier of its profile',
      'you cannot delete the sole identifier specified for a user',
    ),
    one: badExample('Not exactly one identifier', 'there must be exactly 1 identifier to delete'),
    notEnabled: badExample('A type the identity settings do not enable, or a blocked value', 'no valid identifier'),
  })
  deleteIdentity(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.deleteIdentifier(body, actor);
  }

  @Post('upsert')
  @HttpCode(200)
  @RateFamily('partnerUpsert')
  @ApiOperation({
    summary: 'Create or update up to 1,000 users (25,000/min, shared with attribute delete)',
    description:
      'Each user: identifiers (or insider_id), attributes (defaults keep their types: name, surname, gender, language, ' +
      'lo (also sent as locale), city: strings; country: ISO 3166-1 alpha-2; age: 0–200; birthday: RFC 3339; ' +
      'email_optin, gdpr_optin, sms_optin, whatsapp_optin: booleans; list_id, static_segment_id: numbers; email, ' +
      'phone_number, uuid: contact attributes, equal to the identifier of that type when both are sent; custom ones ' +
      'under custom) and events (event_name ^[a-z0-9_]{1,128}$, RFC 3339 timestamp, event_params, and custom: more ' +
      'custom parameters, kept with event_params.custom; purchase needs event_group_id, currency, unit_sale_price and ' +
      'quantity, cart_page_view the same but quantity). Where a number is required, a numeric string is taken and ' +
      'stored as a number. Array attributes append unless not_append: true or append: false (on the body or the ' +
      'user; append wins). Existing identifiers never change here; identifiers of two different profiles fail the ' +
      'user. A field a user or an event does not have fails the user rather than being dropped. Each user is ' +
      'validated whole and written all or nothing.',
  })
  @PartnerBody('UpsertRequest', {
    insider: [
      "Insider's sample: identifiers, attributes and a purchase",
      {
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
    ],
  })
  @PartnerOk('Every user written', 'BatchResult', BATCH_OK, BATCH_FAILED)
  @PartnerErrors(
    {
      noUsers: badExample('No users array', 'users must be defined'),
      tooMany: badExample('More than 1,000 users', 'a request can carry at most 1,000 users, not 1,001'),
    },
    false,
  )
  upsert(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.upsert(body, actor);
  }

  @Post('attribute/delete')
  @HttpCode(200)
  @RateFamily('partnerUpsert')
  @ApiOperation({
    summary: 'Delete attributes whole, or items of array attributes (shares the upsert bucket)',
    description:
      'whole / partial name default attributes (locale is lo), custom: { whole, partial } custom ones. email, phone_number ' +
      'and uuid name the contact attributes of those names: an identifier is never deleted here (DELETE /identity does).',
  })
  @PartnerBody('AttributeDeleteRequest', {
    insider: [
      "Insider's sample: whole and partial, default and custom",
      {
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
    ],
  })
  @PartnerOk('Every user done', 'BatchResult', BATCH_OK, BATCH_FAILED)
  @PartnerErrors({ noUsers: badExample('No users array', 'users must be defined') }, false)
  deleteAttributes(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.deleteAttributes(body, actor);
  }

  @Post('profile')
  @HttpCode(200)
  @RateFamily('partnerProfile')
  @ApiOperation({
    summary: "Read a profile's attributes and its events in a date range (1,000/min)",
    description:
      'identifiers or insider_id; attributes: the names to answer (custom ones with the c_ prefix, the default ' +
      'identifiers too; all stored ones when omitted), always with iid; events: start_date and end_date in epoch ' +
      'seconds (or RFC 3339) and the wanted events with their params, answered by name, newest first, with ' +
      'created_date (at most 1,000); quota: true adds this minute’s use of the /profile limit. Beyond Insider, ' +
      'iid and identifiers are also answered at the top level.',
  })
  @PartnerBody('ProfileRequest', {
    insider: [
      'Attributes and the items added to the cart in a date range, with the quota',
      {
        identifiers: { email: 'sample@useinsider.com' },
        attributes: ['email', 'name', 'surname', 'c_member_code'],
        events: {
          start_date: 1606311893,
          end_date: 1611582293,
          wanted: [{ event_name: 'item_added_to_cart', params: ['product_id', 'name', 'timestamp'] }],
        },
        quota: true,
      },
    ],
  })
  @PartnerOk('The profile', 'ProfileResponse', {
    attributes: {
      email: 'sample@useinsider.com',
      name: 'John',
      c_member_code: 'M-77',
      iid: '0b6a6c1e-5b1a-4f55-9a43-3f0c2a9c8d11',
    },
    events: {
      item_added_to_cart: [{ product_id: '3254634', name: 'Blue Shirt', created_date: '2021-01-04T15:04:34Z' }],
    },
    quota: { cost: 1, used: 12, total: 1000 },
    iid: '0b6a6c1e-5b1a-4f55-9a43-3f0c2a9c8d11',
    identifiers: { email: 'sample@useinsider.com' },
  })
  @PartnerErrors({
    dates: badExample('Dates that are not epoch seconds', 'events.end_date is before events.start_date'),
    notEnabled: badExample('A type the identity settings do not enable, or a blocked value', 'no valid identifier'),
  })
  profile(@Body() body: unknown) {
    return this.partner.profile(body);
  }

  @Post('delete')
  @HttpCode(200)
  @RateFamily('partnerDelete')
  @ApiOperation({ summary: 'Delete a whole profile: identifiers, attributes and events (10,000/min)' })
  @PartnerBody('ProfileDeleteRequest', {
    email: ['By email', { identifiers: { email: 'example@useinsider.com' } }],
  })
  @PartnerOk('Deleted', 'Empty', {})
  @PartnerErrors({
    notEnabled: badExample('A type the identity settings do not enable, or a blocked value', 'no valid identifier'),
  })
  deleteProfile(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.deleteProfile(body, actor);
  }

  @Post('anonymize')
  @HttpCode(200)
  @RateFamily('partnerAnonymize')
  @ApiOperation({
    summary: "Delete a user's personal data (PII), keeping the profile (500/min)",
    description:
      'Deletes the personal attributes: name, surname, gender, birthday, age, city, country and the contact attributes ' +
      'email, phone_number and uuid. The profile stays, with its identifiers, its other attributes (consent flags, ' +
      'language, locale, list ids, custom attributes) and its events; delete those with /attribute/delete, or the whole ' +
      'profile with /delete.',
  })
  @PartnerBody('AnonymizeRequest', {
    email: ['By email', { identifiers: { email: 'sample@useinsider.com' } }],
    iid: ['By insider_id', { insider_id: '0190f5d2-7d51-7c3a-9d5e-7a1f0b2c3d4e' }],
  })
  @PartnerOk('Anonymized', 'Empty', {})
  @PartnerErrors({
    notEnabled: badExample('A type the identity settings do not enable, or a blocked value', 'no valid identifier'),
    target: badExample('Neither identifiers nor insider_id', 'either insider_id or identifiers must be specified'),
  })
  anonymize(@Body() body: unknown, @Actor() actor: ActorType) {
    return this.partner.anonymize(body, actor);
  }
}

/**
 * The metadata look-up of Insider's API (`/api/user/v3/metadata/columns`) that its n8n node calls for
 * the credential test and every dropdown: the same headers, token scope and checks as the endpoints above.
 */
@ApiTags('Insider-compatible partner API')
@ApiHeader({ name: 'X-PARTNER-NAME', required: true, description: 'Your partner name, lowercase (PARTNER_NAME)' })
@Controller('api/user/v3/metadata')
@Allow(Scope.IdentitiesWrite)
@UseGuards(PartnerRateLimitGuard)
export class PartnerMetadataController {
  constructor(private readonly partner: PartnerService) {}

  @Post('columns')
  @HttpCode(200)
  @RateFamily('partnerMetadata')
  @ApiOperation({
    summary: 'The attribute columns, or the events and their parameters, the service knows (1,000/min)',
    description:
      'contacts: the default attributes, then every custom attribute written so far as c_<name>, each with its type ' +
      '(array for the array ones). events: every event name written so far, each with the parameters seen on it ' +
      '(custom ones as c_<name>, the names /profile takes). Read from a catalogue of names kept as data is written.',
  })
  @PartnerBody('MetadataColumnsRequest', {
    contacts: ['The attribute columns', { table: 'contacts' }],
    events: ['The events and their parameters', { table: 'events' }],
  })
  @PartnerOk(
    'The columns',
    'MetadataColumns',
    [
      { key: 'name', display_name: 'Name', type: 'string' },
      { key: 'list_id', display_name: 'List IDs', type: 'array' },
      { key: 'c_loyalty_tier', display_name: 'loyalty_tier', type: 'string' },
    ],
    {
      events: [
        'With {"table": "events"}',
        [
          {
            key: 'purchase',
            display_name: 'Purchase',
            params: [
              { key: 'product_id', display_name: 'Product ID', type: 'string' },
              { key: 'c_gift_wrap', display_name: 'gift_wrap', type: 'boolean' },
            ],
          },
        ],
      ],
    },
  )
  @PartnerErrors(
    { table: badExample('A table other than contacts or events', 'table must be "contacts" or "events"') },
    false,
  )
  columns(@Body() body: unknown) {
    return this.partner.metadataColumns(body);
  }
}
