import { ApolloServerPlugin } from '@apollo/server';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module, OnModuleInit } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { applyFieldAuthorization } from '../auth/field-authorization';
import { ErrorFormats } from '../common/error-formats';
import {
  formatGraphqlError,
  graphqlTransportErrorFormat,
  isUnexpectedGraphqlError,
  serviceUnavailableStatus,
} from '../common/graphql-errors';
import { LoaderRegistry } from '../common/loaders';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { graphqlObservability } from '../observability/graphql-observability';
import { MetricsService } from '../common/metrics.service';
import { CredentialService } from '../auth/credential.service';
import { replicaReadsPlugin } from '../database/replica-routing';
import { ReplicaService } from '../database/replicas';
import { graphqlLimits } from './query-limits';
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
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [APP_CONFIG, MetricsService, ReplicaService, CredentialService],
      useFactory: (
        config: AppConfig,
        metrics: MetricsService,
        replicas: ReplicaService,
        credentials: CredentialService,
      ): ApolloDriverConfig => {
        // Depth, aliases, directives, tokens and node count (SPEC §6), refused before execution.
        const limits = graphqlLimits(config.graphqlLimits);
        return {
          path: '/graphql', // `/v1/graphql` (Nosto's) and `/api/graphql` (Keystone's) are rewritten to it (app.ts)
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          graphiql: false,
          introspection: true,
          includeStacktraceInErrorResponses: false,
          plugins: [
            logUnexpectedErrors,
            serviceUnavailableStatus,
            graphqlObservability(metrics),
            ...limits.plugins,
            // DATABASE_REPLICA_URLS: queries to a replica, mutations (and the actor's next reads) to the primary
            ...(replicas.enabled ? [replicaReadsPlugin(replicas, credentials)] : []),
          ],
          // Nest would reset every answer that has `data` to HTTP 200: SERVICE_UNAVAILABLE must stay 503.
          preserveHttpStatusForExecutionErrors: false,
          validationRules: limits.validationRules,
          parseOptions: limits.parseOptions,
          allowBatchedHttpRequests: limits.allowBatchedHttpRequests,
          context: (req: FastifyRequest, reply: FastifyReply): GraphqlContext => ({
            req,
            reply,
            loaders: new LoaderRegistry(),
          }),
          formatError: formatGraphqlError,
          // Per-field authorization for the actor who asked (SPEC §6), on every field of the built schema.
          transformSchema: applyFieldAuthorization,
        };
      },
    }),
  ],
})
export class AppGraphqlModule implements OnModuleInit {
  constructor(private readonly errorFormats: ErrorFormats) {}

  /** Errors the REST filter sees on /graphql (before a resolver ran) keep GraphQL's shape. */
  onModuleInit() {
    this.errorFormats.register('/graphql', graphqlTransportErrorFormat);
  }
}
