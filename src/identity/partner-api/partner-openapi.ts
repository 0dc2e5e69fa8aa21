import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiBody, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_USERS } from './upsert-plan';
import { badRequestBody, noDataBody, PARTNER_BODIES } from './partner-errors';
import { NO_SUCH_USER } from './partner-input';

/**
 * The OpenAPI document of the partner API (served at /docs and /docs-json, committed as openapi.json
 * and, converted, as the Postman collection): every request and response body is a named schema
 * (components.schemas below), with the wire bodies as named examples besides.
 */

// ---- schemas -------------------------------------------------------------------------------------

/** A reference to a schema below (redocly lint reports one that does not resolve). */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = (description: string, more: SchemaObject = {}): SchemaObject => ({ type: 'string', description, ...more });
const flag = (description: string): SchemaObject => ({ type: 'boolean', description });
const NOT_APPEND = 'true: array attributes replace the stored arrays instead of appending to them';
const APPEND = 'false: the same as not_append: true (when both are given, append wins)';
/** An epoch timestamp in seconds, or an RFC 3339 date-time. */
const instant = (description: string): SchemaObject => ({
  description,
  oneOf: [
    { type: 'integer', minimum: 0, description: 'seconds since 1970-01-01T00:00:00Z' },
    { type: 'string', format: 'date-time' },
  ],
});
const scalar: SchemaObject[] = [{ type: 'string', maxLength: 4096 }, { type: 'number' }, { type: 'boolean' }];
/** A number, or a numeric string (what Insider's n8n node sends), stored as a number. */
const numeric = (description: string, number: SchemaObject): SchemaObject => ({
  description: `${description}; a numeric string is taken and stored as a number`,
  oneOf: [number, { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' }],
});
const numbers: SchemaObject = { type: 'array', maxItems: 500, items: numeric('An id', { type: 'number' }) };
const CONTACT = (type: string) =>
  `The ${type} as a contact attribute (equal to the identifier of that type when both are sent; /attribute/delete removes it, never an identifier)`;
const COLUMN_TYPE: SchemaObject = {
  type: 'string',
  enum: ['string', 'number', 'boolean', 'date', 'array', 'object'],
  description: 'The type of the values (a custom attribute or parameter: of the first value seen)',
};

const SCHEMAS = {
  Identifiers: {
    type: 'object',
    description:
      'The identifiers of one user. Each type must be enabled in the identity settings (uuid, email and ' +
      'phone_number by default; custom ones are declared there). Values are strings: emails are lower-cased, ' +
      'phone numbers normalised to E.164.',
    additionalProperties: false,
    properties: {
      uuid: text('Your own user id', { maxLength: 255 }),
      email: text('An email address', { maxLength: 255 }),
      phone_number: text('A phone number in E.164', { maxLength: 255, example: '+6598765432' }),
      custom: {
        type: 'object',
        description: 'Custom identifiers by name',
        additionalProperties: { type: 'string', maxLength: 255 },
      },
    },
    example: { email: 'sample@useinsider.com', custom: { user_loyalty_id: 'xyz123' } },
  },
  CustomAttributeValue: {
    description: 'A string (≤ 4,096 characters), a number, a boolean, or an array of at most 500 of them',
    oneOf: [...scalar, { type: 'array', maxItems: 500, items: { oneOf: scalar } }],
  },
  Attributes: {
    type: 'object',
    description:
      'Insider default attributes (which keep their types) and custom ones under custom. locale is another name ' +
      'of lo. A name that is neither a default attribute nor custom fails the user.',
    additionalProperties: false,
    properties: {
      name: text('First name', { maxLength: 255 }),
      surname: text('Last name', { maxLength: 255 }),
      gender: text('Gender', { maxLength: 255 }),
      age: numeric('Age, 0–200', { type: 'integer', minimum: 0, maximum: 200 }),
      birthday: text('RFC 3339 date', { format: 'date-time', example: '1980-01-01T00:00:00Z' }),
      language: text('Language, e.g. en_US', { maxLength: 255 }),
      lo: text('Locale', { maxLength: 255 }),
      locale: text('Locale: another name of lo (stored as lo)', { maxLength: 255 }),
      country: text('ISO 3166-1 alpha-2 code', { pattern: '^[A-Za-z]{2}$', example: 'TR' }),
      city: text('City', { maxLength: 255 }),
      email_optin: flag('Email opt-in'),
      gdpr_optin: flag('GDPR consent'),
      sms_optin: flag('SMS opt-in'),
      whatsapp_optin: flag('WhatsApp opt-in'),
      list_id: { ...numbers, description: 'List ids (appended to the stored list unless not_append)' },
      static_segment_id: { ...numbers, description: 'Static segment ids (appended unless not_append)' },
      email: text(CONTACT('email'), { maxLength: 255 }),
      phone_number: text(CONTACT('phone number'), { maxLength: 255 }),
      uuid: text(CONTACT('uuid'), { maxLength: 255 }),
      custom: {
        type: 'object',
        description: 'Custom attributes: names of 1 to 128 of A-Z a-z 0-9 _ -',
        maxProperties: 200,
        additionalProperties: ref('CustomAttributeValue'),
      },
    },
  },
  EventParams: {
    type: 'object',
    description:
      "Insider's commerce parameters keep their types; purchase needs event_group_id, currency, unit_sale_price and " +
      'quantity, cart_page_view the same but quantity. Other parameters are stored as sent (at most 16 KB as JSON).',
    additionalProperties: true,
    properties: {
      product_id: text('Product id', { minLength: 1, maxLength: 255 }),
      name: text('Product name', { minLength: 1, maxLength: 255 }),
      event_group_id: text('Order or cart id', { minLength: 1, maxLength: 255 }),
      url: text('Product URL', { minLength: 1, maxLength: 255 }),
      currency: text('ISO 4217 code', { pattern: '^[A-Z]{3}$', example: 'USD' }),
      unit_price: numeric('Unit price', { type: 'number', minimum: 0 }),
      unit_sale_price: numeric('Unit sale price', { type: 'number', minimum: 0 }),
      quantity: numeric('Quantity', { type: 'integer', minimum: 1 }),
      taxonomy: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 255 } },
      custom: { type: 'object', description: 'Custom event parameters', additionalProperties: true },
    },
  },
  Event: {
    type: 'object',
    description: 'One event; a field an event does not have fails the user',
    required: ['event_name', 'timestamp'],
    additionalProperties: false,
    properties: {
      event_name: text('Event name', { pattern: '^[a-z0-9_]{1,128}$', example: 'purchase' }),
      timestamp: text('When it happened (RFC 3339)', { format: 'date-time' }),
      event_params: ref('EventParams'),
      custom: {
        type: 'object',
        description: 'More custom parameters, kept with event_params.custom (a name in both must have the same value)',
        additionalProperties: true,
      },
    },
  },
  UpsertUser: {
    type: 'object',
    description:
      'One user: identifiers or insider_id (the iid /profile answers), attributes and events. A user is validated ' +
      'whole and written all or nothing; a field a user does not have fails it.',
    additionalProperties: false,
    properties: {
      identifiers: ref('Identifiers'),
      insider_id: text('The profile id (iid) that /profile answers', { maxLength: 64 }),
      attributes: ref('Attributes'),
      events: { type: 'array', maxItems: 100, items: ref('Event') },
      not_append: flag(NOT_APPEND),
      append: flag(APPEND),
    },
  },
  UpsertRequest: {
    type: 'object',
    required: ['users'],
    properties: {
      users: { type: 'array', minItems: 1, maxItems: MAX_USERS, items: ref('UpsertUser') },
      not_append: flag(NOT_APPEND),
      append: flag(APPEND),
      skip_hook: flag('Accepted and ignored'),
      error_callback_endpoint: text('Accepted and ignored'),
    },
  },
  IdentityUpdateRequest: {
    type: 'object',
    description: 'Exactly one identifier on each side, of the same type',
    required: ['old_identifier', 'new_identifier'],
    properties: { old_identifier: ref('Identifiers'), new_identifier: ref('Identifiers') },
  },
  IdentityDeleteRequest: {
    type: 'object',
    description: 'Exactly one identifier: the one to remove',
    required: ['identifiers'],
    properties: { identifiers: ref('Identifiers') },
  },
  AttributeDeleteUser: {
    type: 'object',
    description: 'One user (identifiers or insider_id) and the attributes to delete',
    properties: {
      identifiers: ref('Identifiers'),
      insider_id: text('The profile id (iid) that /profile answers', { maxLength: 64 }),
      whole: { type: 'array', description: 'Default attributes to delete', items: { type: 'string' } },
      partial: {
        type: 'object',
        description: 'Default array attributes (list_id, static_segment_id) → the items to remove',
        additionalProperties: { type: 'array', maxItems: 500, items: {} },
      },
      custom: {
        type: 'object',
        additionalProperties: false,
        properties: {
          whole: { type: 'array', description: 'Custom attributes to delete', items: { type: 'string' } },
          partial: {
            type: 'object',
            description: 'Custom array attributes → the items to remove',
            additionalProperties: { type: 'array', maxItems: 500, items: {} },
          },
        },
      },
    },
  },
  AttributeDeleteRequest: {
    type: 'object',
    required: ['users'],
    properties: { users: { type: 'array', minItems: 1, maxItems: MAX_USERS, items: ref('AttributeDeleteUser') } },
  },
  ProfileRequest: {
    type: 'object',
    description: 'The profile (identifiers or insider_id), and what to answer',
    properties: {
      identifiers: ref('Identifiers'),
      insider_id: text('The profile id (iid)', { maxLength: 64 }),
      attributes: {
        type: 'array',
        description:
          'Attribute names to answer (custom ones with the c_ prefix); all stored ones when omitted or ["*"]',
        maxItems: 500,
        items: { type: 'string', maxLength: 130 },
      },
      events: {
        type: 'object',
        required: ['start_date', 'end_date'],
        properties: {
          start_date: instant('Start of the range (included)'),
          end_date: instant('End of the range (included)'),
          wanted: {
            type: 'array',
            description: 'The events to answer (all when omitted), with the parameters wanted (all when omitted)',
            maxItems: 50,
            items: {
              oneOf: [
                { type: 'string', description: 'An event name' },
                {
                  type: 'object',
                  required: ['event_name'],
                  properties: {
                    event_name: { type: 'string', pattern: '^[a-z0-9_]{1,128}$' },
                    params: { type: 'array', maxItems: 100, items: { type: 'string' } },
                  },
                },
              ],
            },
          },
        },
      },
      quota: flag("true: answer this minute's use of the /profile limit"),
    },
  },
  ProfileResponse: {
    type: 'object',
    required: ['attributes', 'iid', 'identifiers'],
    properties: {
      attributes: {
        type: 'object',
        description: 'The attributes asked for (custom ones with the c_ prefix), always with iid',
        required: ['iid'],
        properties: { iid: { type: 'string' } },
        additionalProperties: true,
      },
      events: {
        type: 'object',
        description: 'Events by name, newest first, each with its parameters and created_date (at most 1,000)',
        additionalProperties: {
          type: 'array',
          items: {
            type: 'object',
            required: ['created_date'],
            properties: { created_date: { type: 'string', format: 'date-time' } },
            additionalProperties: true,
          },
        },
      },
      quota: {
        type: 'object',
        required: ['cost', 'used', 'total'],
        properties: { cost: { type: 'integer' }, used: { type: 'integer' }, total: { type: 'integer' } },
      },
      iid: text('The profile id'),
      identifiers: ref('Identifiers'),
    },
  },
  ProfileDeleteRequest: {
    type: 'object',
    description: 'identifiers, or insider_id',
    properties: { identifiers: ref('Identifiers'), insider_id: text('The profile id (iid)', { maxLength: 64 }) },
  },
  AnonymizeRequest: {
    type: 'object',
    description:
      'The profile whose personal attributes to delete: identifiers, or insider_id (which wins when both are given)',
    properties: { identifiers: ref('Identifiers'), insider_id: text('The profile id (iid)', { maxLength: 64 }) },
  },
  MetadataColumnsRequest: {
    type: 'object',
    required: ['table'],
    properties: {
      table: {
        type: 'string',
        enum: ['contacts', 'events'],
        description: 'contacts: the attribute columns; events: the events with their parameters',
      },
    },
  },
  MetadataColumns: {
    type: 'array',
    description: 'The attribute columns (contacts), or the events with their parameters (events)',
    items: {
      type: 'object',
      required: ['key', 'display_name'],
      properties: {
        key: text('The name to send: a default attribute, c_<name> for a custom one, or an event name'),
        display_name: { type: 'string' },
        type: { ...COLUMN_TYPE, description: 'contacts only: the column type' },
        params: {
          type: 'array',
          description: "events only: the event's parameters (custom ones as c_<name>)",
          items: {
            type: 'object',
            required: ['key', 'display_name', 'type'],
            properties: { key: { type: 'string' }, display_name: { type: 'string' }, type: COLUMN_TYPE },
          },
        },
      },
    },
  },
  Empty: {
    type: 'object',
    description: 'An empty object: done',
    additionalProperties: false,
  },
  BatchResult: {
    type: 'object',
    description: 'How many users were written, and the problems of those that were not (by path)',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['successful', 'fail'],
        properties: {
          successful: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          fail: {
            type: 'object',
            description: 'Empty when every user was written',
            properties: {
              count: { type: 'integer' },
              errors: {
                type: 'object',
                description: 'Path (users.N.field) → its problems',
                additionalProperties: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
  InsiderError: {
    type: 'object',
    description: 'An error: the reason, then ": bad request" (400) or ": no data" (404)',
    required: ['error'],
    properties: { error: { type: 'string' } },
  },
  InsiderFailure: {
    type: 'object',
    description: 'A refused partner name or credential, or an unknown error',
    required: ['success', 'message'],
    properties: { success: { type: 'boolean', enum: [false] }, message: { type: 'string' } },
  },
  BadRequest: {
    description: 'A 400: the partner name refused (InsiderFailure), or anything else (InsiderError)',
    oneOf: [ref('InsiderError'), ref('InsiderFailure')],
  },
} satisfies Record<string, SchemaObject>;

type SchemaName = keyof typeof SCHEMAS;

// ---- decorators ----------------------------------------------------------------------------------

/** Named examples: name → [summary, body]. */
type Examples = Record<string, [summary: string, body: object]>;

const examples = (list: Examples) =>
  Object.fromEntries(Object.entries(list).map(([name, [summary, value]]) => [name, { summary, value }]));

/** The 400s every endpoint can answer, before its own. */
const COMMON_400: Examples = {
  partnerInvalid: ['X-PARTNER-NAME missing, wrong or not lowercase', PARTNER_BODIES.partnerInvalid],
  tooLarge: ['A body over 5,000,000 bytes (refused before it is read)', PARTNER_BODIES.tooLarge],
  notJson: ['A body that is not JSON', badRequestBody('request body is not valid JSON')],
  contentType: ['A Content-Type other than application/json', badRequestBody('content type must be application/json')],
  notObject: ['A body that is not a JSON object', badRequestBody('request body must be a JSON object, not an array')],
};

type Headers = Record<string, { description: string; schema: { type: 'integer'; example: number } }>;

function responds(status: number, description: string, schema: SchemaName, list: Examples, headers: Headers = {}) {
  return ApiResponse({
    status,
    description,
    headers,
    content: { 'application/json': { schema: ref(schema), examples: examples(list) } },
  });
}

/** The request body: a named schema, with named examples. */
export const PartnerBody = (schema: SchemaName, list: Examples) =>
  ApiBody({ required: true, schema: ref(schema), examples: examples(list) });

/** 200: its schema and example bodies. */
export const PartnerOk = (description: string, schema: SchemaName, body: object, more: Examples = {}) =>
  responds(200, description, schema, { ok: ['Success', body], ...more });

/**
 * The error answers of an endpoint: its own 400s after the common ones, 403, its 404 when it looks a
 * user up, 429 with Retry-After, and the unknown-error 500.
 */
export const PartnerErrors = (own400: Examples, notFound = true) =>
  applyDecorators(
    responds(400, 'Bad request: the partner name, the body, or what it asks', 'BadRequest', {
      ...COMMON_400,
      ...own400,
    }),
    responds(403, 'A missing, wrong or revoked token, or one without identities:write', 'InsiderFailure', {
      accessDenied: ['Access denied', PARTNER_BODIES.accessDenied],
    }),
    ...(notFound
      ? [
          responds(404, 'No profile has these identifiers', 'InsiderError', {
            noSuchUser: ['No such user', noDataBody(NO_SUCH_USER)],
          }),
        ]
      : []),
    responds(
      429,
      "Over the endpoint family's limit per minute",
      'InsiderError',
      { tooMany: ['Rate limited', PARTNER_BODIES.tooManyRequests] },
      { 'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer', example: 42 } } },
    ),
    responds(500, 'An unexpected failure (logged with the request id)', 'InsiderFailure', {
      unknown: ['Unknown error', PARTNER_BODIES.unknown],
    }),
  );

export const badExample = (summary: string, reason: string): [string, object] => [summary, badRequestBody(reason)];

export const BATCH_OK: object = { data: { successful: { count: 1 }, fail: {} } };
export const BATCH_FAILED: Examples = {
  someFailed: [
    'Some users failed: their problems by path (nothing of a failed user is written)',
    {
      data: {
        successful: { count: 1 },
        fail: {
          count: 1,
          errors: {
            'users.1.events.0.event_params': ['event_group_id parameter is required on purchase event'],
            'users.1.identifiers': ['not a valid email address'],
          },
        },
      },
    },
  ],
};

// ---- the document --------------------------------------------------------------------------------

/**
 * The OpenAPI document of the partner API (the routes of `modules`), as /docs-json serves it. The
 * servers are this instance (a relative URL, for the /docs page) and any other (scheme, host and port
 * as variables, `npm start`'s by default, for tools reading the committed file); both credentials are
 * alternatives on every operation.
 */
export function partnerOpenApiDocument(app: INestApplication, modules: unknown[]): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Identity Hub: Insider-compatible partner API')
    .setDescription(
      "Wire-compatible with Insider One's Unification REST API: create and update profiles (upsert), change and " +
        'remove identifiers, delete attributes, read and delete profiles. Every call needs X-PARTNER-NAME (the ' +
        "instance's PARTNER_NAME) and an API token with the identities:write scope, sent as X-REQUEST-TOKEN or " +
        'with HTTP Basic. The GraphQL API of the same data is at /graphql (schema.graphql in the repository).',
    )
    .setVersion('1')
    .addServer('/', 'This instance')
    .addServer('{scheme}://{host}:{port}', 'Another instance', {
      scheme: { default: 'http', enum: ['http', 'https'] },
      host: { default: 'localhost', description: 'Its host name' },
      port: { default: '3000', description: 'Its PORT' },
    })
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-REQUEST-TOKEN', description: 'An API token (identities:write)' },
      'requestToken',
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description: 'An API token as the password, with an empty user name: base64(":" + token)',
      },
      'basic',
    )
    .addSecurityRequirements('requestToken')
    .addSecurityRequirements('basic')
    .addTag('Insider-compatible partner API', 'Profiles, identifiers and attributes by partner integrations')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    include: modules as never[],
    operationIdFactory: (_controller: string, method: string) => method,
  });
  // package.json's license (DocumentBuilder.setLicense insists on a URL)
  document.info.license = { name: 'UNLICENSED' };
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS } };
  return document;
}
