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
