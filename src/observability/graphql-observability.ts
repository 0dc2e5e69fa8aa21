import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { FastifyRequest } from 'fastify';
import { MetricsService } from '../common/metrics.service';

interface Context {
  req?: FastifyRequest;
}

/**
 * Counts every GraphQL operation by name, type and outcome (`ok`, or the first error's
 * `extensions.code`), and hands the operation name to the request line (`operation`). One listener
 * object for every request: nothing is allocated per operation beyond the counter increment.
 */
export function graphqlObservability(metrics: MetricsService): ApolloServerPlugin<Context> {
  const listener: GraphQLRequestListener<Context> = {
    async didResolveOperation({ operationName, contextValue }) {
      if (contextValue.req) contextValue.req.graphqlOperation = operationName ?? '(anonymous)';
    },
    async willSendResponse({ response, operation, operationName }) {
      const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
      const code = errors?.[0]?.extensions?.code;
      const outcome = errors?.length ? (typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') : 'ok';
      // `operation` is undefined when the document did not parse, validate or name a known operation
      metrics.graphqlOperation(operation ? operationName : undefined, operation?.operation, outcome);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
