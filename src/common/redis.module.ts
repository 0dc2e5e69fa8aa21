import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The shared Redis connections when REDIS_URL is set (`client` is null otherwise). */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis | null;
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();

  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = config.redisKeyPrefix;
    // keyPrefix namespaces every key (EVAL's KEYS too); channels are prefixed below.
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, keyPrefix: this.prefix })
      : null;
  }

  /**
   * Subscribes to a pub/sub channel (used to clear in-process caches on every instance: see LocalCache).
   * Channel names are given without the key prefix; it is added here, as to every key.
   */
  async subscribe(name: string, handler: (message: string) => void): Promise<void> {
    if (!this.client) return;
    const channel = this.prefix + name;
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate({ keyPrefix: '' });
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(message);
      });
    }
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    await this.subscriber.subscribe(channel);
  }

  async publish(name: string, message: string): Promise<void> {
    if (this.client) await this.client.publish(this.prefix + name, message);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.client?.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
