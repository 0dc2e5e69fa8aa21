import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { EXPLORER_HTML, EXPLORER_SCRIPT, EXPLORER_STYLE } from './explorer-page';

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The explorer page's CSP: only its own inline style and script (by hash), requests to its own origin
 * (the /graphql it came from), nothing else: no other script, style, image, font, frame or form target.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  `script-src ${hash(EXPLORER_SCRIPT)}`,
  `style-src ${hash(EXPLORER_STYLE)}`,
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

function serveExplorer(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (request.method !== 'GET' || !wantsHtml(request)) return done();
  void reply
    .header('Content-Security-Policy', EXPLORER_CSP)
    .header('Cross-Origin-Opener-Policy', 'same-origin')
    .header('Cache-Control', 'no-cache')
    .type('text/html; charset=utf-8')
    .send(EXPLORER_HTML);
}

/**
 * `GET /graphql` with `Accept: text/html` (a browser) answers the built-in explorer page instead of
 * Apollo's CSRF refusal; every other request to /graphql (JSON GETs and POSTs) reaches Apollo as before,
 * with its CSRF prevention. The hook is added to the GraphQL route only (no cost elsewhere). Call it
 * before the routes are registered; with GRAPHQL_EXPLORER=false it is not called.
 */
export function registerGraphqlExplorer(fastify: FastifyInstance, path = '/graphql'): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== path || !methods.includes('GET')) return;
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [...existing, serveExplorer];
  });
}
