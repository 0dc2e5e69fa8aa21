import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryThrottlerStorage, RateLimitStorage, RedisThrottlerStorage } from './throttler-storage';

/** The contract both storages keep: one atomic count per hit, refused beyond the limit, reset, peek. */
function contract(name: string, make: () => { storage: RateLimitStorage; close: () => Promise<void> }) {
  describe(name, () => {
    let storage: RateLimitStorage;
    let close: () => Promise<void>;
    beforeAll(() => ({ storage, close } = make()));
    afterAll(() => close());

    it('counts parallel hits one by one: exactly `limit` are allowed', async () => {
      const records = await Promise.all(Array.from({ length: 50 }, () => storage.increment('k1', 60_000, 7, 0, 'n')));
      expect(records.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect(records.filter((r) => !r.isBlocked)).toHaveLength(7);
      for (const r of records) {
        expect(r.timeToExpire).toBeGreaterThanOrEqual(1);
        expect(r.timeToExpire).toBeLessThanOrEqual(60);
        expect(r.timeToBlockExpire).toBe(r.isBlocked ? r.timeToExpire : 0);
      }
      expect(await storage.peek('k1')).toBe(50);
    });

    it('reset forgets a key; peek does not count; keys are independent', async () => {
      await storage.increment('k2', 60_000, 2, 0, 'n');
      await storage.increment('k2', 60_000, 2, 0, 'n');
      expect((await storage.increment('k2', 60_000, 2, 0, 'n')).isBlocked).toBe(true);
      expect(await storage.peek('k3')).toBe(0);
      expect((await storage.increment('k3', 60_000, 2, 0, 'n')).totalHits).toBe(1);
      await storage.reset('k2');
      expect(await storage.peek('k2')).toBe(0);
      expect(await storage.increment('k2', 60_000, 2, 0, 'n')).toMatchObject({ totalHits: 1, isBlocked: false });
    });
  });
}

contract('MemoryThrottlerStorage', () => ({ storage: new MemoryThrottlerStorage(), close: async () => {} }));

describe('MemoryThrottlerStorage windows', () => {
  it('starts a new window when the last one is over, and sweeps ended windows', async () => {
    let now = 1_000_000;
    const storage = new MemoryThrottlerStorage(() => now, 3);
    expect(await storage.increment('a', 10_000, 1, 0, 'n')).toEqual({
      totalHits: 1,
      timeToExpire: 10,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    now += 4_500;
    expect(await storage.increment('a', 10_000, 1, 0, 'n')).toEqual({
      totalHits: 2,
      timeToExpire: 6,
      isBlocked: true,
      timeToBlockExpire: 6,
    });
    now += 5_500; // the window of "a" is over
    expect(await storage.peek('a')).toBe(0);
    expect((await storage.increment('a', 10_000, 1, 0, 'n')).totalHits).toBe(1);
    await storage.increment('b', 1_000, 1, 0, 'n');
    await storage.increment('c', 1_000, 1, 0, 'n');
    now += 2_000; // b and c are over; a fourth key makes the map sweep them
    await storage.increment('d', 1_000, 1, 0, 'n');
    expect(storage.size).toBe(2);
  });
});

const withRedis = process.env.REDIS_URL ? contract : (name: string) => describe.skip(name, () => {});
withRedis('RedisThrottlerStorage', () => {
  const client = new Redis(process.env.REDIS_URL!, { keyPrefix: `ih-test-${randomBytes(4).toString('hex')}:` });
  return {
    storage: new RedisThrottlerStorage(client),
    close: async () => {
      const keys = await client.keys(`${client.options.keyPrefix}*`);
      if (keys.length) await client.del(...keys.map((k) => k.slice(client.options.keyPrefix!.length)));
      await client.quit();
    },
  };
});

/** Two instances on one Redis: batches of parallel hits, each hit its own place in the count. */
(process.env.REDIS_URL ? describe : describe.skip)('RedisThrottlerStorage batches', () => {
  const prefix = `ih-test-${randomBytes(4).toString('hex')}:`;
  // Opened in beforeAll: a skipped describe still runs its body, and a client made here would connect to
  // the default localhost:6379 and keep jest from exiting on SQLite.
  let clients: Redis[] = [];
  let storages: RedisThrottlerStorage[] = [];
  let trips = 0;
  let failNext = false;
  beforeAll(() => {
    clients = [
      new Redis(process.env.REDIS_URL!, { keyPrefix: prefix }),
      new Redis(process.env.REDIS_URL!, { keyPrefix: prefix }),
    ];
    storages = clients.map(
      (client) =>
        new RedisThrottlerStorage(client, async (op) => {
          trips++;
          if (failNext) {
            failNext = false;
            throw new Error('Redis is unavailable; try again shortly');
          }
          return op(client);
        }),
    );
  });
  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length) await clients[0].del(...keys.map((k) => k.slice(prefix.length)));
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('counts parallel hits of two instances in a few round trips: every count once, exactly `limit` allowed', async () => {
    trips = 0;
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, i) => storages[i % 2].increment('b1', 60_000, 25, 0, 'n')),
    );
    expect(records.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(25);
    expect(trips).toBeLessThanOrEqual(4); // per instance: the first hit alone, then the others together
    expect(await storages[0].peek('b1')).toBe(200);
  });

  it('the hits that came first are the ones allowed', async () => {
    const records = await Promise.all(Array.from({ length: 10 }, () => storages[0].increment('b2', 60_000, 3, 0, 'n')));
    expect(records.map((r) => r.isBlocked)).toEqual([false, false, false, true, true, true, true, true, true, true]);
  });

  it('a failed round trip fails every hit of its batch, counts none of them, and the next batch counts again', async () => {
    failNext = true;
    const failed = await Promise.allSettled(
      Array.from({ length: 5 }, () => storages[0].increment('b3', 60_000, 9, 0, 'n')),
    );
    // the first hit went alone and failed; the four that waited for it went in the next round trip
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('Redis is unavailable; try again shortly'));
    expect((await storages[0].increment('b3', 60_000, 9, 0, 'n')).totalHits).toBe(5);
  });
});
