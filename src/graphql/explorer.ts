import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { consoleDir } from '../console/console.module';

/** The explorer page of the web/ build (GraphiQL, web/explorer.html); its assets are under /admin/assets. */
export const explorerPage = (): string => join(consoleDir(), 'explorer.html');

export const EXPLORER_NOT_BUILT = 'The GraphQL explorer is not built: npm run build --prefix web';
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphQL explorer not built</title></head>
<body><h1>The GraphQL explorer is not built</h1>
<p>${EXPLORER_NOT_BUILT} (the service's own <code>npm install</code> and <code>npm run build</code> do it too), then reload this page.
GraphQL clients are not affected: they POST JSON to this URL.</p>
</body></html>
`;

/**
 * The explorer page's CSP: scripts, workers (Monaco's editor and language workers), stylesheets, its
 * icon font and images from this origin only, requests to this origin only (the /graphql it came from);
 * no inline script. Styles allow 'unsafe-inline' because Monaco sets styles and adds <style> elements
 * at run time (as the /docs page does for Swagger UI), and fonts allow data: (GraphiQL's stylesheet
 * carries its fonts inline).
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A browser navigating to the URL (its Accept names HTML), not a GraphQL client doing a GET. */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

async function readPage(): Promise<string | undefined> {
  try {
    return await readFile(explorerPage(), 'utf8');
  } catch {
    return undefined;
  }
}

async function serveExplorer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method !== 'GET' || !wantsHtml(request)) return;
  // read per request (a few hundred bytes), so a build made while the service runs is picked up
  const page = await readPage();
  await reply
    .status(page === undefined ? 503 : 200)
    .header('Content-Security-Policy', EXPLORER_CSP)
    .header('Cross-Origin-Opener-Policy', 'same-origin')
    .header('Cache-Control', page === undefined ? 'no-store' : 'no-cache')
    .type('text/html; charset=utf-8')
    .send(page ?? NOT_BUILT_PAGE);
  return reply;
}

/**
 * `GET /graphql` with `Accept: text/html` (a browser) answers the GraphQL explorer (GraphiQL, built
 * from npm with the console: web/explorer.html) instead of Apollo's CSRF refusal; every other request
 * to /graphql (JSON GETs and POSTs) reaches Apollo as before, with its CSRF prevention. The hook is
 * added to the GraphQL route only (no cost elsewhere). Call it before the routes are registered; with
 * GRAPHQL_EXPLORER=false it is not called.
 */
export function registerGraphqlExplorer(fastify: FastifyInstance, path = '/graphql'): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== path || !methods.includes('GET')) return;
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [...existing, serveExplorer];
  });
}
