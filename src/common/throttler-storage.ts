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
 * One round trip, one atomic step for `ARGV[2]` hits of one key: INCRBY, PEXPIRE when they opened the
 * window (or when the key somehow has no expiry), PTTL. Every instance on the same Redis (and
 * REDIS_KEY_PREFIX) shares the counts.
 */
const HIT_SCRIPT = `
local n = tonumber(ARGV[2])
local hits = redis.call('INCRBY', KEYS[1], n)
if hits == n then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

type HitCommand = (key: string, ttlMs: number, hits: number) => Promise<[number, number]>;

/** Runs Redis commands, turning an outage into 503 "Redis is unavailable" (RedisService.run). */
export type RedisRunner = <T>(op: (client: Redis) => Promise<T>) => Promise<T>;

/** A hit waiting for its key's round trip. */
interface Waiter {
  limit: number;
  resolve: (record: ThrottlerStorageRecord) => void;
  reject: (error: unknown) => void;
}

/** The hits of one key: the round trip in flight (if any) and those that came while it was. */
interface KeyQueue {
  ttl: number;
  waiting: Waiter[];
  inFlight: boolean;
}

/**
 * Over the shared Redis connection (REDIS_URL); keys are `rl:<name>:<tracker>` under the connection's
 * prefix. Every call goes through `run` (RedisService.run in the app), so while Redis is down a limited
 * operation is refused with 503 SERVICE_UNAVAILABLE naming Redis instead of failing with a 500.
 *
 * Hits of one key are counted in batches, still one by one and before the work: a key has at most one
 * round trip in flight; the hits that come meanwhile wait for it and then go together, as one INCRBY of
 * their number, and each gets its own place in the count (the first to come the lowest), exactly as if
 * they had been counted one after the other. So a key at the limit admits exactly `limit` hits however
 * many arrive in parallel, on one instance or many, while a partner's burst of requests costs a few
 * round trips instead of one each (the Lua call was ~16 % of the REST PATCH's CPU). A lone hit goes at
 * once (no added latency); under load a hit waits at most for the round trip before its own.
 */
export class RedisThrottlerStorage implements RateLimitStorage {
  private readonly run: RedisRunner;
  private readonly queues = new Map<string, KeyQueue>();

  constructor(client: Redis, run?: RedisRunner) {
    this.run = run ?? (async <T>(op: (c: Redis) => Promise<T>) => op(client));
    // EVALSHA with the script cached by Redis, EVAL when it is not (defineCommand does both).
    if (!('throttlerHits' in client)) {
      client.defineCommand('throttlerHits', { numberOfKeys: 1, lua: HIT_SCRIPT });
    }
  }

  increment(key: string, ttl: number, limit: number, _blockDuration = 0, _name = ''): Promise<ThrottlerStorageRecord> {
    return new Promise<ThrottlerStorageRecord>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { ttl, waiting: [], inFlight: false };
        this.queues.set(key, queue);
      }
      queue.waiting.push({ limit, resolve, reject });
      if (!queue.inFlight) this.send(key, queue);
    });
  }

  /** One round trip for every hit waiting on a key; then the next batch, or the key's queue is dropped. */
  private send(key: string, queue: KeyQueue): void {
    const batch = queue.waiting;
    queue.waiting = [];
    queue.inFlight = true;
    const done = () => {
      queue.inFlight = false;
      if (queue.waiting.length) this.send(key, queue);
      else this.queues.delete(key);
    };
    this.run((client) =>
      (client as unknown as { throttlerHits: HitCommand }).throttlerHits.call(
        client,
        `rl:${key}`,
        queue.ttl,
        batch.length,
      ),
    ).then(
      ([hits, msLeft]) => {
        done();
        const first = Number(hits) - batch.length + 1;
        batch.forEach((waiter, i) => waiter.resolve(record(first + i, waiter.limit, Number(msLeft))));
      },
      (error: unknown) => {
        done();
        for (const waiter of batch) waiter.reject(error);
      },
    );
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
