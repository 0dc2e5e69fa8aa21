import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** What an editor shows, with its no-break spaces as spaces */
const text = (shown: string) => shown.replace(/\u00a0/g, ' ');

describe('GraphQL explorer (GET /graphql from a browser)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the GraphiQL page of the web/ build, whose CSP allows only this origin and no inline script', async () => {
    const res = await t.http().get('/graphql').set('accept', BROWSER_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    expect(html).toContain('<title>Identity Hub · GraphQL explorer</title>');
    // its script and stylesheet come from the service (the build's hashed assets), nothing from elsewhere
    expect(html).toMatch(/<script type="module" crossorigin src="\/admin\/assets\/explorer-[\w-]+\.js"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" crossorigin href="\/admin\/assets\/explorer-[\w-]+\.css">/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>/);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; " +
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-frame-options']).toBe('DENY');
    const script = /src="(\/admin\/assets\/explorer-[\w-]+\.js)"/.exec(html)![1];
    const asset = await t.http().get(script);
    expect([asset.status, asset.headers['content-type']]).toEqual([200, 'application/javascript; charset=utf-8']);
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

  (existsSync(CHROMIUM) || process.env.CI ? it : it.skip)(
    'works in a browser: a public query, then authenticatedItem with the Authorization header, no CSP violation',
    async () => {
      const admin = await seedUser(t, { permissions: 'all', email: 'explorer-admin@example.com' });
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as { port: number };
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        // CSP violations ("Refused to …") and script errors
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        const posts: { headers: Record<string, string>; body: string }[] = [];
        page.on('request', (r) => {
          if (r.method() === 'POST') posts.push({ headers: r.headers(), body: r.postData() ?? '' });
        });
        await page.goto(`http://127.0.0.1:${port}/graphql`);
        const result = page.locator('.result-window');
        const run = page.locator('.graphiql-execute-button');

        // the default document is a public query: run it as it is
        await page.locator('.graphiql-query-editor .view-lines', { hasText: 'countries' }).waitFor();
        const answer = page.waitForResponse((r) => (r.request().postData() ?? '').includes('countries'));
        await run.click();
        // the answer as GraphiQL shows it (its editor renders the lines on screen), and as it came
        await result.getByText('"name": "Afghanistan"').waitFor();
        const countries = await (await answer).json();
        expect(countries.data.countries).toContainEqual({ iso2: 'FI', name: 'Finland' });

        // the Headers tab is open with the Authorization hint; complete it with a token
        const headers = page.locator('.graphiql-editor-tool .view-lines').last();
        expect(text(await headers.innerText())).toContain('"Authorization": "Bearer "');
        await page.locator('.graphiql-editor-tool .view-lines').last().click();
        // the token goes after "Bearer " (line 2, before its closing quote), as a person would paste it
        await page.keyboard.press('ControlOrMeta+Home');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('End');
        await page.keyboard.press('ArrowLeft');
        await page.keyboard.insertText(admin.token);
        await page.locator('.graphiql-query-editor .view-lines').click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.insertText('query Me { authenticatedItem { ... on User { email } } }');
        await run.click();
        await result.getByText('explorer-admin@example.com').waitFor();
        expect(JSON.parse(text(await result.innerText()))).toEqual({
          data: { authenticatedItem: { email: 'explorer-admin@example.com' } },
        });
        // what went over the wire: a JSON POST (Apollo's CSRF prevention lets it through) with the header
        const last = posts[posts.length - 1];
        expect(last.headers['content-type']).toBe('application/json');
        expect(last.headers.authorization).toBe(`Bearer ${admin.token}`);
        // GraphiQL names the operation once its editor has parsed the document, which may be after the click
        const { operationName, ...sent } = JSON.parse(last.body) as { operationName?: string };
        expect(sent).toEqual({ query: 'query Me { authenticatedItem { ... on User { email } } }' });
        expect([undefined, 'Me']).toContain(operationName);
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
