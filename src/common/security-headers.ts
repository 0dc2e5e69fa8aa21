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

/**
 * The account pages (`/account/*`: reset a password, verify an address): their HTML, stylesheet and
 * script come from the service and have nothing inline, so everything is 'self' and nothing else; the
 * script calls the GraphQL API on the same origin. No form submits natively (form-action 'none').
 */
export const ACCOUNT_PAGES_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * The admin console (`/admin`, web/dist): everything it runs, styles and calls comes from the service
 * itself; no inline script or style (Vite writes none), no frames, no other host.
 */
export const CONSOLE_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** Path prefixes of the pages that get their own policy (besides the docs). */
const PAGE_POLICIES = [{ prefix: '/account/', csp: ACCOUNT_PAGES_CSP }];

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * helmet's headers that only mean something to an HTML page or to retired browsers (Origin-Agent-Cluster,
 * X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection) are
 * off: @fastify/helmet rebuilds its middleware for every request, and with all of helmet's defaults that
 * cost 20 µs of CPU per response (about 5 % of the REST PATCH); this set costs about 7 µs.
 * Kept: CSP, nosniff, Referrer-Policy, Cross-Origin-Resource-Policy (no cross-origin no-cors reads of
 * the JSON) and X-Frame-Options (framing, for browsers without frame-ancestors).
 */
const API_HEADERS = {
  contentSecurityPolicy: API_CSP,
  referrerPolicy: { policy: 'no-referrer' as const },
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
  xFrameOptions: { action: 'deny' as const },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

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
      // a page: its own CSP, and no window.opener link to a page of another origin
      route.helmet = { contentSecurityPolicy: DOCS_CSP, crossOriginOpenerPolicy: { policy: 'same-origin' } };
    }
    const page = PAGE_POLICIES.find((p) => route.url.startsWith(p.prefix));
    if (page) route.helmet = { contentSecurityPolicy: page.csp, crossOriginOpenerPolicy: { policy: 'same-origin' } };
  });
  const apiHeaders = {
    ...API_HEADERS,
    strictTransportSecurity: options.hsts ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false,
  };
  // The pages (a route with its own `helmet` options: /docs, the account pages, the console) get
  // helmet's headers per request, their options merged over the API's. Every other response (the API,
  // a 404) gets the API's headers as helmet set them on the first such response, recorded then: helmet
  // rebuilds its middleware for every request (~7 µs of CPU a response, 2-3 % of the REST PATCH), and
  // these headers never vary. helmet stays the one source of their values.
  await fastify.register(helmet, { ...apiHeaders, global: false });
  let recorded: [name: string, value: string][] | null = null;
  fastify.addHook('onRequest', (request, reply, done) => {
    if ((request.routeOptions.config as { helmet?: unknown }).helmet !== undefined) return done();
    const raw = reply.raw;
    if (recorded) {
      for (const [name, value] of recorded) raw.setHeader(name, value);
      return done();
    }
    const before = raw.getHeaders();
    reply.helmet(); // the API's options (the plugin's global ones)
    recorded = Object.entries(raw.getHeaders())
      .filter(([name, value]) => before[name] !== value)
      .map(([name, value]) => [name, String(value)]);
    done();
  });
}
