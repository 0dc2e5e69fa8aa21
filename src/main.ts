import './threadpool'; // first: before anything uses libuv's thread pool
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger } from './common/logger';
import { checkRedis } from './common/redis-connect';
import { StartupError } from './common/startup-error';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { loadDotEnv } from './config/dotenv';
import { checkDatabase } from './database/startup-check';
import { tuneHeap } from './heap-tuning';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** One line on stderr saying what to fix, then exit 1 (no stack trace, no retry loop). */
function fail(message: string): never {
  console.error(`Identity Hub failed to start: ${message}`);
  process.exit(1);
}

/**
 * SIGTERM / SIGINT: stop accepting, finish the requests in flight, stop the workers, flush buffered
 * writes, close the database and Redis (app.close(), in that order: see GracefulFastifyAdapter), log,
 * exit 0. Past SHUTDOWN_TIMEOUT_MS the process logs what it was doing and exits 1. A second signal
 * during the shutdown is the operator insisting: the default action (exit at once) applies.
 */
function handleSignals(app: NestFastifyApplication, config: AppConfig): void {
  const log = app.getHttpAdapter().getInstance().log;
  const shutdown = (signal: NodeJS.Signals) => {
    const started = Date.now();
    log.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'Identity Hub shutting down: finishing requests in flight',
    );
    const deadline = setTimeout(() => {
      log.error(
        { signal, timeoutMs: config.shutdownTimeoutMs },
        'Identity Hub did not shut down within SHUTDOWN_TIMEOUT_MS; exiting with requests or writes unfinished',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    app.close().then(
      () => {
        clearTimeout(deadline);
        log.info({ signal, ms: Date.now() - started }, 'Identity Hub stopped');
        process.exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log.error({ err: error, signal }, 'Identity Hub shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function main() {
  let envFile: string | undefined;
  let config: AppConfig;
  try {
    envFile = loadDotEnv();
    config = loadConfig();
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : (error as Error).message);
  }
  tuneHeap(config.heapGrowingPercent);
  const logger = createLogger(config.logLevel);
  let app: NestFastifyApplication;
  try {
    // DATABASE_URL and REDIS_URL are checked before the framework is loaded: a wrong one is reported at once.
    await Promise.all([checkDatabase(config), config.redisUrl ? checkRedis(config.redisUrl) : undefined]);
    const { createApp } = await import('./app');
    app = await createApp(config, { logger });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    if (error instanceof StartupError) return fail(error.message);
    const e = error as { code?: string; message?: string };
    if (e?.code === 'EADDRINUSE') return fail(`PORT: ${config.host}:${config.port} is already in use`);
    if (e?.code === 'EACCES') return fail(`PORT: no permission to listen on ${config.host}:${config.port}`);
    logger.fatal({ err: error }, 'Identity Hub failed to start');
    return fail(e?.message ?? String(error));
  }
  handleSignals(app, config);
  logger.info(
    {
      version: version(),
      engine: config.database.engine,
      redis: config.redisUrl !== undefined,
      host: config.host,
      port: config.port,
      node: process.version,
      pid: process.pid,
      ...(envFile ? { envFile } : {}),
    },
    'Identity Hub started',
  );
}

void main();
