import { startTestApp, TestApp } from './helpers/test-app';

describe('structured logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
  });
  afterAll(() => t.close());

  it('writes one JSON line per request with the request id, and no credential', async () => {
    const secret = 'super-secret-session-token-value';
    await t
      .http()
      .post('/graphql')
      .set('x-request-id', 'log-test-1')
      .set('authorization', `Bearer ${secret}`)
      .set('x-request-token', 'another-secret-token')
      .set('cookie', 'sid=cookie-secret')
      .send({ query: '{ countries { iso2 } }', variables: { password: 'pw-secret-123456' } });
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = lines.filter((l) => l.reqId === 'log-test-1');
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.find((l) => l.msg === 'request completed')).toMatchObject({ method: 'POST', url: '/graphql' });
    const all = t.logs.join('\n');
    for (const s of [secret, 'another-secret-token', 'cookie-secret', 'pw-secret-123456']) expect(all).not.toContain(s);
  });

  it('redacts secrets in any object that is logged', async () => {
    const { createLogger } = await import('../src/common/logger');
    const out: string[] = [];
    const logger = createLogger('info', { write: (s: string) => out.push(s) });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc', 'x-request-token': 'tok', cookie: 'c=1' } },
        body: { password: 'p1', token: 't1', variables: { password: 'p2' } },
      },
      'x',
    );
    const line = JSON.parse(out[0]);
    expect(line.req.headers).toEqual({
      authorization: '[REDACTED]',
      'x-request-token': '[REDACTED]',
      cookie: '[REDACTED]',
    });
    expect(line.body).toEqual({ password: '[REDACTED]', token: '[REDACTED]', variables: { password: '[REDACTED]' } });
  });
});

describe('the request line', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true, env: { TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1' } });
  });
  afterAll(() => t.close());

  const line = (reqId: string) =>
    t.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.reqId === reqId && l.msg === 'request completed');

  it('says who asked: client address, actor kind and id, GraphQL operation; never a credential or the query string', async () => {
    const { seedApiToken, seedUser } = await import('./helpers/factories');
    const jane = await seedUser(t);
    const { token, row } = await seedApiToken(t, ['identities:read']);
    await t
      .http()
      .post('/graphql?token=in-the-query-string')
      .set({ 'x-request-id': 'who-1', authorization: `Bearer ${jane.token}`, 'x-forwarded-for': '203.0.113.7' })
      .send({ query: 'query WhoAmI { authenticatedItem { ... on User { id } } }' });
    await t
      .http()
      .post('/graphql')
      .set({ 'x-request-id': 'who-2', 'x-request-token': token })
      .send({ query: '{ identities { id } }' });
    await t.http().get('/nothing-here').set('x-request-id', 'who-3');

    expect(line('who-1')).toEqual({
      level: 30,
      time: expect.any(String),
      reqId: 'who-1',
      method: 'POST',
      url: '/graphql',
      route: '/graphql',
      statusCode: 200,
      ms: expect.any(Number),
      ip: '203.0.113.7',
      actor: 'session',
      actorId: jane.user.id,
      operation: 'WhoAmI',
      msg: 'request completed',
    });
    expect(line('who-2')).toMatchObject({ actor: 'api-token', actorId: row.id, operation: '(anonymous)' });
    expect(line('who-3')).toMatchObject({ statusCode: 404, url: '/nothing-here' });
    for (const field of ['route', 'actor', 'operation']) expect(line('who-3')).not.toHaveProperty(field);
    const all = t.logs.join('\n');
    for (const secret of [jane.token, token, 'in-the-query-string']) expect(all).not.toContain(secret);
  });
});
