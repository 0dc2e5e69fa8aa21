import { LocalCache } from './local-cache';
import { RedisService } from './redis.module';

/** Redis pub/sub in memory: what one instance publishes, every subscriber of the channel receives. */
function fakeRedis() {
  const handlers = new Map<string, ((message: string) => void)[]>();
  const published: [string, string][] = [];
  const reconnects: (() => void)[] = [];
  const redis = {
    onReconnect: (handler: () => void) => reconnects.push(handler),
    subscribe: async (channel: string, handler: (message: string) => void) => {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    publish: async (channel: string, message: string) => {
      published.push([channel, message]);
      for (const h of handlers.get(channel) ?? []) h(message);
    },
  } as unknown as RedisService;
  /** the subscriber came back after an outage */
  const reconnect = () => reconnects.forEach((h) => h());
  return { redis, published, reconnect };
}

const clearing = (redis: RedisService, ttlMs = 1000) => {
  const cache: LocalCache<string> = new LocalCache<string>(redis, 'things', { ttlMs, apply: () => cache.clear() });
  return cache;
};

describe('LocalCache', () => {
  it('caches until the TTL or notAfter, and nothing with a TTL of 0', () => {
    const { redis } = fakeRedis();
    const cache = clearing(redis);
    cache.set('a', 'A');
    cache.set('b', 'B', { notAfter: new Date(Date.now() - 1) });
    expect([cache.get('a'), cache.get('b')]).toEqual(['A', undefined]);
    const off = clearing(redis, 0);
    off.set('a', 'A');
    expect(off.get('a')).toBeUndefined();
  });

  it('does not cache a value read before an invalidation', async () => {
    const { redis } = fakeRedis();
    const cache = clearing(redis);
    const epoch = cache.epoch; // a lookup starts
    await cache.invalidate('changed'); // the data changes meanwhile
    cache.set('a', 'stale', { epoch });
    expect(cache.get('a')).toBeUndefined();
  });

  it('publishes invalidations on cache:<name> and applies them on every listening instance', async () => {
    const { redis, published } = fakeRedis();
    const one = clearing(redis);
    const two = clearing(redis);
    await Promise.all([one.listen(), two.listen()]);
    one.set('a', 'A');
    two.set('a', 'A');
    await one.invalidate('changed');
    expect(published).toEqual([['cache:things', 'changed']]);
    expect([one.get('a'), two.get('a')]).toEqual([undefined, undefined]);
  });

  it('starts again empty past maxEntries', () => {
    const { redis } = fakeRedis();
    const cache = new LocalCache<number>(redis, 'n', { ttlMs: 1000, maxEntries: 2, apply: () => undefined });
    for (const key of ['a', 'b', 'c']) cache.set(key, 1);
    expect([cache.get('a'), cache.get('c')]).toEqual([1, 1]);
    cache.set('d', 1);
    expect([cache.get('a'), cache.get('d')]).toEqual([undefined, 1]);
  });

  it('drops everything cached when the subscriber reconnects (invalidations sent meanwhile were lost)', async () => {
    const { redis, reconnect } = fakeRedis();
    const cache = clearing(redis);
    await cache.listen();
    const epoch = cache.epoch;
    cache.set('a', 'A');
    reconnect();
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 'B', { epoch }); // a lookup that started before the gap caches nothing
    expect(cache.get('b')).toBeUndefined();
  });
});
