import helmet from '@fastify/helmet';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Every API response: JSON is never a document to render, frame or run anything in. */
export const API_CSP = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
};

/**
 * The Swagger UI page (`/docs`): its scripts, stylesheet and icons come from the service itself
 * (`/docs/swagger-ui-bundle.js`, …; the init script is a file, not inline). The page has two inline
 * `<style>` blocks and the UI sets inline styles, so styles allow 'unsafe-inline' (scripts do not);
 * the stylesheet's icons are data: URIs; "Try it out" calls the API on the same origin.
 */
export const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Security headers on every response (SPEC §6) with @fastify/helmet: nosniff, `Referrer-Policy:
 * no-referrer`, a Content-Security-Policy that fits the page (strict for the API, one Swagger UI can
 * live with under `docsPath`), and HSTS only when the deployment says it is served over HTTPS. Call it
 * before the routes are registered: the docs routes get their policy as they are added.
 */
export async function registerSecurityHeaders(
  fastify: FastifyInstance,
  options: { hsts: boolean; docsPath: string },
): Promise<void> {
  const { docsPath } = options;
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url === docsPath || route.url.startsWith(`${docsPath}/`)) {
      route.helmet = { contentSecurityPolicy: DOCS_CSP };
    }
  });
  await fastify.register(helmet, {
    contentSecurityPolicy: API_CSP,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false,
  });
}
