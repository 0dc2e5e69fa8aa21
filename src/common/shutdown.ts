import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * Nest's FastifyAdapter, with the first step of a graceful shutdown in the right place.
 *
 * `app.close()` runs, in order: `prepareClose` (this adapter's `beforeClose`), every `onModuleDestroy`,
 * every `beforeApplicationShutdown`, the HTTP server's close, every `onApplicationShutdown` (TypeORM
 * closes the database and RedisService its connections there). Nest stops the HTTP server only after
 * the modules' hooks, so requests still in flight could meet a stopped Apollo or a closed pool. Here the
 * HTTP server stops first: no new connection is accepted, idle keep-alive connections are closed, a
 * request arriving on a busy one is answered 503 with `Connection: close`, and the close waits for the
 * requests in flight to finish. Then, with no request left:
 *
 * - `onModuleDestroy`: workers stop (they must await the batch they are running: the database is still open);
 * - `beforeApplicationShutdown`: buffered writes are flushed (API token `lastUsedAt`), which needs the database;
 * - `onApplicationShutdown`: connections close (database, Redis).
 *
 * main.ts bounds the whole sequence by SHUTDOWN_TIMEOUT_MS.
 */
export class GracefulFastifyAdapter extends FastifyAdapter {
  private drained?: Promise<void>;

  override async beforeClose(): Promise<void> {
    super.beforeClose();
    this.drained ??= this.drain();
    await this.drained;
  }

  private async drain(): Promise<void> {
    // A keep-alive connection whose last request has finished would hold the close until the client
    // drops it: such idle connections are closed as soon as they are idle (no hook on the request path).
    const server = this.getHttpServer() as { closeIdleConnections?: () => void };
    const sweep = setInterval(() => server.closeIdleConnections?.(), 50);
    try {
      await this.getInstance().close();
    } catch (error) {
      if ((error as { code?: string })?.code !== 'ERR_SERVER_NOT_RUNNING') throw error;
    } finally {
      clearInterval(sweep);
    }
  }

  override async close(): Promise<void> {
    if (this.drained) return this.drained; // closed by beforeClose
    return super.close();
  }
}
