import { randomBytes } from 'node:crypto';
import { Scope } from '../../src/auth/permissions';
import { seedApiToken } from '../helpers/factories';
import { secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

const BASE = '/api/user/v1';
const PATCH_BODY = { old_identifier: { uuid: 'nobody' }, new_identifier: { uuid: 'nobody-2' } };
const TOO_MANY = { error: 'rejected: too many requests' };

async function partnerHeaders(t: TestApp) {
  const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
  return { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
}

describe('partner API rate limits', () => {
  it('refuses the 2,001st PATCH in a minute with 429 and Retry-After, while the upsert bucket is untouched', async () => {
    const t = await startTestApp();
    try {
      const headers = await partnerHeaders(t);
      let limited = 0;
      for (let batch = 0; batch < 40; batch++) {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => t.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers })),
        );
        limited += results.filter((r) => r.status === 429).length;
      }
      expect(limited).toBe(0); // 2,000 answered (404: nobody has that uuid)
      const over = await t.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers });
      expect([over.status, over.body]).toEqual([429, TOO_MANY]);
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
      const upsert = await t.rest('post', `${BASE}/upsert`, {
        body: { users: [{ identifiers: { uuid: 'still-fine' } }] },
        headers,
      });
      expect(upsert.status).toBe(200);
      expect(upsert.body.data.successful.count).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('refuses the 6th PATCH with RATE_LIMIT_PARTNER_IDENTITY=5, while the other families still answer', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PARTNER_IDENTITY: '5' } });
    try {
      expect(t.config.rateLimits.partnerIdentity).toEqual({ limit: 5, ttlMs: 60_000 });
      const headers = await partnerHeaders(t);
      const patch = () => t.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers });
      for (let i = 0; i < 5; i++) expect((await patch()).status).toBe(404);
      const sixth = await patch();
      expect([sixth.status, sixth.body]).toEqual([429, TOO_MANY]);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const upsert = await t.rest('post', `${BASE}/upsert`, {
        body: { users: [{ identifiers: { uuid: 'limited', email: 'limited@example.com' } }] },
        headers,
      });
      expect([upsert.status, upsert.body]).toEqual([200, { data: { successful: { count: 1 }, fail: {} } }]);
      const del = await t.rest('delete', `${BASE}/identity`, { body: { identifiers: { uuid: 'limited' } }, headers });
      expect([del.status, del.body]).toEqual([200, {}]);
      // the limit is counted before the body is validated: a bad body is refused with 429 too
      const bad = await t.rest('patch', `${BASE}/identity`, { body: {}, headers });
      expect([bad.status, bad.body]).toEqual([429, TOO_MANY]);
    } finally {
      await t.close();
    }
  });

  it('limits each family by its configured number; upsert and attribute delete share one bucket', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PARTNER_UPSERT: '3', RATE_LIMIT_PARTNER_PROFILE: '2' } });
    try {
      const headers = await partnerHeaders(t);
      const upsert = () =>
        t.rest('post', `${BASE}/upsert`, { body: { users: [{ identifiers: { uuid: 'u' } }] }, headers });
      const del = () =>
        t.rest('post', `${BASE}/attribute/delete`, {
          body: { users: [{ identifiers: { uuid: 'u' }, whole: ['name'] }] },
          headers,
        });
      expect((await upsert()).status).toBe(200);
      expect((await del()).status).toBe(200);
      expect((await upsert()).status).toBe(200);
      const fourth = await del();
      expect([fourth.status, fourth.body]).toEqual([429, TOO_MANY]);
      const profile = () => t.rest('post', `${BASE}/profile`, { body: { identifiers: { uuid: 'u' } }, headers });
      expect((await profile()).status).toBe(200);
      expect((await profile()).status).toBe(200);
      expect((await profile()).status).toBe(429);
      // other families are untouched
      expect((await t.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers })).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  const withRedis = process.env.REDIS_URL ? it : it.skip;
  withRedis('shares the counters between two instances through Redis', async () => {
    const prefix = `ih-shared-${randomBytes(4).toString('hex')}:`;
    const env = { RATE_LIMIT_PARTNER_IDENTITY: '6', REDIS_KEY_PREFIX: prefix };
    const a = await startTestApp({ env });
    const url = secondInstanceUrl(a.config);
    const b = await startTestApp({ env, databaseUrl: url });
    try {
      const headers = await partnerHeaders(a);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await a.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers })).status);
        statuses.push((await b.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers })).status);
      }
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);
      const overA = await a.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers });
      const overB = await b.rest('patch', `${BASE}/identity`, { body: PATCH_BODY, headers });
      expect([overA.status, overA.body]).toEqual([429, TOO_MANY]);
      expect([overB.status, overB.body]).toEqual([429, TOO_MANY]);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
