import request from 'supertest';
import { Scope } from '../../src/auth/permissions';
import { seedApiToken } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const API_CSP = "default-src 'none';frame-ancestors 'none'";
const DOCS_CSP =
  "default-src 'none';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;" +
  "connect-src 'self';base-uri 'none';form-action 'self';frame-ancestors 'none'";

type Call = (t: TestApp, partnerToken: string) => PromiseLike<request.Response>;

/** One response of each kind the service gives, with the status it must have. */
const CALLS: [name: string, status: number, call: Call][] = [
  ['POST /graphql', 200, (t) => t.http().post('/graphql').send({ query: '{ countries { iso2 } }' })],
  [
    'POST /v1/graphql (raw application/graphql)',
    200,
    (t) => t.http().post('/v1/graphql').set('content-type', 'application/graphql').send('{ __typename }'),
  ],
  [
    'a refused GraphQL document',
    400,
    (t) =>
      t
        .http()
        .post('/graphql')
        .send({ query: `{ ${'a: __typename '.repeat(3000)} }` }),
  ],
  ['GET /health', 200, (t) => t.http().get('/health')],
  [
    'POST /api/user/v1/upsert',
    200,
    (t, token) =>
      t
        .http()
        .post('/api/user/v1/upsert')
        .set({ 'x-partner-name': 'default', 'x-request-token': token })
        .send({ users: [{ identifiers: { email: 'headers@example.com' } }] }),
  ],
  ['a partner API error', 400, (t) => t.http().post('/api/user/v1/profile').send({})],
  ['GET /docs-json', 200, (t) => t.http().get('/docs-json')],
  ['an unknown route', 404, (t) => t.http().get('/nope')],
];

describe('security headers (SPEC §6)', () => {
  let t: TestApp;
  let partnerToken: string;
  beforeAll(async () => {
    t = await startTestApp();
    partnerToken = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
  });
  afterAll(() => t.close());

  it.each(CALLS)('%s: nosniff, no-referrer, the strict CSP, no HSTS', async (_name, status, call) => {
    const res = await call(t, partnerToken);
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe(API_CSP);
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    // helmet's headers for HTML pages and retired browsers are not sent with JSON
    for (const header of ['x-xss-protection', 'x-download-options', 'x-dns-prefetch-control', 'origin-agent-cluster']) {
      expect(res.headers[header]).toBeUndefined();
    }
  });

  it.each(['/docs', '/docs/'])('%s serves Swagger UI with a CSP that lets its own assets load', async (path) => {
    const res = await t.http().get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<div id="swagger-ui"></div>');
    expect(res.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    // Every script the page names is a file from the service ('self'), none is inline.
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src="\.\/(?:docs\/)?([\w.-]+)"/.exec(attributes)?.[1];
      expect(src).toBeDefined();
      const asset = await t.http().get(`/docs/${src}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
    }
    const css = await t.http().get('/docs/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.text).not.toMatch(/url\((?!["']?data:)/); // icons are data: URIs (img-src data:)
  });
});

describe('HSTS=true', () => {
  let t: TestApp;
  let partnerToken: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { HSTS: 'true' } });
    partnerToken = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
  });
  afterAll(() => t.close());

  it.each(CALLS)('%s: Strict-Transport-Security for a year, subdomains included', async (_name, status, call) => {
    const res = await call(t, partnerToken);
    expect(res.status).toBe(status);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers['content-security-policy']).toBe(API_CSP);
  });

  it('on /docs too', async () => {
    const res = await t.http().get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers['content-security-policy']).toBe(DOCS_CSP);
  });
});
