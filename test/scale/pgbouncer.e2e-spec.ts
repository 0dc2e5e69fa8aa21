import { Client } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/data-source';
import { connectAndMigrate } from '../../src/database/database.module';
import { directDatabaseUrl, directUrlOf, freshDatabase, startTestApp } from '../helpers/test-app';

/**
 * What is particular to running behind pgbouncer in transaction mode (scripts/pgbouncer-test.sh starts
 * one and runs this with the rest of the PostgreSQL suite through it; elsewhere this file is skipped).
 */
/** The tables in the database's public schema, read over the direct connection. */
async function publicTables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: directUrlOf(url) });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

(directDatabaseUrl() ? describe : describe.skip)('through pgbouncer in transaction mode', () => {
  it('the service answers through the pooler, whose server is the PostgreSQL behind it', async () => {
    const t = await startTestApp();
    try {
      const { port } = new URL(t.config.database.url);
      const [{ server }] = await t.dataSource.query<{ server: number }[]>('SELECT inet_server_port() AS server');
      expect(String(server)).toBe(new URL(directDatabaseUrl()!).port || '5432');
      expect(port).not.toBe(String(server));
      expect((await t.gql<{ countries: unknown[] }>('{ countries { iso2 } }')).data.countries).toHaveLength(249);
    } finally {
      await t.close();
    }
  });

  it('a ?schema= the pooler drops stops the start with a message that says so, before any table is made', async () => {
    const db = await freshDatabase();
    try {
      const config = loadConfig({ DATABASE_URL: `${db.url}?schema=lost` });
      await expect(connectAndMigrate(config, dataSourceOptions(config))).rejects.toThrow(
        /^DATABASE_URL: asks for \?schema=lost but the connection's search_path is "\$user", public: a connection pooler in between dropped the options startup parameter/,
      );
      const tables = await publicTables(db.url);
      expect(tables).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('DATABASE_MIGRATION_URL: the migrations run over the direct connection, the service over the pooler', async () => {
    const db = await freshDatabase();
    try {
      const t = await startTestApp({ databaseUrl: db.url, env: { DATABASE_MIGRATION_URL: directUrlOf(db.url) } });
      try {
        expect(t.config.database.migrationUrl).toBe(directUrlOf(db.url));
        expect(await t.dataSource.showMigrations()).toBe(false);
        expect((await t.gql<{ countries: unknown[] }>('{ countries { iso2 } }')).data.countries).toHaveLength(249);
      } finally {
        await t.app.close();
      }
    } finally {
      await db.drop();
    }
  });
});
