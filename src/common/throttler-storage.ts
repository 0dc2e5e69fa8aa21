import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';

/**
 * The one rate-limit storage (SPEC §6): `@nestjs/throttler`'s `ThrottlerStorage`, plus what the limits
 * keyed by request data need (a success clears the failures of an email; the partner quota reads a count).
 *
 * Fixed windows: the first hit of a key starts a window of `ttl` ms; every hit is counted, atomically,
 * before the work it protects; a hit beyond `limit` is refused until the window ends. `blockDuration` is
 * not used (every throttler here is configured with 0): being over the limit lasts until the window ends.
 * Times in the records are in seconds, as the throttler's own storage answers them.
 */
/** What one count answers (the throttler does not export its record type). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface RateLimitStorage extends ThrottlerStorage {
  /** Forget a key's count (its window starts again with the next hit). */
  reset(key: string): Promise<void>;
  /** The hits counted in a key's current window, without counting one. */
  peek(key: string): Promise<number>;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function record(totalHits: number, limit: number, msLeft: number): ThrottlerStorageRecord {
  const timeToExpire = seconds(msLeft);
  const isBlocked = totalHits > limit;
  return { totalHits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
}

/** In process (no REDIS_URL): a Map of windows. Counting is synchronous, hence atomic. */
export class MemoryThrottlerStorage implements RateLimitStorage {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  increment(key: string, ttl: number, limit: number, _blockDuration = 0, _name = ''): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttl };
      this.windows.set(key, window);
      if (this.windows.size > this.maxKeys) this.sweep(now);
    }
    window.hits++;
    return Promise.resolve(record(window.hits, limit, window.resetAt - now));
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  peek(key: string): Promise<number> {
    const window = this.windows.get(key);
    return Promise.resolve(window && window.resetAt > this.now() ? window.hits : 0);
  }

  /** Ends the windows that are over (a Map keeps its memory otherwise); `size` is for tests. */
  sweep(now = this.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * One round trip, one atomic step: INCR, PEXPIRE on the window's first hit (or when the key somehow has no
 * expiry), PTTL. Every instance on the same Redis (and REDIS_KEY_PREFIX) shares the counts.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

type HitCommand = (key: string, ttlMs: number) => Promise<[number, number]>;

/** Runs Redis commands, turning an outage into 503 "Redis is unavailable" (RedisService.run). */
export type RedisRunner = <T>(op: (client: Redis) => Promise<T>) => Promise<T>;

/**
 * Over the shared Redis connection (REDIS_URL); keys are `rl:<name>:<tracker>` under the connection's
 * prefix. Every call goes through `run` (RedisService.run in the app), so while Redis is down a limited
 * operation is refused with 503 SERVICE_UNAVAILABLE naming Redis instead of failing with a 500.
 */
export class RedisThrottlerStorage implements RateLimitStorage {
  private readonly run: RedisRunner;

  constructor(client: Redis, run?: RedisRunner) {
    this.run = run ?? (<T>(op: (c: Redis) => Promise<T>) => op(client));
    // EVALSHA with the script cached by Redis, EVAL when it is not (defineCommand does both).
    if (!('throttlerHit' in client)) {
      client.defineCommand('throttlerHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    }
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration = 0,
    _name = '',
  ): Promise<ThrottlerStorageRecord> {
    const [hits, msLeft] = await this.run((client) =>
      (client as unknown as { throttlerHit: HitCommand }).throttlerHit.call(client, `rl:${key}`, ttl),
    );
    return record(Number(hits), limit, Number(msLeft));
  }

  async reset(key: string): Promise<void> {
    await this.run((client) => client.del(`rl:${key}`));
  }

  async peek(key: string): Promise<number> {
    return Number((await this.run((client) => client.get(`rl:${key}`))) ?? 0);
  }
}

/**
 * Counts the rejections of every limit (a hit over the limit), for /metrics: one wrapper around the
 * one storage, so the throttler guards and RateLimitService are counted alike.
 */
export class CountingThrottlerStorage implements RateLimitStorage {
  constructor(
    private readonly inner: RateLimitStorage,
    private readonly onRejected: (name: string) => void,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const state = await this.inner.increment(key, ttl, limit, blockDuration, name);
    if (state.isBlocked) this.onRejected(name);
    return state;
  }

  reset(key: string): Promise<void> {
    return this.inner.reset(key);
  }

  peek(key: string): Promise<number> {
    return this.inner.peek(key);
  }
}
