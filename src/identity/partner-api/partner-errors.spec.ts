import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { AppError, normaliseError } from '../../common/app-error';
import { partnerErrorBody, PARTNER_BODIES } from './partner-errors';
import { badRequest, noSuchUser } from './partner-input';

const wire = (e: unknown) => partnerErrorBody(normaliseError(e));

describe('the partner API error format (Insider bodies)', () => {
  it('adds the suffix Insider puts after a reason', () => {
    expect(wire(badRequest('users must be defined'))).toEqual({
      status: 400,
      body: { error: 'users must be defined: bad request' },
    });
    expect(wire(noSuchUser())).toEqual({ status: 404, body: { error: 'no such user for these identifiers: no data' } });
    // a CONFLICT (or any other client error) is Insider's 400
    expect(wire(AppError.conflict('taken'))).toEqual({ status: 400, body: { error: 'taken: bad request' } });
  });

  it("keeps the framework's words for a route that does not exist", () => {
    expect(wire(new NotFoundException('Cannot GET /api/user/v1/nothing'))).toEqual({
      status: 404,
      body: { error: 'Cannot GET /api/user/v1/nothing' },
    });
  });

  it('answers access, rate, body and unknown errors with their fixed bodies', () => {
    expect(wire(AppError.unauthenticated())).toEqual({ status: 403, body: PARTNER_BODIES.accessDenied });
    expect(wire(new ForbiddenException())).toEqual({ status: 403, body: PARTNER_BODIES.accessDenied });
    expect(wire(AppError.tooManyRequests('slow down', 5))).toEqual({
      status: 429,
      body: PARTNER_BODIES.tooManyRequests,
    });
    const fastify = (code: string) => Object.assign(new Error(code), { code, statusCode: 400 });
    expect(wire(fastify('FST_ERR_CTP_BODY_TOO_LARGE'))).toEqual({ status: 400, body: PARTNER_BODIES.tooLarge });
    expect(wire(fastify('FST_ERR_CTP_INVALID_JSON_BODY')).body).toEqual({
      error: 'request body is not valid JSON: bad request',
    });
    expect(wire(fastify('FST_ERR_CTP_EMPTY_JSON_BODY')).body).toEqual({ error: 'request body is empty: bad request' });
    expect(wire(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE')).body).toEqual({
      error: 'content type must be application/json: bad request',
    });
    expect(wire(new Error('boom'))).toEqual({ status: 500, body: PARTNER_BODIES.unknown });
  });
});
