import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor';
import type { CredentialHeaders, CredentialService } from '../auth/credential.service';
import { ReadContext, readContext, ReplicaService } from './replicas';

/** The REST read that replicas serve (Insider's profile read is a POST). */
export const REST_REPLICA_READS = new Set(['POST /api/user/v1/profile']);

type RoutedRequest = FastifyRequest & { actor?: Actor; readContext?: ReadContext };

/**
 * The actor, resolved once here on the primary (a session that has just been created may not have
 * reached a replica yet) and kept on the request, where the global guard finds it and does not resolve
 * it again. A credential the guard will refuse: undefined, and the request stays on the primary.
 */
async function actorOf(request: RoutedRequest, credentials: CredentialService): Promise<Actor | undefined> {
  if (request.actor) return request.actor;
  try {
    request.actor = await credentials.resolve(request.headers as CredentialHeaders);
    return request.actor;
  } catch {
    return undefined;
  }
}

/**
 * Only with DATABASE_REPLICA_URLS: every request gets a ReadContext (primary) for its database work;
 * a REST replica read turns it to replica when its actor may read there, and a REST write makes its
 * actor's reads sticky to the primary. GraphQL does the same in replicaReadsPlugin.
 */
export function registerReadRouting(
  fastify: FastifyInstance,
  replicas: ReplicaService,
  credentials: CredentialService,
): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const context: ReadContext = { replica: false };
    (request as RoutedRequest).readContext = context;
    readContext.run(context, done);
  });
  fastify.addHook('preHandler', async (request: RoutedRequest) => {
    if (!REST_REPLICA_READS.has(`${request.method} ${request.routeOptions.url}`) || !request.readContext) return;
    request.readContext.replica = await replicas.mayRead(await actorOf(request, credentials));
  });
  fastify.addHook('onResponse', async (request: RoutedRequest) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(request.method) || request.routeOptions.url === '/graphql') return;
    if (REST_REPLICA_READS.has(`${request.method} ${request.routeOptions.url}`)) return;
    await replicas.wrote(request.actor);
  });
}

/**
 * A read-only GraphQL operation (a `query`, not part of a batch) goes to a replica unless its actor
 * wrote within REPLICA_STICKY_MS; a mutation stays on the primary, all of it, and makes the actor sticky.
 */
export function replicaReadsPlugin(
  replicas: ReplicaService,
  credentials: CredentialService,
): ApolloServerPlugin<{ req: FastifyRequest }> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const request = contextValue.req as RoutedRequest;
          if (operation?.operation !== 'query' || !request.readContext || Array.isArray(request.body)) return;
          request.readContext.replica = await replicas.mayRead(await actorOf(request, credentials));
        },
        async willSendResponse({ operation, contextValue }) {
          if (operation?.operation === 'mutation') await replicas.wrote((contextValue.req as RoutedRequest).actor);
        },
      };
    },
  };
}
