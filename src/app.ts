import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { Logger } from 'pino';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { PartnerApiModule } from './identity/partner-api/partner-api.module';
import { createLogger, loggableUrl, PinoNestLogger } from './common/logger';
import { registerSecurityHeaders } from './common/security-headers';
import { AppConfig } from './config/app-config';

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
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request (the onResponse hook below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
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

  // The OpenAPI document of the REST partner API: /docs (UI) and /docs-json.
  const openApi = new DocumentBuilder()
    .setTitle('Identity Hub: Insider-compatible partner API')
    .setDescription('Wire-compatible with Insider One Unification (SPEC §4). GraphQL is at /graphql (schema.graphql).')
    .setVersion('1')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, openApi, { include: [PartnerApiModule] }));

  // GraphQL documents sent raw (`Content-Type: application/graphql`, as in Nosto's curl example).
  fastify.addContentTypeParser('application/graphql', { parseAs: 'string' }, (request, body, done) => {
    request.headers['content-type'] = 'application/json';
    done(null, { query: body });
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: loggableUrl(request.url),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
