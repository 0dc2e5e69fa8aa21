import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { FastifyInstance } from 'fastify';
import { registerSecurityHeaders } from '../../src/common/security-headers';
import { CONSOLE_NOT_BUILT, registerConsoleRoutes } from '../../src/console/console.module';
import { startTestApp, TestApp } from '../helpers/test-app';

const CONSOLE_CSP =
  "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';" +
  "base-uri 'none';form-action 'self';frame-ancestors 'none'";
const INDEX =
  '<!doctype html><html><body><div id="root"></div><script type="module" src="/admin/assets/app-1a2b3c.js"></script></body></html>';
const SCRIPT = 'console.log("the console");'.repeat(50);

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  raw: Buffer;
}

/**
 * The console's routes on a bare Fastify with the service's security headers, over a given build
 * folder, listening on 127.0.0.1. `get` sends the path exactly as written (no client-side `..` folding).
 */
async function serve(dir: string) {
  const app: FastifyInstance = Fastify();
  await registerSecurityHeaders(app, { hsts: false, docsPath: '/docs' });
  registerConsoleRoutes(app, dir);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
        });
      });
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => app.close() };
}

describe('the console at /admin (SPEC §11): serving a build', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-build-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app-1a2b3c.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'app-1a2b3c.js.gz'), gzipSync(SCRIPT));
    app = await serve(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    '/admin',
    '/admin/',
    '/admin/index.html',
    '/admin/customers',
    '/admin/customers/9b2e-4f1c',
    '/admin/groups/x?page=2',
  ])(
    '%s: the page (a client route gets index.html), not cached, with the CSP that allows only the service',
    async (url) => {
      const res = await app.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    },
  );

  it('a hashed asset: cached for a year, compressed when the browser accepts it', async () => {
    const plain = await app.get('/admin/assets/app-1a2b3c.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(SCRIPT);

    const gzip = await app.get('/admin/assets/app-1a2b3c.js', { 'accept-encoding': 'br, gzip' });
    expect(gzip.statusCode).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip'); // no .br copy here: the next one accepted
    expect(gzip.headers['vary']).toMatch(/accept-encoding/i);
    expect(gzip.raw.equals(gzipSync(SCRIPT))).toBe(true);
  });

  it.each([
    ['a missing asset is a 404, not the page', '/admin/assets/app-old.js'],
    ['a missing file is a 404', '/admin/robots.txt'],
    ['the compressed copies are not served by name', '/admin/assets/app-1a2b3c.js.gz'],
  ])('%s', async (_name, url) => {
    const res = await app.get(url);
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe(`Not found: ${url}`);
  });

  it.each([
    '/admin/../package.json',
    '/admin/%2e%2e/package.json',
    '/admin/assets/..%2f..%2fpackage.json',
    '/admin/..%5cpackage.json',
  ])('%s: nothing outside the build is served', async (url) => {
    const res = await app.get(url);
    expect([403, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('identity-hub');
  });

  it('without a build: 503 naming the command that makes it, on the page and client routes alike', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'console-none-'));
    const bare = await serve(join(empty, 'dist'));
    try {
      for (const url of ['/admin', '/admin/customers/1']) {
        const res = await bare.get(url);
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
        expect(res.body).toContain(CONSOLE_NOT_BUILT);
      }
      expect((await bare.get('/admin/assets/app.js')).statusCode).toBe(404);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the console in the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/admin is served with the console CSP (the build, or the 503 saying how to make it); the API keeps its own', async () => {
    const page = await t.http().get('/admin');
    expect([200, 503]).toContain(page.status);
    expect(page.text).toContain(page.status === 200 ? '<div id="root">' : CONSOLE_NOT_BUILT);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const api = await t.http().post('/graphql').send({ query: '{ __typename }' });
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  });
});
