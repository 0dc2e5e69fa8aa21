import { Scope } from '../../src/auth/permissions';
import { query } from '../../src/database/sql';
import { attributeValueKey, customAttributeKey } from '../../src/identity/identity-codec';
import {
  SegmentCondition,
  segmentCountStatement,
  SegmentPage,
  segmentPageStatement,
} from '../../src/identity/segment-query';
import { seedApiToken, seedUser } from '../helpers/factories';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';

/**
 * Segments at a few thousand profiles: cursor paging, counts, and the plans of their statements
 * (never timings). Profile i (0 ≤ i < N) has the custom attributes tier (Gold when i % 10 = 0, Silver
 * when i % 10 is 1–3, else Bronze) and region (REGIONS[i % 7]). They are written by /upsert in order,
 * and ids are time-ordered, so a segment lists them by i.
 */
const N = 2100;
const REGIONS = ['North', 'South', 'East', 'West', 'Central', 'Islands', 'Abroad'];
const tierOf = (i: number) => (i % 10 === 0 ? 'Gold' : i % 10 < 4 ? 'Silver' : 'Bronze');
const email = (i: number) => `s${i}@segments.example`;
const all = Array.from({ length: N }, (_, i) => i);
const SILVER = all.filter((i) => tierOf(i) === 'Silver').map(email);
const SILVER_NORTH = all.filter((i) => tierOf(i) === 'Silver' && i % 7 === 0).map(email);

const cond = (name: string, value: string) => `{ attributes: { some: { name: "${name}", value: "${value}" } } }`;
const and = (...conditions: string[]) => `{ AND: [${conditions.join(', ')}] }`;
const silver = cond('tier', 'Silver');
const silverNorth = and(silver, cond('region', 'North'));

