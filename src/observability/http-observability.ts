import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Actor } from '../auth/actor';
import { MetricsService } from '../common/metrics.service';

declare module 'fastify' {
  interface FastifyRequest {
    /** the GraphQL operation's name, set by the GraphQL plugin for the request line (null: anonymous) */
    graphqlOperation: string | null;
  }
}

/** The path of a URL without its query string (which is never logged: it could carry anything). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * One JSON line per request and one histogram observation, in one `onResponse` hook:
 * `{"reqId","method","url","route","statusCode","ms","ip","actor","actorId","operation"}` — the client
 * address (`X-Forwarded-For` only from TRUSTED_PROXIES), the actor's kind and id (a user or API token id,
 * never a credential), the GraphQL operation name. The query string is not logged.
 */
export function registerRequestObservability(fastify: FastifyInstance, metrics: MetricsService): void {
  // Declared up front so every request object has the same shape (the guard sets `actor`).
  fastify.decorateRequest('actor', null);
  fastify.decorateRequest('graphqlOperation', null);
  const log = fastify.log as Logger; // pino's
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url;
    const ms = reply.elapsedTime;
    metrics.observeHttp(request.method, route, reply.statusCode, ms / 1000);
    // Written with the server's logger, the request id as the request's logger would bind it: a request
    // that writes no other line never makes its own logger (LazyChildLogger). Nothing built when off.
    if (!log.isLevelEnabled('info')) return done();
    // One object; fields left undefined (no route, anonymous, not GraphQL) are not written by pino.
    const actor = (request as unknown as { actor: Actor | null }).actor;
    const known = actor !== null && actor.kind !== 'anonymous';
    log.info(
      {
        reqId: request.id,
        method: request.method,
        url: pathOf(request.url),
        route,
        statusCode: reply.statusCode,
        ms: Math.round(ms),
        ip: request.ip,
        // the actor's kind and id (a user or an API token id), never a credential
        actor: known ? actor.kind : undefined,
        actorId: known ? (actor.kind === 'api-token' ? actor.apiTokenId : actor.userId) : undefined,
        operation: request.graphqlOperation ?? undefined,
      },
      'request completed',
    );
    done();
  });

  // Prometheus text; with METRICS_TOKEN, only for `Authorization: Bearer <METRICS_TOKEN>`.
  fastify.get('/metrics', async (request, reply) => {
    if (!metrics.authorized(request.headers.authorization)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .send({ code: 'UNAUTHENTICATED', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
    }
    const { contentType, body } = await metrics.render();
    return reply.header('Cache-Control', 'no-store').type(contentType).send(body);
  });
}
