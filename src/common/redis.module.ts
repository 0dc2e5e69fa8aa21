import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis, { ReplyError } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError, ErrorCode } from './app-error';
import { CONNECT_TIMEOUT_MS, connectRedis } from './redis-connect';
import { hostOf, networkReason } from './startup-error';

/** What a request that needs Redis is told while Redis is down (503 SERVICE_UNAVAILABLE). */
export const REDIS_UNAVAILABLE = 'Redis is unavailable; try again shortly';

export function redisUnavailable(): AppError {
  return new AppError(ErrorCode.ServiceUnavailable, REDIS_UNAVAILABLE);
}

/** A command that gets no reply in this time fails (a hung Redis must not hang requests). */
const COMMAND_TIMEOUT_MS = 2000;

/**
 * The shared Redis connections when REDIS_URL is set (`client` is null otherwise).
 *
 * - Start-up connects once and waits for it (at most 5 s): an unreachable REDIS_URL stops the service
 *   with one line naming it, instead of a later "Reached the max retries per request limit".
 * - While Redis is down, `run()` fails at once with 503 SERVICE_UNAVAILABLE "Redis is unavailable; try
 *   again shortly" (sign-in, registration and the partner API count their rate limits in Redis), never
 *   a 500; ioredis keeps reconnecting in the background (every 0.2–2 s).
 * - Connection errors go through the application's logger, once per outage ("Redis connection lost",
 *   then "Redis connection restored"), never as ioredis' "Unhandled error event" on stderr.
 * - Pub/sub messages sent while the subscriber was disconnected are lost, so the in-process caches that
 *   listen to them are cleared when it reconnects (`onReconnect`).
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis | null;
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();
  private readonly reconnectHandlers: Array<() => void> = [];
  private readonly prefix: string;
  private readonly where: string;
  private readonly log = new Logger('Redis');
  private readonly connected: Promise<void>;
  /** connections (client, subscriber) currently down after having been up: logged once per outage */
  private readonly down = new Set<string>();
  private everReady = false;
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = config.redisKeyPrefix;
    this.where = config.redisUrl ? hostOf(config.redisUrl, 6379) : '';
    // keyPrefix namespaces every key (EVAL's KEYS too); channels are prefixed below.
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, {
          keyPrefix: this.prefix,
          lazyConnect: true,
          connectTimeout: CONNECT_TIMEOUT_MS,
          commandTimeout: COMMAND_TIMEOUT_MS,
          maxRetriesPerRequest: 1,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        })
      : null;
    if (this.client) this.watch(this.client, 'client');
    this.connected = this.client ? this.connect(this.client) : Promise.resolve();
    this.connected.catch(() => undefined); // reported by onModuleInit
  }

  /** Start-up waits for the connection (an unreachable REDIS_URL is a StartupError naming it). */
  onModuleInit(): Promise<void> {
    return this.connected;
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  /**
   * Runs Redis commands for a request: while Redis is down it fails at once, and a connection error or
   * a timeout is a 503 naming Redis (an error Redis replied with is a bug, and is thrown as it is).
   */
  async run<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client) throw new Error('RedisService.run without REDIS_URL');
    if (client.status !== 'ready') throw redisUnavailable();
    try {
      return await op(client);
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      throw redisUnavailable();
    }
  }

  /** true when Redis answers a PING within `timeoutMs` (readiness). */
  async ping(timeoutMs = 1000): Promise<boolean> {
    const client = this.client;
    if (!client || client.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      });
      return (await Promise.race([client.ping(), timeout])) === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Subscribes to a pub/sub channel (used to clear in-process caches on every instance: see LocalCache).
   * Channel names are given without the key prefix; it is added here, as to every key.
   */
  async subscribe(name: string, handler: (message: string) => void): Promise<void> {
    if (!this.client) return;
    await this.connected;
    const channel = this.prefix + name;
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate({ keyPrefix: '', lazyConnect: true, commandTimeout: undefined });
      this.watch(this.subscriber, 'subscriber');
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(message);
      });
      await this.connect(this.subscriber);
    }
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    await this.subscriber.subscribe(channel);
  }

  /** Called when the subscriber is back after an outage (messages sent meanwhile were lost). */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  async publish(name: string, message: string): Promise<void> {
    if (this.client) await this.run((c) => c.publish(this.prefix + name, message));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([this.close(this.client), this.close(this.subscriber)]);
  }

  private async close(connection: Redis | null): Promise<void> {
    if (!connection) return;
    if (connection.status !== 'ready') {
      connection.disconnect();
      return;
    }
    await connection.quit().catch(() => connection.disconnect());
  }

  private connect(connection: Redis): Promise<void> {
    return connectRedis(connection, this.where);
  }

  /** Logs connection errors through the app's logger, once per outage; clears caches after a gap. */
  private watch(connection: Redis, name: string): void {
    const lost = (reason: string, error?: unknown) => {
      if (!this.everReady || this.closing) return; // start-up reports its own failure (connect above)
      if (this.down.has(name)) return;
      this.down.add(name);
      this.log.error(
        { ...(error ? { err: error } : {}), redis: this.where, connection: name },
        `Redis connection lost (${reason}); requests that need Redis answer 503 until it is back`,
      );
    };
    connection.on('error', (error: unknown) => lost(networkReason(error), error));
    connection.on('close', () => lost('connection closed'));
    connection.on('ready', () => {
      if (name === 'client') this.everReady = true;
      if (!this.down.delete(name)) return;
      this.log.log({ redis: this.where, connection: name }, 'Redis connection restored');
      if (name === 'subscriber') for (const handler of this.reconnectHandlers) handler();
    });
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
