import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * SPEC §7 pages, as a client without a browser sees them: static HTML with labelled inputs, one script
 * and one stylesheet from the service, nothing inline, and a CSP that allows only the service itself.
 * (test/accounts/account-pages.browser.e2e-spec.ts drives them in Chromium.)
 */
const PAGES = ['/account/reset-password', '/account/verify-email'];
const PAGE_CSP =
  "default-src 'none';script-src 'self';style-src 'self';connect-src 'self';base-uri 'none';form-action 'none';frame-ancestors 'none'";

describe('account pages (SPEC §7)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(PAGES)(
    '%s is a small HTML page with its own CSP, nothing inline and nothing from elsewhere',
    async (path) => {
      const res = await t.http().get(`${path}?email=a%40example.com&token=abc`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
      const html = res.text;
      expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
      expect(html.length).toBeLessThan(4000);
      // one script and one stylesheet, relative (the pages work under a PUBLIC_URL path too)
      expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="account.js" defer>']);
      expect([...html.matchAll(/<link\b[^>]*>/g)].map((m) => m[0])).toEqual([
        '<link rel="stylesheet" href="account.css">',
      ]);
      expect(html).not.toMatch(/<style|style=|\son[a-z]+=|javascript:|https?:\/\//i);
      // nothing of the request is written into the page
      expect(html).not.toContain('a@example.com');
      expect(html).not.toContain('abc');
      // every input has its label
      const inputs = [...html.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
      for (const id of inputs) expect(html).toContain(`<label for="${id}">`);
      expect(html).toContain('<noscript>');
    },
  );

  it('serves the script and the stylesheet with their types', async () => {
    const js = await t.http().get('/account/account.js');
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(js.text).toContain('../graphql');
    expect(js.text).not.toMatch(/https?:\/\//);
    const css = await t.http().get('/account/account.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect(css.text).not.toContain('url(');
    expect(css.headers['content-security-policy']).toBe(PAGE_CSP);
  });

  it('the API keeps its own strict policy, and an unknown account path is 404', async () => {
    const api = await t.gql('{ __typename }');
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect((await t.http().get('/account/elsewhere')).status).toBe(404);
  });
});
