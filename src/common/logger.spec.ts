import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { createLogger, lazyChildLoggerFactory, loggableUrl, PinoNestLogger, scrubSecrets } from './logger';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$KNPaxOTRwc60DJeP7vp4bw$g27LCqeBFS0qzNYPMFOnF11DeS3n6gGHZ9yXq23ILBg';
const TOKEN_HASH = 'd325b2527669c880559812d7fa25aa3f2fa65d7c87eea20b568d716c43ba25b6';

/** A PostgreSQL unique violation as node-postgres raises it, wrapped by TypeORM. */
function queryFailed(): QueryFailedError {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint "uq_users_email"'), {
    code: '23505',
    severity: 'ERROR',
    detail: 'Key (email)=(jane@example.com) already exists.',
    where: `SQL statement with ${HASH}`,
    internalQuery: `SELECT '${TOKEN_HASH}'`,
    table: 'users',
    constraint: 'uq_users_email',
  });
  return new QueryFailedError(
    'INSERT INTO "users"("id", "email", "password_hash") VALUES ($1, $2, $3)',
    ['id-1', 'jane@example.com', HASH],
    driverError,
  );
}

interface LogLine {
  [field: string]: unknown;
  err: Record<string, unknown> & { driverError: Record<string, unknown> };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (s: string) => lines.push(s) });
  return { logger, lines, last: () => JSON.parse(lines.at(-1)!) as LogLine };
}

describe('error logging without query values', () => {
  it('keeps the SQL, the message and the codes of a QueryFailedError, and drops its values', () => {
    const { logger, lines, last } = capture();
    logger.error({ err: queryFailed() }, 'request failed');
    const { err } = last();
    expect(err).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "uq_users_email"',
      query: 'INSERT INTO "users"("id", "email", "password_hash") VALUES ($1, $2, $3)',
      code: '23505',
      constraint: 'uq_users_email',
      driverError: { code: '23505', table: 'users', constraint: 'uq_users_email' },
    });
    for (const field of ['parameters', 'detail', 'where', 'internalQuery']) {
      expect(err).not.toHaveProperty(field);
      expect(err.driverError).not.toHaveProperty(field);
    }
    expect(lines.join('')).not.toMatch(/argon2|jane@example\.com|[0-9a-f]{64}/);
  });

  it('drops the values under `error` too, and in a cause', () => {
    const { logger, lines } = capture();
    logger.error({ error: queryFailed() }, 'x');
    logger.error({ err: new Error('outer', { cause: queryFailed() }) }, 'y');
    expect(lines.join('')).not.toMatch(/argon2|jane@example\.com|[0-9a-f]{64}/);
  });

  it('scrubs secret-shaped text from messages', () => {
    expect(scrubSecrets(`invalid input syntax for type uuid: "${TOKEN_HASH}"`)).toBe(
      'invalid input syntax for type uuid: "[REDACTED]"',
    );
    expect(scrubSecrets(`hash ${HASH}, next`)).toBe('hash [REDACTED], next');
    expect(scrubSecrets('secret whsec_0Qf0b+O0sfGavHGJzNTVlO3u/TAT21Gxi5IE3DdVQDc= rotated')).toBe(
      'secret [REDACTED] rotated',
    );
    expect(scrubSecrets('request 0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(
      'request 0f8fad5b-d9cb-469f-a165-70867728950e',
    );
  });

  it("logs Nest's Logger calls with their context, an object message as fields", () => {
    const { logger, lines, last } = capture();
    const nest = new PinoNestLogger(logger);
    // as Nest's `new Logger('PartnerService').warn({ err, users }, 'bulk upsert failed')` calls it
    nest.warn({ err: queryFailed(), users: 3 }, 'bulk upsert failed', 'PartnerService');
    expect(last()).toMatchObject({ level: 40, context: 'PartnerService', users: 3, msg: 'bulk upsert failed' });
    expect(last().err).toMatchObject({ type: 'QueryFailedError', code: '23505' });
    nest.error('boom', 'Error: boom\n    at somewhere (x.js:1:1)', 'Ctx');
    expect(last()).toMatchObject({
      level: 50,
      context: 'Ctx',
      msg: 'boom',
      trace: expect.stringMatching(/^Error: boom/),
    });
    nest.error('Unable to connect', 'TypeOrmModule');
    expect(last()).toMatchObject({ context: 'TypeOrmModule', msg: 'Unable to connect' });
    nest.error(queryFailed(), undefined, 'Ctx');
    expect(last()).toMatchObject({ context: 'Ctx', err: { type: 'QueryFailedError' } });
    nest.log('started', 'App');
    expect(last()).toMatchObject({ level: 30, context: 'App', msg: 'started' });
    expect(lines.join('')).not.toMatch(/argon2|jane@example\.com|[0-9a-f]{64}/);
  });
});

describe('loggableUrl', () => {
  it('replaces the values of token and email in a query string, and nothing else', () => {
    expect(loggableUrl('/account/reset-password?email=jane%40example.com&token=abc_-123')).toBe(
      '/account/reset-password?email=[REDACTED]&token=[REDACTED]',
    );
    expect(loggableUrl('/account/verify-email?token=abc#top')).toBe('/account/verify-email?token=[REDACTED]#top');
    expect(loggableUrl('/x?Token=a&page=2&myemail=b')).toBe('/x?Token=[REDACTED]&page=2&myemail=b');
    expect(loggableUrl('/graphql')).toBe('/graphql');
    expect(loggableUrl(undefined)).toBeUndefined();
  });
});

describe('LazyChildLogger (request.log)', () => {
  const setup = (level: string) => {
    const out: string[] = [];
    const parent = createLogger(level, { write: (s: string) => out.push(s) });
    const child = jest.spyOn(parent, 'child');
    const lazy = lazyChildLoggerFactory(parent, { reqId: 'r-1' }, {});
    return { out, child, lazy, parent };
  };

  it('makes no child for lines below the level, and writes nothing', () => {
    const { out, child, lazy } = setup('warn');
    lazy.info({ a: 1 }, 'not written');
    lazy.debug('nor this');
    expect([child.mock.calls.length, out]).toEqual([0, []]);
    expect(lazy.level).toBe('warn');
  });

  it("writes the child's line: its bindings, the redaction, the error serializer", () => {
    const { out, child, lazy } = setup('info');
    lazy.error({ err: queryFailed(), body: { token: 'secret-token' } }, 'request failed');
    lazy.info('second');
    expect(child.mock.calls).toEqual([[{ reqId: 'r-1' }]]); // made once
    const [first, second] = out.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 50, reqId: 'r-1', body: { token: '[REDACTED]' }, msg: 'request failed' });
    expect(first.err.parameters).toBeUndefined();
    expect(second).toMatchObject({ level: 30, reqId: 'r-1', msg: 'second' });
  });

  it('passes a route level on to the child it makes', () => {
    const out: string[] = [];
    const parent = createLogger('info', { write: (s: string) => out.push(s) });
    const lazy = lazyChildLoggerFactory(parent, { reqId: 'r-2' }, { level: 'error' });
    expect((lazy as unknown as Logger).isLevelEnabled('info')).toBe(false);
    lazy.warn('not at error level');
    lazy.error('written');
    expect(out.map((line) => JSON.parse(line).msg)).toEqual(['written']);
  });
});
