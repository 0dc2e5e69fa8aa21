import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inlineHash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('GraphQL explorer (GET /graphql from a browser)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves a self-contained page whose CSP allows only its own inline script and style', async () => {
    const res = await t.http().get('/graphql').set('accept', BROWSER_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    expect(html).toContain('<title>Identity Hub · GraphQL explorer</title>');
    // no external asset: no src/href attribute and no URL to another origin
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
    const style = /<style>([\s\S]*)<\/style>/.exec(html)![1];
    expect(res.headers['content-security-policy']).toBe(
      `default-src 'none'; script-src ${inlineHash(script)}; style-src ${inlineHash(style)}; connect-src 'self'; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('leaves JSON GETs and POSTs to Apollo, CSRF prevention included', async () => {
    const blocked = await t.http().get('/graphql').query({ query: '{ __typename }' }).set('accept', 'application/json');
    expect(blocked.status).toBe(400);
    expect(blocked.text).toMatch(/Cross-Site Request Forgery/);
    const get = await t
      .http()
      .get('/graphql')
      .query({ query: '{ __typename }' })
      .set({ accept: 'application/json', 'apollo-require-preflight': 'true' });
    expect([get.status, get.body]).toEqual([200, { data: { __typename: 'Query' } }]);
    const post = await t.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
  });

  (existsSync(CHROMIUM) ? it : it.skip)(
    'works in a browser: the schema browser, a query with the Authorization header, no CSP violation',
    async () => {
      const admin = await seedUser(t, { permissions: 'all', email: 'explorer-admin@example.com' });
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as { port: number };
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        // CSP violations ("Refused to …") and script errors; a 4xx answer's own console line is expected
        page.on('console', (m) => {
          if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(`http://127.0.0.1:${port}/graphql`);
        // the schema browser, from introspection
        await page.locator('#schema a', { hasText: 'Mutation' }).first().click();
        await page.locator('#schema code', { hasText: 'authenticateUserWithPassword' }).first().waitFor();
        // a query with the Authorization header, kept in sessionStorage
        await page.fill('#auth', `Bearer ${admin.token}`);
        await page.fill('#query', 'query Me { authenticatedItem { ... on User { email } } }');
        await page.click('#run');
        await page.locator('#status', { hasText: 'HTTP 200' }).waitFor();
        expect(JSON.parse((await page.textContent('#result'))!)).toEqual({
          data: { authenticatedItem: { email: 'explorer-admin@example.com' } },
        });
        expect(await page.evaluate('sessionStorage.getItem("ih-explorer-authorization")')).toBe(
          `Bearer ${admin.token}`,
        );
        // an error answer is shown as it came
        await page.fill('#query', '{ nope }');
        await page.click('#run');
        await page.locator('#status', { hasText: 'HTTP 400' }).waitFor();
        expect(await page.textContent('#result')).toContain('Cannot query field \\"nope\\" on type \\"Query\\".');
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

describe('GRAPHQL_EXPLORER=false', () => {
  it('answers a browser GET as before (Apollo), with no page', async () => {
    const t = await startTestApp({ env: { GRAPHQL_EXPLORER: 'false' } });
    try {
      const res = await t.http().get('/graphql').set('accept', BROWSER_ACCEPT);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('<html');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    } finally {
      await t.close();
    }
  });
});
