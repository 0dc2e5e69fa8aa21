import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { partnerErrorBody } from '../identity/partner-api/partner-errors';
import { PARTNER_API_PREFIX } from '../identity/partner-api/partner-errors';
import { AppError, DATABASE_BUSY, ErrorCode, HTTP_STATUS, isDatabaseBusy } from './app-error';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadUserInput,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.BadUserInput,
  409: ErrorCode.Conflict,
  413: ErrorCode.BadUserInput,
  415: ErrorCode.BadUserInput,
  429: ErrorCode.TooManyRequests,
};

/** What went wrong, normalised from whatever was thrown. */
export interface NormalisedError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** Fastify's own code (FST_ERR_CTP_BODY_TOO_LARGE, …) for errors raised before a handler ran */
  fastifyCode?: string;
}

export function normaliseError(exception: unknown): NormalisedError | null {
  if (exception instanceof AppError) {
    return {
      status: HTTP_STATUS[exception.code],
      code: exception.code,
      message: exception.message,
      details: exception.details,
    };
  }
  if (isDatabaseBusy(exception)) {
    return { status: 503, code: ErrorCode.ServiceUnavailable, message: DATABASE_BUSY };
  }
  // Nest wraps Fastify's own errors (body too large, bad JSON) in an HttpException: look at the cause.
  const cause = exception instanceof HttpException ? (exception.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string' && cause.code.startsWith('FST_')) return normaliseError(cause);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500) return null;
    const response = exception.getResponse();
    const raw =
      typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    return { status, code: STATUS_CODES[status] ?? ErrorCode.BadUserInput, message };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (
    typeof fastifyError?.code === 'string' &&
    fastifyError.code.startsWith('FST_') &&
    (fastifyError.statusCode ?? 500) < 500
  ) {
    const status = fastifyError.statusCode!;
    const message =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body is larger than 5,000,000 bytes'
        : String(fastifyError.message);
    return { status, code: STATUS_CODES[status] ?? ErrorCode.BadUserInput, message, fastifyCode: fastifyError.code };
  }
  return null;
}

/**
 * The REST error mapping point (GraphQL resolver errors go to the Apollo formatter). The wire shape
 * depends on the API: GraphQL transport errors as `{ errors: [...] }`, the partner API with Insider's
 * bodies, everything else `{ code, message }`. Unknown errors are logged and answered as a generic 500.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType<string>() === 'graphql') return exception; // graphql-js raises it; the formatter maps it
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException && exception.getStatus() === 503) {
      return reply.status(503).send(exception.getResponse()); // /health: terminus' own body
    }
    const error = normaliseError(exception);
    if (!error || error.code === ErrorCode.ServiceUnavailable) request.log.error({ err: exception }, 'request failed');
    if (error?.code === ErrorCode.TooManyRequests && error.details?.retryAfter) {
      void reply.header('Retry-After', String(error.details.retryAfter));
    }
    const url = request.url;
    if (url.startsWith(PARTNER_API_PREFIX)) {
      const { status, body } = partnerErrorBody(error);
      return reply.status(status).send(body);
    }
    if (!error) {
      if (url.startsWith('/graphql')) {
        return reply
          .status(500)
          .send({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.Internal } }] });
      }
      return reply.status(500).send({ code: ErrorCode.Internal, message: 'Internal server error' });
    }
    if (url.startsWith('/graphql')) {
      return reply
        .status(error.status)
        .send({ errors: [{ message: error.message, extensions: { code: error.code } }] });
    }
    return reply.status(error.status).send({ code: error.code, message: error.message, ...error.details });
  }
}
