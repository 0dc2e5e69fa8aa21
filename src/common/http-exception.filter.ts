import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, normaliseError } from './app-error';
import { ErrorFormats } from './error-formats';

/**
 * The REST error mapping point (GraphQL resolver errors go to the Apollo formatter). The wire body is
 * the format registered for the URL (see ErrorFormats), `{ code, message }` by default. Unknown errors
 * are logged and answered as a generic 500.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly formats: ErrorFormats) {}

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType<string>() === 'graphql') return exception; // graphql-js raises it; the formatter maps it
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException && exception.getStatus() === 503) {
      return reply.status(503).send(exception.getResponse()); // a 503 HttpException keeps its own body
    }
    const error = normaliseError(exception);
    if (!error || error.code === ErrorCode.ServiceUnavailable) request.log.error({ err: exception }, 'request failed');
    if (error?.code === ErrorCode.TooManyRequests && error.details?.retryAfter) {
      void reply.header('Retry-After', String(error.details.retryAfter));
    }
    const { status, body } = this.formats.forUrl(request.url)(error);
    return reply.status(status).send(body);
  }
}
