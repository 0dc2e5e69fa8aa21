import { seedApiToken, seedUser } from '../helpers/factories';
import { TcpProxy } from '../helpers/tcp-proxy';
import { freshDatabase, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const SIGN_IN = `mutation { authenticateUserWithPassword(email: "jane@example.com", password: "a long passphrase") {
  ... on UserAuthenticationWithPasswordSuccess { item { email } } } }`;

const logLines = (t: TestApp) => t.logs.map((l) => JSON.parse(l) as Record<string, any>);

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/health/live answers while the process runs; /health/ready and /health check the dependencies', async () => {
    const live = await t.rest('get', '/health/live');
    expect([live.status, live.body]).toEqual([200, { status: 'ok' }]);
    const up = { status: 'up', responseTime: expect.any(Number) };
    const components = process.env.REDIS_URL ? { database: up, redis: up } : { database: up };
    for (const path of ['/health/ready', '/health']) {
      const res = await t.rest('get', path);
      expect([res.status, res.body]).toEqual([200, { status: 'ok', info: components, error: {}, details: components }]);
    }
  });
});

describe('health when the database is gone', () => {
  it('is 503 on /health/ready with no internal error text; /health/live stays 200; the reason is logged', async () => {
    const t = await startTestApp({ captureLogs: true });
    try {
      await t.dataSource.destroy();
      const ready = await t.rest('get', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'error',
        info: process.env.REDIS_URL ? { redis: { status: 'up', responseTime: expect.any(Number) } } : {},
        error: { database: { status: 'down' } },
        details: expect.objectContaining({ database: { status: 'down' } }),
      });
      expect((await t.rest('get', '/health')).status).toBe(503);
      expect((await t.rest('get', '/health/live')).status).toBe(200);
      expect(logLines(t).find((l) => l.msg === 'health check failed: database')).toMatchObject({
        level: 40,
        check: 'database',
        err: { message: expect.any(String) },
      });
    } finally {
      await t.dataSource.initialize();
      await t.close();
    }
  });

  (isPostgres() ? it : it.skip)('says only "down" when PostgreSQL refuses connections (no ECONNREFUSED)', async () => {
    const real = new URL(process.env.DATABASE_URL!);
    const proxy = await new TcpProxy(real.hostname, Number(real.port || 5432)).start();
    const db = await freshDatabase();
    const t = await startTestApp({ databaseUrl: proxy.url(db.url), captureLogs: true });
    try {
      await proxy.stop();
      const res = await t.rest('get', '/health');
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({ database: { status: 'down' } });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect|terminated/i);
    } finally {
      await proxy.stop();
      await t.close().catch(() => undefined);
      await db.drop();
    }
  });
});

(process.env.REDIS_URL ? describe : describe.skip)('when Redis goes down and comes back', () => {
  it('readiness is 503, Redis-backed operations are 503 SERVICE_UNAVAILABLE naming Redis, errors are logged as JSON', async () => {
    const real = new URL(process.env.REDIS_URL!);
    const proxy = await new TcpProxy(real.hostname, Number(real.port || 6379)).start();
    const consoleErrors: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args) => void consoleErrors.push(args));
    const t = await startTestApp({ env: { REDIS_URL: proxy.url(process.env.REDIS_URL!) }, captureLogs: true });
    try {
      await seedUser(t, { email: 'jane@example.com', password: 'a long passphrase' });
      const { token } = await seedApiToken(t, ['identities:write']);
      expect((await t.gql(SIGN_IN)).data.authenticateUserWithPassword.item.email).toBe('jane@example.com');

      await proxy.stop();
      await until(async () => (await t.rest('get', '/health/ready')).status === 503);
      const ready = await t.rest('get', '/health/ready');
      expect(ready.body.error).toEqual({ redis: { status: 'down' } });
      expect(ready.body.info.database.status).toBe('up');

      const signIn = await t.gql(SIGN_IN);
      expect(signIn.status).toBe(503);
      expect(signIn.errors).toEqual([
        expect.objectContaining({
          message: 'Redis is unavailable; try again shortly',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        }),
      ]);
      const partner = await t.rest('post', '/api/user/v1/upsert', {
        headers: { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token },
        body: { users: [{ identifiers: { email: 'p@example.com' } }] },
      });
      expect([partner.status, partner.body]).toEqual([
        503,
        { success: false, message: 'Redis is unavailable; try again shortly' },
      ]);
      const lost = logLines(t).filter((l) => l.msg?.startsWith('Redis connection lost'));
      expect(lost).toHaveLength(2); // once per connection, not once per reconnection attempt
      expect(lost).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 50, context: 'Redis', connection: 'client' }),
          expect.objectContaining({ level: 50, context: 'Redis', connection: 'subscriber' }),
        ]),
      );

      await proxy.start();
      await until(async () => (await t.rest('get', '/health/ready')).status === 200);
      expect((await t.gql(SIGN_IN)).data.authenticateUserWithPassword.item.email).toBe('jane@example.com');
      await until(async () => logLines(t).filter((l) => l.msg === 'Redis connection restored').length === 2);
      expect(consoleErrors).toEqual([]); // nothing from ioredis ("Unhandled error event") outside the logger
    } finally {
      spy.mockRestore();
      await t.close();
      await proxy.stop();
    }
  });
});
