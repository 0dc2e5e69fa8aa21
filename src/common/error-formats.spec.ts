import { BadRequestException, NotFoundException } from '@nestjs/common';
import { AppError, ErrorCode, normaliseError } from './app-error';
import { ErrorFormats, restErrorFormat } from './error-formats';
import { graphqlTransportErrorFormat } from './graphql-errors';

describe('error formats', () => {
  it('answers the format of the longest registered prefix, the plain REST one elsewhere', () => {
    const formats = new ErrorFormats();
    const short = () => ({ status: 400, body: { short: true } });
    const long = () => ({ status: 400, body: { long: true } });
    formats.register('/api/', short);
    formats.register('/api/user/', long);
    expect(formats.forUrl('/api/user/v1/upsert')).toBe(long);
    expect(formats.forUrl('/api/other')).toBe(short);
    expect(formats.forUrl('/health')).toBe(restErrorFormat);
    formats.register('/api/', long); // registering a prefix again replaces its format
    expect(formats.forUrl('/api/other')).toBe(long);
  });

  it('the REST format: { code, message, ...details }, and a generic 500', () => {
    expect(restErrorFormat(normaliseError(AppError.conflict('taken', { field: 'email' })))).toEqual({
      status: 409,
      body: { code: 'CONFLICT', message: 'taken', field: 'email' },
    });
    expect(restErrorFormat(null)).toEqual({
      status: 500,
      body: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' },
    });
  });

  it('the GraphQL transport format: { errors: [{ message, extensions: { code } }] }', () => {
    expect(graphqlTransportErrorFormat(normaliseError(new BadRequestException('no query')))).toEqual({
      status: 400,
      body: { errors: [{ message: 'no query', extensions: { code: ErrorCode.BadUserInput } }] },
    });
    expect(graphqlTransportErrorFormat(null).status).toBe(500);
  });

  it('normaliseError keeps an AppError as the app put it, tells framework errors apart, and hides bugs', () => {
    expect(normaliseError(AppError.notFound('no such thing'))).toEqual({
      status: 404,
      code: ErrorCode.NotFound,
      message: 'no such thing',
      details: undefined,
      fromApp: true,
    });
    expect(normaliseError(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      message: 'Cannot GET /x',
      fromApp: false,
    });
    const tooLarge = Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(normaliseError(tooLarge)).toMatchObject({
      status: 413,
      code: ErrorCode.BadUserInput,
      fastifyCode: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(normaliseError(new Error('SELECT * FROM secrets failed'))).toBeNull();
  });
});
