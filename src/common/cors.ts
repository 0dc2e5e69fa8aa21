import cors from '@fastify/cors';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Request headers the APIs read: credentials, the partner name, the body type, tracing, Apollo's CSRF header. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-Request-Token',
  'X-Partner-Name',
  'X-Request-Id',
  'Apollo-Require-Preflight',
  'X-Apollo-Operation-Name',
];

export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * CORS for the CORS_ORIGINS (exact origins, compared as the browser sends them): their preflights are
 * answered 204 with the methods and headers the APIs use (cached by the browser for 10 minutes), their
 * requests carry `Access-Control-Allow-Origin` and expose `X-Request-Id` and `Retry-After`. Any other
 * origin gets no CORS header at all, and its preflight is a 404, so the browser refuses the call. No
 * cookies are involved (credentials are headers), so no credentials mode. Without CORS_ORIGINS the
 * plugin is not registered (no per-request cost) and every OPTIONS is a 404.
 *
 * Apollo's /graphql route also takes OPTIONS and answers it 400: OPTIONS is taken off that route, so a
 * preflight is CORS' business everywhere.
 */
export async function registerCors(fastify: FastifyInstance, origins: string[]): Promise<void> {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (Array.isArray(route.method) && route.method.includes('OPTIONS') && route.url === '/graphql') {
      route.method = route.method.filter((method) => method !== 'OPTIONS');
    }
  });
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await fastify.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
    strictPreflight: false,
  });
}
