import { Scope } from '../../src/auth/permissions';
import { attributeValueKey, customAttributeKey } from '../../src/identity/identity-codec';
import { SegmentCounts } from '../../src/identity/segment-counts';
import { seedApiToken, seedUser } from '../helpers/factories';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';
import { isPostgres } from '../helpers/test-app';

const UPSERT_IDENTITY = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`;
const MERGE = `mutation($into: IdentityWhereUniqueInput!, $from: [IdentityWhereUniqueInput!]!) {
  mergeIdentities(into: $into, from: $from) { id } }`;
const UNMERGE = `mutation($id: ID!) { unmergeIdentity(mergeId: $id) { id } }`;
const ERASE = `mutation($where: IdentityWhereUniqueInput!) { eraseIdentity(where: $where) { id } }`;
const COUNT = `query($name: String!, $value: String!) {
  identitiesCount(where: { attributes: { some: { name: $name, value: $value } } }) }`;

/**
 * `identitiesCount` of one condition reads the counts the triggers of migration SegmentCounts keep
 * (PostgreSQL: changes appended by the writers, folded by SegmentCounts; SQLite: counts written by the
 * triggers). Every way a custom attribute is written or removed must leave the kept counts equal to the
 * rows, before and after a fold.
 */
describe('segment counts kept by the writes', () => {
  let p: PartnerApp;
  let token: string;
  let admin: string;
  const { upsert, send } = partnerCalls(() => p);
  const gql = (q: string, variables: Record<string, unknown>) => p.t.gql(q, variables, { basic: token });

  beforeAll(async () => {
    p = await startPartnerApp();
    token = (await seedApiToken(p.t, [Scope.IdentitiesWrite, Scope.IdentitiesRead])).token;
    admin = (await seedUser(p.t, { permissions: 'all' })).token;
  });
  afterAll(() => p.t.close());

  type Counts = Record<string, number>;

  /** What the rows say: profiles per custom attribute value (key and value key). */
  async function truth(): Promise<Counts> {
    const rows: { key: string; value_key: string; n: string | number }[] = await p.t.dataSource.query(
      "SELECT key, value_key, COUNT(*) AS n FROM identity_attributes WHERE substr(key, 1, 2) = 'c_' GROUP BY key, value_key",
    );
    return Object.fromEntries(rows.map((r) => [`${r.key}=${r.value_key}`, Number(r.n)]));
  }

  /** What the kept counts say (folded plus not yet folded), values with none left out. */
  async function kept(): Promise<Counts> {
    const rows: { key: string; value_key: string; n: string | number }[] = await p.t.dataSource.query(
      'SELECT key, value_key, SUM(n) AS n FROM (SELECT key, value_key, n FROM identity_segment_counts UNION ALL ' +
        'SELECT key, value_key, n FROM identity_segment_count_changes) c GROUP BY key, value_key',
    );
    return Object.fromEntries(
      rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.key}=${r.value_key}`, Number(r.n)]),
    );
  }

  const changes = async () =>
    Number((await p.t.dataSource.query('SELECT COUNT(*) AS n FROM identity_segment_count_changes'))[0].n);

  async function count(name: string, value: string): Promise<number> {
    const res = await gql(COUNT, { name, value });
    expect(res.errors).toBeUndefined();
    return res.data.identitiesCount as number;
  }

  async function expectExact(): Promise<void> {
    const rows = await truth();
    expect(await kept()).toEqual(rows);
    await p.t.app.get(SegmentCounts).fold();
    expect(await kept()).toEqual(rows);
    expect(await changes()).toBe(0);
    // a value nobody has any more keeps no row
    const zero = await p.t.dataSource.query('SELECT key FROM identity_segment_counts WHERE n = 0');
    expect(zero).toEqual([]);
  }

  it('counts new users, changed and rewritten values, GraphQL upserts and default attributes not at all', async () => {
    const tiers = ['Gold', 'Silver', 'Bronze'];
    const res = await upsert(
      Array.from({ length: 30 }, (_, i) => ({
        identifiers: { email: `k${i}@counts.example` },
        attributes: { name: `K${i}`, custom: { tier: tiers[i % 3], score: i % 4 } },
      })),
    );
    expect(res.body.data).toEqual({ successful: { count: 30 }, fail: {} });
    expect([await count('tier', 'Gold'), await count('tier', 'Silver'), await count('score', '3')]).toEqual([
      10, 10, 7,
    ]);
    const rows = await truth();
    expect(rows[`${customAttributeKey('tier')}=${attributeValueKey('Gold')}`]).toBe(10);
    expect(Object.keys(rows).every((k) => k.startsWith('c_'))).toBe(true);
    await expectExact();

    // Gold → Silver for five, the same value again for five more, through /upsert and GraphQL
    const again = await upsert(
      Array.from({ length: 5 }, (_, j) => ({
        identifiers: { email: `k${j * 3}@counts.example` },
        attributes: { custom: { tier: 'Silver' } },
      })),
    );
    expect(again.body.data).toEqual({ successful: { count: 5 }, fail: {} });
    for (let j = 5; j < 10; j++) {
      const r = await gql(UPSERT_IDENTITY, {
        identity: { email: `k${j * 3}@counts.example`, attributes: [{ name: 'tier', value: 'Gold' }] },
      });
      expect(r.errors).toBeUndefined();
    }
    const fresh = await gql(UPSERT_IDENTITY, {
      identity: { email: 'new@counts.example', attributes: [{ name: 'tier', value: 'Platinum' }] },
    });
    expect(fresh.errors).toBeUndefined();
    expect([await count('tier', 'Gold'), await count('tier', 'Silver'), await count('tier', 'Platinum')]).toEqual([
      5, 15, 1,
    ]);
    await expectExact();
  });

  it('counts attribute deletes, profile deletes, merges, unmerges and erasure', async () => {
    await upsert(
      Array.from({ length: 6 }, (_, i) => ({
        identifiers: { email: `m${i}@counts.example` },
        attributes: { custom: { colour: i < 3 ? 'red' : 'blue', size: i } },
      })),
    );
    expect([await count('colour', 'red'), await count('colour', 'blue')]).toEqual([3, 3]);

    const deleted = await send('post', '/attribute/delete', {
      users: [
        { identifiers: { email: 'm0@counts.example' }, custom: { whole: ['colour'] } },
        { identifiers: { email: 'm1@counts.example' }, custom: { whole: ['colour', 'size'] } },
      ],
    });
    expect(deleted.body.data).toEqual({ successful: { count: 2 }, fail: {} });
    expect(await count('colour', 'red')).toBe(1);
    await expectExact();

    const gone = await send('post', '/delete', { identifiers: { email: 'm3@counts.example' } });
    expect(gone.status).toBe(200);
    expect(await count('colour', 'blue')).toBe(2);
    await expectExact();

    // m5 (blue, size 5) into m4 (blue, size 4): one profile keeps one value per attribute
    const merged = await gql(MERGE, { into: { email: 'm4@counts.example' }, from: [{ email: 'm5@counts.example' }] });
    expect(merged.errors).toBeUndefined();
    expect(await count('colour', 'blue')).toBe(1);
    await expectExact();
    const unmerged = await gql(UNMERGE, { id: merged.data.mergeIdentities.id });
    expect(unmerged.errors).toBeUndefined();
    expect([await count('colour', 'blue'), await count('size', '5')]).toEqual([2, 1]);
    await expectExact();

    const erased = await p.t.gql(ERASE, { where: { email: 'm2@counts.example' } }, admin);
    expect(erased.errors).toBeUndefined();
    expect([await count('colour', 'red'), await count('size', '2')]).toEqual([0, 0]);
    await expectExact();
  });

  it('stays exact under concurrent batches writing the same values', async () => {
    const batch = (r: number) =>
      upsert(
        Array.from({ length: 40 }, (_, i) => ({
          identifiers: { email: `c${i}@counts.example` },
          attributes: { custom: { wave: `w${(i + r) % 3}` } },
        })),
      );
    const results = await Promise.all(Array.from({ length: 6 }, (_, r) => batch(r)));
    for (const res of results) expect(res.body.data).toEqual({ successful: { count: 40 }, fail: {} });
    const counted = await Promise.all(['w0', 'w1', 'w2'].map((w) => count('wave', w)));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(40);
    await expectExact();
  });

  (isPostgres() ? it : it.skip)('reads the folded count and the changes since, in one statement', async () => {
    await upsert([{ identifiers: { email: 'f1@counts.example' }, attributes: { custom: { flag: 'on' } } }]);
    await p.t.app.get(SegmentCounts).fold();
    await upsert([{ identifiers: { email: 'f2@counts.example' }, attributes: { custom: { flag: 'on' } } }]);
    await upsert([{ identifiers: { email: 'f1@counts.example' }, attributes: { custom: { flag: 'off' } } }]);
    // folded: on 1; not yet: on +1, on -1, off +1
    expect(await changes()).toBe(3);
    expect([await count('flag', 'on'), await count('flag', 'off')]).toEqual([1, 1]);
    expect(await p.t.app.get(SegmentCounts).fold()).toBe(3);
    expect([await count('flag', 'on'), await count('flag', 'off')]).toEqual([1, 1]);
  });
});
