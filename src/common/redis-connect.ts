import Redis from 'ioredis';
import { hostOf, networkReason, StartupError } from './startup-error';

/** How long start-up waits for Redis before it stops with a REDIS_URL error. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects a lazily-connecting ioredis client and checks it answers (PING), within CONNECT_TIMEOUT_MS;
 * on failure the client is disconnected (no reconnection loop) and a StartupError names REDIS_URL.
 */
export async function connectRedis(connection: Redis, where: string): Promise<void> {
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  connection.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CONNECT_TIMEOUT_MS);
      }),
    ]);
    await connection.ping();
  } catch (error) {
    connection.disconnect();
    const cause = lastError ?? error;
    const message = (cause as Error)?.message ?? '';
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
      throw new StartupError('REDIS_URL', `Redis at ${where} refused the credentials: ${message}`);
    }
    throw new StartupError(
      'REDIS_URL',
      `cannot connect to Redis at ${where} (${networkReason(cause)}); is it running and the URL right?`,
    );
  } finally {
    clearTimeout(timer);
    connection.off('error', onError);
  }
}

/** main.ts's check of REDIS_URL before it loads the application (one connection, closed at once). */
export async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  await connectRedis(client, hostOf(url, 6379));
  client.disconnect();
}
