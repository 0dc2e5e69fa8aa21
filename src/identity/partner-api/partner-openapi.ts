import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { badRequestBody, noDataBody, PARTNER_BODIES } from './partner-errors';
import { NO_SUCH_USER } from './partner-input';

/** The OpenAPI description of the partner API's answers: every wire body, by status, as named examples. */
type Examples = Record<string, [summary: string, body: object]>;

/** The 400s every endpoint can answer, before its own. */
const COMMON_400: Examples = {
  partnerInvalid: ['X-PARTNER-NAME missing, wrong or not lowercase', PARTNER_BODIES.partnerInvalid],
  tooLarge: ['A body over 5,000,000 bytes (refused before it is read)', PARTNER_BODIES.tooLarge],
  notJson: ['A body that is not JSON', badRequestBody('request body is not valid JSON')],
  contentType: ['A Content-Type other than application/json', badRequestBody('content type must be application/json')],
  notObject: ['A body that is not a JSON object', badRequestBody('request body must be a JSON object, not an array')],
};

type Headers = Record<string, { description: string; schema: { type: 'integer' } }>;

function responds(
  status: number,
  description: string,
  examples: Examples,
  headers: Headers = {},
  schema: object = { type: 'object' },
) {
  return ApiResponse({
    status,
    description,
    headers,
    content: {
      'application/json': {
        schema,
        examples: Object.fromEntries(
          Object.entries(examples).map(([name, [summary, value]]) => [name, { summary, value }]),
        ),
      },
    },
  });
}

/** 200 with its example body (and its schema, when it is not just an object). */
export const PartnerOk = (description: string, body: object, more: Examples = {}, schema?: object) =>
  responds(200, description, { ok: ['Success', body], ...more }, {}, schema);

/**
 * The error answers of an endpoint: its own 400s after the common ones, 403, its 404 when it looks a
 * user up, 429 with Retry-After, and the unknown-error 500.
 */
export const PartnerErrors = (own400: Examples, notFound = true) =>
  applyDecorators(
    responds(400, 'Bad request: the partner name, the body, or what it asks', { ...COMMON_400, ...own400 }),
    responds(403, 'A missing, wrong or revoked token, or one without identities:write', {
      accessDenied: ['Access denied', PARTNER_BODIES.accessDenied],
    }),
    ...(notFound
      ? [responds(404, 'No profile has these identifiers', { noSuchUser: ['No such user', noDataBody(NO_SUCH_USER)] })]
      : []),
    responds(
      429,
      "Over the endpoint family's limit per minute",
      { tooMany: ['Rate limited', PARTNER_BODIES.tooManyRequests] },
      { 'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer' } } },
    ),
    responds(500, 'An unexpected failure (logged with the request id)', {
      unknown: ['Unknown error', PARTNER_BODIES.unknown],
    }),
  );

export const badExample = (summary: string, reason: string): [string, object] => [summary, badRequestBody(reason)];

export const IDENTIFIERS_SCHEMA = {
  type: 'object',
  description:
    'uuid, email, phone_number (E.164) and custom identifiers nested in custom; each type must be enabled in the identity settings',
  properties: {
    uuid: { type: 'string' },
    email: { type: 'string' },
    phone_number: { type: 'string', example: '+6598765432' },
    custom: { type: 'object', additionalProperties: { type: 'string' }, example: { user_loyalty_id: 'xyz123' } },
  },
};

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

/** `identifiers` or `insider_id`: the one profile `/profile`, `/delete` and `/anonymize` act on. */
export const PROFILE_TARGET_SCHEMA = {
  type: 'object',
  description: 'identifiers, or insider_id (the iid /profile answers); insider_id wins when both are given',
  properties: {
    identifiers: IDENTIFIERS_SCHEMA,
    insider_id: { type: 'string', maxLength: 64 },
  },
};

/** `{}`: what the single-profile writes answer. */
export const EMPTY_OBJECT_SCHEMA = { type: 'object', additionalProperties: false, example: {} };

const COLUMN_TYPE = {
  type: 'string',
  enum: ['string', 'number', 'boolean', 'date', 'array', 'object'],
  description: 'the type of the values (a custom attribute or parameter: of the first value seen)',
};

export const METADATA_REQUEST_SCHEMA = {
  type: 'object',
  required: ['table'],
  properties: {
    table: {
      type: 'string',
      enum: ['contacts', 'events'],
      description: 'contacts: the attribute columns; events: the events with their parameters',
    },
  },
  example: { table: 'contacts' },
};

/** The answer of the metadata columns: attribute columns (`contacts`) or events with their parameters (`events`). */
export const METADATA_RESPONSE_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['key', 'display_name'],
    properties: {
      key: {
        type: 'string',
        description: 'the name to send: a default attribute, c_<name> for a custom one, or an event name',
      },
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
};
