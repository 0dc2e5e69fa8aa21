import { RedisService } from './redis.module';

export interface LocalCacheOptions {
  /** how long an entry lives; 0 or less: nothing is cached */
  ttlMs: number;
  /** past this many entries the cache starts again empty (a bound, not an LRU) */
  maxEntries?: number;
  /** applies an invalidation message (on this instance, and on every other one through Redis) */
  apply: (message: string) => void;
}

/**
 * A short-lived in-process cache for a hot lookup, with invalidations that reach every instance:
 * `invalidate(message)` applies the message here at once and publishes it on the Redis channel
 * `cache:<name>` (RedisService puts the key prefix in front of every channel, as of every key), where
 * every instance that called `listen()` applies it too. Without Redis it is a plain local cache.
 *
 * Every applied invalidation bumps `epoch`: a lookup reads it before its query and passes it to `set`,
 * and when an invalidation happened meanwhile nothing is cached, so stale data cannot be put back.
 */
export class LocalCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private epochValue = 0;

  constructor(
    private readonly redis: RedisService,
    readonly name: string,
    private readonly options: LocalCacheOptions,
  ) {}

  get channel(): string {
    return `cache:${this.name}`;
  }

  get epoch(): number {
    return this.epochValue;
  }

  /**
   * Subscribes to the invalidations of the other instances (call it from onModuleInit). Invalidations
   * published while this instance's subscriber was disconnected are lost, so everything cached is
   * dropped when it reconnects.
   */
  listen(): Promise<void> {
    this.redis.onReconnect(() => {
      this.epochValue++;
      this.entries.clear();
    });
    return this.redis.subscribe(this.channel, (message) => this.applyMessage(message));
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Caches a value read at `epoch` (default: now), for at most ttlMs and not past `notAfter`. */
  set(key: string, value: V, options: { notAfter?: Date; epoch?: number } = {}): void {
    if (this.options.ttlMs <= 0 || (options.epoch ?? this.epochValue) !== this.epochValue) return;
    let expiresAt = Date.now() + this.options.ttlMs;
    if (options.notAfter) expiresAt = Math.min(expiresAt, options.notAfter.getTime());
    if (this.options.maxEntries !== undefined && this.entries.size > this.options.maxEntries) this.entries.clear();
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops the entries whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Applies an invalidation here, then on every other instance. */
  async invalidate(message: string): Promise<void> {
    this.applyMessage(message);
    await this.redis.publish(this.channel, message);
  }

  private applyMessage(message: string): void {
    this.epochValue++;
    this.options.apply(message);
  }
}
