import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { directDatabaseUrl, directUrlOf, freshDatabase, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/**
 * Several instances starting at once on one empty PostgreSQL database (SQLite is one file served by
 * one instance). The `?schema=` does not exist yet either: the first instance creates it. Through
 * pgbouncer in transaction mode (scripts/pgbouncer-test.sh) it is an empty database of its own, no
 * schema: the advisory lock is per transaction, so it holds through the pooler.
 */
(isPostgres() ? describe : describe.skip)('instances starting at once on an empty database', () => {
  const pooled = directDatabaseUrl() !== undefined;
  const base = directDatabaseUrl() ?? process.env.DATABASE_URL!;
  const schema = pooled ? 'public' : `t_${process.pid}_${randomBytes(4).toString('hex')}_new`;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: db ? directUrlOf(db.url) : base });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  afterAll(() => (db ? db.drop() : query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));

  it('serialise their migrations: all start, nothing is logged as an error, each migration is recorded once', async () => {
    if (pooled) db = await freshDatabase();
    else expect(await query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
    const url = db ? db.url : `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
    const apps: TestApp[] = [];
    try {
      const started = await Promise.allSettled(
        Array.from({ length: 4 }, () => startTestApp({ databaseUrl: url, captureLogs: true })),
      );
      for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
      expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);

      const errors = apps.flatMap((t) =>
        t.logs.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50),
      );
      expect(errors).toEqual([]);
      const recorded = await query<{ name: string; times: string }>(
        `SELECT name, count(*) AS times FROM ${schema}.migrations GROUP BY name ORDER BY name`,
      );
      expect(recorded.map((r) => r.name)).toEqual(apps[0].dataSource.migrations.map((m) => m.name).sort());
      expect(recorded.every((r) => Number(r.times) === 1)).toBe(true);
      for (const t of apps) {
        expect(await t.dataSource.showMigrations()).toBe(false);
        expect((await t.gql<{ countries: unknown[] }>('{ countries { iso2 } }')).data.countries).toHaveLength(249);
      }
    } finally {
      await Promise.all(apps.map((t) => t.close()));
    }
  });
});
