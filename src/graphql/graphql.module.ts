import { ApolloServerPlugin } from '@apollo/server';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatGraphqlError, isUnexpectedGraphqlError, serviceUnavailableStatus } from '../common/graphql-errors';
import { LoaderRegistry } from '../common/loaders';
import { GraphqlInputModule } from './graphql-input';

export interface GraphqlContext {
  req: FastifyRequest;
  reply: FastifyReply;
  loaders: LoaderRegistry;
}

/** Logs the errors that are bugs (not AppErrors, not input errors) with the request id. */
const logUnexpectedErrors: ApolloServerPlugin<GraphqlContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ contextValue, errors }) {
        for (const error of errors) {
          if (isUnexpectedGraphqlError(error)) {
            contextValue.req.log.error(
              { err: error.originalError ?? error, path: error.path },
              'GraphQL operation failed',
            );
          }
        }
      },
    };
  },
};

@Module({
  imports: [
    GraphqlInputModule,
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      path: '/graphql', // `/v1/graphql` (Nosto's URL) is rewritten to this path in the Fastify adapter
      autoSchemaFile: true,
      sortSchema: true,
      playground: false,
      graphiql: false,
      introspection: true,
      includeStacktraceInErrorResponses: false,
      plugins: [logUnexpectedErrors, serviceUnavailableStatus],
      // Nest would reset every answer that has `data` to HTTP 200: SERVICE_UNAVAILABLE must stay 503.
      preserveHttpStatusForExecutionErrors: false,
      context: (req: FastifyRequest, reply: FastifyReply): GraphqlContext => ({
        req,
        reply,
        loaders: new LoaderRegistry(),
      }),
      formatError: formatGraphqlError,
    }),
  ],
})
export class AppGraphqlModule {}
