import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/**
 * Several instances starting at once on one empty PostgreSQL database (SQLite is one file served by
 * one instance). The `?schema=` does not exist yet either: the first instance creates it.
 */
(isPostgres() ? describe : describe.skip)('instances starting at once on an empty database', () => {
  const base = process.env.DATABASE_URL!;
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}_new`;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: base });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  afterAll(() => query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

  it('serialise their migrations: all start, nothing is logged as an error, each migration is recorded once', async () => {
    expect(await query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
    const url = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
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
