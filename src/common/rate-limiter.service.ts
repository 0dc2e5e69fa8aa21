import { Injectable } from '@nestjs/common';
import { RateLimit } from '../config/app-config';
import { RedisService } from './redis.module';

export interface RateLimitResult {
  allowed: boolean;
  /** hits in the current window, this one included */
  count: number;
  /** seconds until the window resets */
  retryAfterSeconds: number;
}

// INCR the key, start its window on the first hit, and answer the count and the time left.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

/**
 * Fixed-window counters: in process by default, in Redis when REDIS_URL is set (shared by every
 * instance). `peek` reads without counting, for limits that count only failures.
 */
@Injectable()
export class RateLimiterService {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly redis: RedisService) {}

  async hit(key: string, limit: RateLimit, amount = 1): Promise<RateLimitResult> {
    const client = this.redis.client;
    if (client) {
      const [count, ttl] = (await client.eval(HIT_SCRIPT, 1, `rl:${key}`, String(limit.ttlMs))) as [number, number];
      if (amount > 1) await client.incrby(`rl:${key}`, amount - 1);
      const total = count + amount - 1;
      return { allowed: total <= limit.limit, count: total, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    }
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + limit.ttlMs };
      this.windows.set(key, window);
      if (this.windows.size > 100_000) this.sweep(now);
    }
    window.count += amount;
    return {
      allowed: window.count <= limit.limit,
      count: window.count,
      retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    };
  }

  async peek(key: string, limit: RateLimit): Promise<RateLimitResult> {
    const client = this.redis.client;
    if (client) {
      const [count, ttl] = await Promise.all([client.get(`rl:${key}`), client.pttl(`rl:${key}`)]);
      const n = Number(count ?? 0);
      return { allowed: n < limit.limit, count: n, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(ttl, 0) / 1000)) };
    }
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { allowed: true, count: 0, retryAfterSeconds: 0 };
    return {
      allowed: window.count < limit.limit,
      count: window.count,
      retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    };
  }

  async reset(key: string): Promise<void> {
    if (this.redis.client) await this.redis.client.del(`rl:${key}`);
    else this.windows.delete(key);
  }

  private sweep(now: number) {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
