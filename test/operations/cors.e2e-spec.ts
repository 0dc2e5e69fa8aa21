import { seedApiToken } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const SHOP = 'https://shop.example.com';
const DEV = 'http://localhost:5173';

const corsHeaders = (headers: Record<string, string>) =>
  Object.keys(headers).filter((name) => name.startsWith('access-control-'));

describe('CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${SHOP}/, ${DEV}`, PARTNER_NAME: 'mybrand' } });
  });
  afterAll(() => t.close());

  it('answers a listed origin’s GraphQL preflight 204 with the methods and headers the APIs use', async () => {
    const res = await t.http().options('/graphql').set({
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': SHOP,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers':
        'Authorization, Content-Type, X-Request-Token, X-Partner-Name, X-Request-Id, Apollo-Require-Preflight, X-Apollo-Operation-Name',
      'access-control-max-age': '600',
    });
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers the partner API’s preflight too, and the call itself carries the CORS headers', async () => {
    const preflight = await t.http().options('/api/user/v1/identity').set({
      origin: DEV,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'x-partner-name, x-request-token, content-type',
    });
    expect([preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([204, DEV]);

    const { token } = await seedApiToken(t, ['identities:write']);
    const call = await t
      .http()
      .post('/api/user/v1/upsert')
      .set({ origin: DEV, 'x-partner-name': 'mybrand', 'x-request-token': token })
      .send({ users: [{ identifiers: { email: 'cors@example.com' } }] });
    expect(call.status).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBe(DEV);
    expect(call.headers['access-control-expose-headers']).toBe('X-Request-Id, Retry-After');
    const gql = await t.http().post('/graphql').set('origin', SHOP).send({ query: '{ __typename }' });
    expect([gql.status, gql.headers['access-control-allow-origin']]).toEqual([200, SHOP]);
  });

  it('gives any other origin no CORS header at all (its preflight is a 404)', async () => {
    for (const origin of ['https://evil.example.com', 'https://shop.example.com.evil.com', 'null']) {
      const preflight = await t.http().options('/graphql').set({ origin, 'access-control-request-method': 'POST' });
      expect(preflight.status).toBe(404);
      expect(preflight.body.errors[0]).toEqual({
        message: 'Cannot OPTIONS /graphql',
        extensions: { code: 'NOT_FOUND' },
      });
      expect(corsHeaders(preflight.headers)).toEqual([]);
      const call = await t.http().post('/graphql').set('origin', origin).send({ query: '{ __typename }' });
      expect(call.status).toBe(200); // served (a server-to-server caller sends no Origin) but unreadable by the page
      expect(corsHeaders(call.headers)).toEqual([]);
    }
  });
});

describe('without CORS_ORIGINS', () => {
  it('answers no origin with CORS headers, and a preflight is a 404, not a 400', async () => {
    const t = await startTestApp();
    try {
      const preflight = await t
        .http()
        .options('/graphql')
        .set({ origin: SHOP, 'access-control-request-method': 'POST' });
      expect([preflight.status, preflight.body.errors[0].extensions.code]).toEqual([404, 'NOT_FOUND']);
      expect(corsHeaders(preflight.headers)).toEqual([]);
      const call = await t.http().post('/graphql').set('origin', SHOP).send({ query: '{ __typename }' });
      expect(corsHeaders(call.headers)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