describe('segments: cursor paging and counts', () => {
  let p: PartnerApp;
  let token: string;
  const { upsert } = partnerCalls(() => p);
  const gql = (q: string, variables?: Record<string, unknown>) => p.t.gql(q, variables, { basic: token });

  beforeAll(async () => {
    p = await startPartnerApp();
    token = (await seedApiToken(p.t, [Scope.IdentitiesRead])).token;
    for (let from = 0; from < N; from += 700) {
      const users = all.slice(from, from + 700).map((i) => ({
        identifiers: { email: email(i) },
        attributes: { name: `S${i}`, custom: { tier: tierOf(i), region: REGIONS[i % 7] } },
      }));
      const res = await upsert(users);
      expect(res.body.data).toEqual({ successful: { count: users.length }, fail: {} });
    }
  });
  afterAll(() => p.t.close());

  /** Every page of a segment, each after the previous page's last id. */
  async function byCursor(where: string, take: number): Promise<{ pages: number; emails: string[] }> {
    const emails: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await gql(
        `query($after: ID, $take: Int) { identities(where: ${where}, take: $take, after: $after) { id email } }`,
        { after, take },
      );
      expect(res.errors).toBeUndefined();
      const page = res.data.identities as { id: string; email: string }[];
      if (!page.length) break;
      pages++;
      emails.push(...page.map((x) => x.email));
      after = page[page.length - 1].id;
    }
    return { pages, emails };
  }

  it('pages a segment with `after` from start to end, oldest first, as `skip` does', async () => {
    const cursor = await byCursor(silver, 100);
    expect(cursor).toEqual({ pages: Math.ceil(SILVER.length / 100), emails: SILVER });
    const bySkip: string[] = [];
    for (let skip = 0; skip < SILVER.length; skip += 100) {
      const res = await gql(`{ identities(where: ${silver}, take: 100, skip: ${skip}) { email } }`);
      bySkip.push(...(res.data.identities as { email: string }[]).map((x) => x.email));
    }
    expect(bySkip).toEqual(SILVER);
  });

  it('pages an AND of two conditions with `after`, and applies `skip` after the cursor', async () => {
    expect(await byCursor(silverNorth, 7)).toEqual({ pages: Math.ceil(SILVER_NORTH.length / 7), emails: SILVER_NORTH });
    const first = await gql(`{ identities(where: ${silverNorth}, take: 3) { id email } }`);
    const third = (first.data.identities as { id: string }[])[2].id;
    const res = await gql(`{ identities(where: ${silverNorth}, after: "${third}", skip: 2, take: 4) { email } }`);
    expect(res.data.identities).toEqual(SILVER_NORTH.slice(5, 9).map((e) => ({ email: e })));
  });

  it('answers nothing after the last identity, and pages every identity without `where`', async () => {
    const last = await gql(`{ identities(where: ${silver}, skip: ${SILVER.length - 1}, take: 1) { id email } }`);
    expect(last.data.identities).toEqual([expect.objectContaining({ email: SILVER.at(-1) })]);
    const after = (last.data.identities as { id: string }[])[0].id;
    expect((await gql(`{ identities(where: ${silver}, after: "${after}") { id } }`)).data.identities).toEqual([]);
    const everyone = await byCursor('{}', 1000);
    expect(everyone).toEqual({ pages: 3, emails: all.map(email) });
  });

  it('counts a segment, an AND, every identity, and nothing for contradicting conditions', async () => {
    const count = async (where: string) => {
      const res = await gql(`{ identitiesCount(where: ${where}) }`);
      expect(res.errors).toBeUndefined();
      return res.data.identitiesCount as number;
    };
    expect(await count(silver)).toBe(SILVER.length);
    expect(await count(silverNorth)).toBe(SILVER_NORTH.length);
    expect(await count(and(silver, silver))).toBe(SILVER.length);
    expect(await count('{}')).toBe(N);
    expect((await gql('{ identitiesCount }')).data.identitiesCount).toBe(N);
    expect(await count(cond('tier', 'Platinum'))).toBe(0);
    // a profile has one value per attribute: Gold AND Silver is nobody, for the list too
    const contradiction = and(cond('tier', 'Gold'), silver);
    expect(await count(contradiction)).toBe(0);
    expect((await gql(`{ identities(where: ${contradiction}) { id } }`)).data.identities).toEqual([]);
    // default (non-custom) attributes are not segments
    expect(await count(cond('name', 'S1'))).toBe(0);
  });

  it('checks a count as it checks a list: the same conditions, the same readers', async () => {
    const eleven = and(...Array.from({ length: 11 }, () => silver));
    const nested = `{ attributes: { some: { name: "a", value: "b" } }, AND: [${and(...Array.from({ length: 10 }, () => silver))}] }`;
    for (const [where, message] of [
      [eleven, 'where.AND must contain no more than 10 elements'],
      [nested, 'where: at most 10 attribute conditions in one query'],
      [cond('x\\u0001', 'v'), 'where: attribute "x\\u0001": the name cannot contain control characters'],
    ]) {
      const res = await gql(`{ identitiesCount(where: ${where}) }`);
      expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    }
    const long = await gql(`{ identities(after: "${'x'.repeat(101)}") { id } }`);
    expect([long.code, long.errors?.[0].message]).toEqual([
      'BAD_USER_INPUT',
      'after must be shorter than or equal to 100 characters',
    ]);
    const anonymous = await p.t.gql(`{ identitiesCount(where: ${silver}) }`);
    expect(anonymous.code).toBe('UNAUTHENTICATED');
    const { token: session } = await seedUser(p.t, { email: 'segment-customer@example.com' });
    for (const q of [`{ identitiesCount(where: ${silver}) }`, `{ identities(where: ${silver}) { id } }`]) {
      const res = await p.t.gql(q, {}, session);
      expect([res.code, res.body.data]).toEqual(['FORBIDDEN', null]);
    }
  });

  it('reads a page in one statement, a page with its fields in three, a count in one', async () => {
    const statements: string[] = [];
    const logger = p.t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (q, parameters, runner) => {
      statements.push(q);
      return original(q, parameters, runner);
    };
    const count = async (q: string) => {
      statements.length = 0;
      const res = await gql(q);
      expect(res.errors).toBeUndefined();
      return statements.length;
    };
    try {
      expect(await count(`{ identities(where: ${silverNorth}, take: 50) { id createdAt } }`)).toBe(1);
      expect(await count(`{ identities(where: ${silver}, take: 50) { id email attributes { name } } }`)).toBe(3);
      expect(await count(`{ identitiesCount(where: ${silverNorth}) }`)).toBe(1);
    } finally {
      logger.logQuery = original;
    }
  });

  describe('plans (after ANALYZE; what the planner chooses, not how long it takes)', () => {
    const key = (name: string, value: string): SegmentCondition => ({
      key: customAttributeKey(name),
      valueKey: attributeValueKey(value),
    });
    const one = [key('tier', 'Silver')];
    const two = [key('tier', 'Silver'), key('region', 'North')];
    const first: SegmentPage = { take: 100, skip: 0, after: null };

    /** PostgreSQL: the scan of alias `a` uses the segment index (itself, or through a bitmap under it). */
    function readsSegmentIndex(text: string, a: string): boolean {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => new RegExp(`on identity_attributes ${a}\\b`).test(line));
      if (at < 0) return false;
      if (lines[at].includes('using ix_identity_attributes_segment')) return true;
      return (
        /Bitmap Heap Scan/.test(lines[at]) &&
        lines.slice(at + 1, at + 3).some((l) => /Bitmap Index Scan on ix_identity_attributes_segment/.test(l))
      );
    }

    async function plan(statement: { sql: string; params: unknown[] }): Promise<string> {
      const m = p.t.dataSource.manager;
      if (p.t.config.database.engine === 'sqlite') {
        const rows = await query<{ detail: string }>(m, `EXPLAIN QUERY PLAN ${statement.sql}`, statement.params);
        return rows.map((r) => r.detail).join('\n');
      }
      const rows = await query<Record<string, string>>(m, `EXPLAIN ${statement.sql}`, statement.params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    }

    beforeAll(async () => {
      await p.t.dataSource.query(p.t.config.database.engine === 'sqlite' ? 'ANALYZE' : 'ANALYZE identity_attributes');
      if (p.t.config.database.engine === 'postgres') await p.t.dataSource.query('ANALYZE identity_profiles');
    });

    it('reads every condition of a page from the segment index; one condition in its order (no sort)', async () => {
      const middle = (await gql(`{ identities(where: ${silver}, skip: 300, take: 1) { id } }`)).data.identities[0].id;
      const pages: [SegmentCondition[], SegmentPage][] = [
        [one, first],
        [one, { ...first, after: middle }],
        [two, first],
        [two, { ...first, after: middle }],
      ];
      for (const [conditions, page] of pages) {
        const text = await plan(segmentPageStatement(conditions, page));
        const aliases = conditions.map((_, i) => `a${i}`);
        if (p.t.config.database.engine === 'sqlite') {
          for (const a of aliases)
            expect(text).toMatch(new RegExp(`SEARCH ${a} USING (COVERING )?INDEX ix_identity_attributes_segment`));
          expect(text).not.toMatch(/SCAN a\d/);
          // the segment comes from the index in order; only the page (at most `take` rows) is sorted
          expect(text.slice(0, text.indexOf('SCAN s'))).not.toMatch(/TEMP B-TREE/);
        } else {
          for (const a of aliases) expect([a, readsSegmentIndex(text, a)]).toEqual([a, true]);
          expect(text).not.toMatch(/Seq Scan on identity_attributes/);
          // One condition: its range is read in order. (An AND of two ranges of a few hundred profiles may
          // be hashed and its page sorted; at a million they are merged in order: bench/explain.mjs.)
          if (conditions.length === 1) expect(text).not.toMatch(/Sort Key: a0\.profile_id/);
        }
      }
    });

    it('counts one condition from its kept count, an AND from the segment index', async () => {
      // one condition: the kept count's row by its primary key, and the changes not yet folded; not the segment
      const single = await plan(segmentCountStatement(one));
      expect(single).toMatch(
        p.t.config.database.engine === 'sqlite'
          ? /SEARCH identity_segment_counts USING (INDEX sqlite_autoindex_identity_segment_counts_1|PRIMARY KEY)/
          : /Index Scan using "PK_identity_segment_counts" on identity_segment_counts|Index Scan using PK_identity_segment_counts/,
      );
      expect(single).not.toMatch(/identity_attributes/);
      const text = await plan(segmentCountStatement(two));
      expect(text).toMatch(/ix_identity_attributes_segment/);
      expect(text).not.toMatch(/Seq Scan on identity_attributes|SCAN a\d/);
    });
  });
});
