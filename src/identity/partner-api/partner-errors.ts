import { ErrorCode, NormalisedError } from '../../common/app-error';
import { ErrorBody } from '../../common/error-formats';

/** The Insider-compatible wire bodies of the REST partner API (SPEC §4, seed 003). */
export const PARTNER_BODIES = {
  partnerInvalid: { success: false, message: 'Partner is invalid.' },
  accessDenied: { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
  tooLarge: { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
  tooManyRequests: { error: 'rejected: too many requests' },
  unknown: { success: false, message: 'The request processing has failed because of an unknown error.' },
} as const;

export const PARTNER_API_PREFIX = '/api/user/';

/** `{"error":"<reason>: bad request"}` */
export function badRequestBody(reason: string) {
  return { error: `${reason}: bad request` };
}

/** `{"error":"<reason>: no data"}` */
export function noDataBody(reason: string) {
  return { error: `${reason}: no data` };
}

/**
 * The partner API's error format (registered for its prefix by PartnerApiModule): Insider's bodies,
 * from a normalised error (null: unknown). The services' messages are reasons; the suffix Insider puts
 * after them (`: bad request`, `: no data`) is added here.
 */
export function partnerErrorBody(error: NormalisedError | null): ErrorBody {
  if (!error) return { status: 500, body: PARTNER_BODIES.unknown };
  switch (error.fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 400, body: PARTNER_BODIES.tooLarge };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, body: badRequestBody('content type must be application/json') };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: badRequestBody('request body is empty') };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: badRequestBody('request body is not valid JSON') };
  }
  switch (error.code) {
    case ErrorCode.TooManyRequests:
      return { status: 429, body: PARTNER_BODIES.tooManyRequests };
    case ErrorCode.Unauthenticated:
    case ErrorCode.Forbidden:
      return { status: 403, body: PARTNER_BODIES.accessDenied };
    case ErrorCode.NotFound:
      // a route that does not exist keeps the framework's words ("Cannot GET /api/user/v1/…")
      return { status: 404, body: error.fromApp ? noDataBody(error.message) : { error: error.message } };
    case ErrorCode.ServiceUnavailable: // in the shape of Insider's unknown-error body
      return { status: 503, body: { success: false, message: error.message } };
    default:
      return { status: error.status >= 500 ? 500 : 400, body: badRequestBody(error.message) };
  }
}
