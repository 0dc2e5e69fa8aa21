import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { Logger } from 'pino';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { PartnerApiModule } from './identity/partner-api/partner-api.module';
import { partnerOpenApiDocument } from './identity/partner-api/partner-openapi';
import { createLogger, lazyChildLoggerFactory, PinoNestLogger } from './common/logger';
import { registerCors } from './common/cors';
import { registerSecurityHeaders } from './common/security-headers';
import { GracefulFastifyAdapter } from './common/shutdown';
import { AppConfig } from './config/app-config';
import { registerGraphqlExplorer } from './graphql/explorer';
import { registerRequestObservability } from './observability/http-observability';
import { MetricsService } from './common/metrics.service';
import { CredentialService } from './auth/credential.service';
import { registerReadRouting } from './database/replica-routing';
import { ReplicaService } from './database/replicas';

export const BODY_LIMIT_BYTES = 5_000_000;
const REQUEST_ID = /^[\w.:@-]{1,128}$/;

export interface CreateAppOptions {
  logger?: Logger;
}

/** The vendors' GraphQL paths, served as /graphql: Nosto's, and Keystone's (Openfront's storefront). */
const GRAPHQL_ALIASES = ['/v1/graphql', '/api/graphql'];

/** Builds the configured application (not yet listening): used by main, the CLI and the tests. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const adapter = new GracefulFastifyAdapter({
    loggerInstance: logger,
    // One line per request (the onResponse hook below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made when a line is written, not for every request
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Every request carries an id: the caller's X-Request-Id when it is sane, a new UUID otherwise.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Nosto's clients post to /v1/graphql; Keystone's (Openfront's storefront) to /api/graphql.
    rewriteUrl: (req: IncomingMessage) => {
      const url = req.url ?? '/';
      const alias = GRAPHQL_ALIASES.find((path) => url === path || url.startsWith(`${path}?`));
      return alias ? `/graphql${url.slice(alias.length)}` : url;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // nosniff, no-referrer, a CSP per page (strict for the API, one that Swagger UI works with at /docs), HSTS
  await registerSecurityHeaders(fastify, { hsts: config.hsts, docsPath: '/docs' });
  await registerCors(fastify, config.corsOrigins);
  if (config.graphqlExplorer) registerGraphqlExplorer(fastify);
  // the request line and the request metrics (one onResponse hook), and GET /metrics
  registerRequestObservability(fastify, app.get(MetricsService));

  // The OpenAPI document of the REST partner API: /docs (UI) and /docs-json.
  SwaggerModule.setup('docs', app, partnerOpenApiDocument(app, [PartnerApiModule]));

  // GraphQL documents sent raw (`Content-Type: application/graphql`, as in Nosto's curl example).
  fastify.addContentTypeParser('application/graphql', { parseAs: 'string' }, (request, body, done) => {
    request.headers['content-type'] = 'application/json';
    done(null, { query: body });
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  const replicas = app.get(ReplicaService);
  if (replicas.enabled) {
    registerReadRouting(fastify, replicas, app.get(CredentialService));
    app.get(MetricsService).registry.registerMetric(replicas.reads);
    app.get(MetricsService).registry.registerMetric(replicas.routing);
  }
  // No enableShutdownHooks(): main.ts handles SIGTERM/SIGINT itself (app.close(), bounded, logged, exit 0).
  await app.init();
  return app;
}
