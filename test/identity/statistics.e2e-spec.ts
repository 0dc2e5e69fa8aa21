import { TableStatistics } from '../../src/identity/table-statistics';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';

/**
 * Bulk writes refresh the planner's statistics when nothing else does (PostgreSQL with autovacuum off):
 * an ANALYZE in the background once /upsert has written 1,000 rows + 10 % of the identity tables.
 */
describe('statistics of the identity tables after bulk writes', () => {
  let p: PartnerApp;
  const { upsert } = partnerCalls(() => p);
  beforeAll(async () => {
    p = await startPartnerApp();
  });
  afterAll(() => p.t.close());

  const batch = async (tag: string, n: number) => {
    const users = Array.from({ length: n }, (_, i) => ({
      identifiers: { email: `${tag}-${i}@stats.example` },
      attributes: { custom: { tier: i % 2 ? 'Gold' : 'Silver' } },
    }));
    const res = await upsert(users);
    expect(res.body.data).toEqual({ successful: { count: n }, fail: {} });
  };
  const one = async <T>(sql: string): Promise<T> => (await p.t.dataSource.query(sql))[0];

  it('ANALYZEs in the background past the threshold, only where autovacuum does not (PostgreSQL)', async () => {
    const statistics = p.t.app.get(TableStatistics);
    if (p.t.config.database.engine === 'sqlite') {
      await batch('sqlite', 1000);
      expect(statistics.pending).toBeNull();
      return;
    }
    const { autovacuum } = await one<{ autovacuum: string }>("SELECT current_setting('autovacuum') AS autovacuum");
    const plannedProfiles = async () =>
      Number(
        (await one<{ n: number }>("SELECT reltuples AS n FROM pg_class WHERE oid = 'identity_profiles'::regclass")).n,
      );
    const before = await plannedProfiles();
    await batch('small', 100); // 200 rows: under the threshold
    expect(statistics.pending).toBeNull();
    await batch('large', 1000); // 2,000 rows more: past it
    if (autovacuum === 'on') {
      expect(statistics.pending).toBeNull(); // the server's autoanalyze does it
      return;
    }
    expect(statistics.pending).not.toBeNull();
    await statistics.pending;
    expect(before).toBeLessThanOrEqual(0); // the migration analyzed the empty tables
    expect(await plannedProfiles()).toBe(1100);
    // the next one is due only after 1,000 rows + 10 % more
    await batch('after', 100);
    expect(statistics.pending).toBeNull();
  });
});
