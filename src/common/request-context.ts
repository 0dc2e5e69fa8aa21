import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * What the audit trail and the webhooks need to know about the request a write belongs to, wherever
 * the write happens (a service several calls below the resolver): the request (its id, the client
 * address Fastify computed, and the actor the global guard sets on it later) and whether the caller
 * asked for no webhooks (Insider's `skip_hook`). Outside a request (CLI, workers, start-up) there is none.
 */
export interface RequestContext {
  request: { id: string; ip?: string; actor?: unknown };
  /** `skip_hook: true` on Insider's /upsert: this request's changes emit no webhook events */
  skipWebhooks: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();
const RESOURCE = Symbol('request-context');

/** The context of the request being served, or undefined outside a request. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `work` with a context of its own (the CLI and tests use it; requests get one from the hook). */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * Opens the context in `onRequest` and enters it again in `preValidation`: Fastify parses the body in
 * the socket's stream events, which run outside the first hook's async context (the approach of
 * @fastify/request-context).
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const context: RequestContext = { request: request as unknown as RequestContext['request'], skipWebhooks: false };
    storage.run(context, () => {
      const resource = new AsyncResource('request-context');
      (request as unknown as Record<symbol, AsyncResource>)[RESOURCE] = resource;
      resource.runInAsyncScope(done, request.raw);
    });
  });
  fastify.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    const resource = (request as unknown as Record<symbol, AsyncResource | undefined>)[RESOURCE];
    if (resource) resource.runInAsyncScope(done, request.raw);
    else done();
  });
}
