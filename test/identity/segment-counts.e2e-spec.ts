import { Scope } from '../../src/auth/permissions';
import { SegmentCounts1796170000000 } from '../../src/database/migrations/postgres/1796170000000-SegmentCounts';
import { seedApiToken } from '../helpers/factories';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';
import { isPostgres } from '../helpers/test-app';

/**
 * identitiesCount after every kind of write (#14): on PostgreSQL one condition, and every profile, are
 * read from `identity_segment_counts`, which statement triggers keep; the truth is the attribute rows
 * themselves. Every check compares the GraphQL answers and (PostgreSQL) the counter table with them.
 */
const TIERS = ['Gold', 'Silver', 'Bronze'];
const REGIONS = ['North', 'South', 'East'];
const email = (i: number) => `c${i}@counts.example`;
const cond = (name: string, value: string) => `{ attributes: { some: { name: "${name}", value: "${value}" } } }`;

describe('segment counts follow every write', () => {
  let p: PartnerApp;
  let token: string;
  const { upsert, send } = partnerCalls(() => p);
  const gql = (q: string, variables?: Record<string, unknown>) => p.t.gql(q, variables, { basic: token });
  const sql = <T>(text: string, params: unknown[] = []) =>
    p.t.dataSource.query(isPostgres() ? text : text.replace(/\$\d+/g, '?'), params) as Promise<T[]>;

  /** What the attribute rows hold: profiles per tier and per region, and profiles in all. */
  async function truth(): Promise<{ values: Record<string, number>; profiles: number }> {
    const rows = await sql<{ key: string; value: string; n: string | number }>(
      "SELECT key, value, COUNT(*) AS n FROM identity_attributes WHERE substr(key, 1, 2) = 'c_' GROUP BY key, value",
    );
    const values: Record<string, number> = {};
    for (const r of rows) {
      if (r.key === 'c_tier' || r.key === 'c_region') values[`${r.key.slice(2)}=${JSON.parse(r.value)}`] = Number(r.n);
    }
    const [{ n }] = await sql<{ n: string | number }>('SELECT COUNT(*) AS n FROM identity_profiles');
    return { values, profiles: Number(n) };
  }

  /** Every tier and region count, and the count of every profile, as GraphQL answers them. */
  async function answered(): Promise<{ values: Record<string, number>; profiles: number }> {
    const values: Record<string, number> = {};
    for (const [name, list] of [
      ['tier', TIERS],
      ['region', REGIONS],
    ] as const) {
      for (const value of list) {
        const res = await gql(`{ identitiesCount(where: ${cond(name, value)}) }`);
        expect(res.errors).toBeUndefined();
        if (res.data.identitiesCount) values[`${name}=${value}`] = res.data.identitiesCount;
      }
    }
    const all = await gql('{ identitiesCount }');
    return { values, profiles: all.data.identitiesCount };
  }

  /** The counts GraphQL answers are the rows'; on PostgreSQL the counter table holds exactly them, no empty slot. */
  async function expectCountsTrue() {
    const expected = await truth();
    expect(await answered()).toEqual(expected);
    if (!isPostgres()) return;
    const counters = await sql<{ key: string; value_key: string; n: string }>(
      'SELECT key, value_key, SUM(n) AS n FROM identity_segment_counts GROUP BY key, value_key HAVING SUM(n) <> 0 ORDER BY key, value_key',
    );
    const rows = await sql<{ key: string; value_key: string; n: string }>(
      `SELECT key, value_key, COUNT(*) AS n FROM identity_attributes WHERE substr(key, 1, 2) = 'c_' GROUP BY key, value_key
       UNION ALL SELECT '', '', COUNT(*) FROM identity_profiles HAVING COUNT(*) > 0 ORDER BY key, value_key`,
    );
    expect(counters.map((r) => [r.key, r.value_key, Number(r.n)])).toEqual(
      rows.map((r) => [r.key, r.value_key, Number(r.n)]),
    );
  }

  beforeAll(async () => {
    p = await startPartnerApp();
    token = (await seedApiToken(p.t, [Scope.IdentitiesRead, Scope.IdentitiesWrite, Scope.Gdpr])).token;
  });
  afterAll(() => p.t.close());

  it('counts new profiles, changed values, deleted attributes, merges, unmerges and erasures', async () => {
    const users = Array.from({ length: 60 }, (_, i) => ({
      identifiers: { email: email(i) },
      attributes: { name: `C${i}`, custom: { tier: TIERS[i % 3], region: REGIONS[i % 2] } },
    }));
    expect((await upsert(users)).body.data).toEqual({ successful: { count: 60 }, fail: {} });
    await expectCountsTrue();
    expect((await answered()).values).toEqual({
      'tier=Gold': 20,
      'tier=Silver': 20,
      'tier=Bronze': 20,
      'region=North': 30,
      'region=South': 30,
    });

    // one user at a time, and a batch: values change (Gold → Silver), one is new (East), one stays
    for (const i of [0, 3]) {
      const one = await upsert([{ identifiers: { email: email(i) }, attributes: { custom: { tier: 'Silver' } } }]);
      expect(one.body.data).toEqual({ successful: { count: 1 }, fail: {} });
    }
    const batch = Array.from({ length: 10 }, (_, k) => ({
      identifiers: { email: email(10 + k) },
      attributes: { custom: { region: 'East', tier: TIERS[(10 + k) % 3] } },
    }));
    expect((await upsert(batch)).body.data).toEqual({ successful: { count: 10 }, fail: {} });
    await expectCountsTrue();
    expect((await answered()).values['region=East']).toBe(10);
    expect((await answered()).values['tier=Gold']).toBe(18);

    // the partner API's attribute deletes: one custom attribute of a user, both of another
    const deleted = await send('post', '/attribute/delete', {
      users: [
        { identifiers: { email: email(20) }, custom: { whole: ['tier'] } },
        { identifiers: { email: email(21) }, custom: { whole: ['tier', 'region'] } },
      ],
    });
    expect(deleted.body.data).toEqual({ successful: { count: 2 }, fail: {} });
    await expectCountsTrue();

    // a merge moves the merged profiles' attributes (the survivor's values win), an unmerge puts them back
    const merged = await gql(
      `mutation { mergeIdentities(into: { email: "${email(30)}" }, from: [{ email: "${email(31)}" }, { email: "${email(32)}" }]) { id } }`,
    );
    expect(merged.errors).toBeUndefined();
    await expectCountsTrue();
    const unmerged = await gql(`mutation($id: ID!) { unmergeIdentity(mergeId: $id) { id } }`, {
      id: merged.data.mergeIdentities.id,
    });
    expect(unmerged.errors).toBeUndefined();
    await expectCountsTrue();

    // an erasure deletes the profile, its attributes with it
    const erased = await gql(`mutation { eraseIdentity(where: { email: "${email(40)}" }) { id } }`);
    expect(erased.errors).toBeUndefined();
    const after = await truth();
    expect(after.profiles).toBe(59);
    await expectCountsTrue();
  });

  it('keeps the counts under concurrent writers of the same values', async () => {
    // 8 requests at once, each moving 20 users (overlapping ones among them) between tiers
    const requests = Array.from({ length: 8 }, (_, r) =>
      upsert(
        Array.from({ length: 20 }, (_, k) => ({
          identifiers: { email: email(100 + ((r * 7 + k) % 50)) },
          attributes: { custom: { tier: TIERS[(r + k) % 3], region: REGIONS[r % 3] } },
        })),
      ),
    );
    for (const res of await Promise.all(requests))
      expect(res.body.data).toEqual({ successful: { count: 20 }, fail: {} });
    await expectCountsTrue();
  });

  it('starts from the rows already stored when the migration runs (PostgreSQL)', async () => {
    if (!isPostgres()) return;
    const runner = p.t.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const migration = new SegmentCounts1796170000000();
      await migration.down(runner);
      await runner.query(
        "INSERT INTO identity_attributes (profile_id, key, value, value_key) SELECT id, 'c_late', '\"x\"', 'late' FROM identity_profiles",
      );
      await migration.up(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const [{ n }] = await sql<{ n: string }>("SELECT SUM(n) AS n FROM identity_segment_counts WHERE key = 'c_late'");
    expect(Number(n)).toBe((await truth()).profiles);
    await expectCountsTrue();
  });
});
