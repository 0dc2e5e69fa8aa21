import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { renderMigration } from '../../scripts/generate-migration';
import { loadConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { freshDatabase } from '../helpers/test-app';

const MIGRATIONS = join(__dirname, '..', '..', 'src', 'database', 'migrations');

/** The tables of the database (schema) the data source works in, TypeORM's own `migrations` aside. */
async function tables(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    ds.options.type === 'postgres'
      ? await ds.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()')
      : await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return rows.map((r) => r.name).filter((name) => name !== 'migrations');
}

/**
 * Migrations run in whatever schema DATABASE_URL names (each test database is a fresh PostgreSQL schema
 * or SQLite file): every migration goes down and up again, and the result needs no further change.
 */
describe('migrations run anywhere', () => {
  it('takes every migration down and up again in a fresh database', async () => {
    const db = await freshDatabase();
    const ds = createDataSource(loadConfig({ DATABASE_URL: db.url }));
    await ds.initialize();
    try {
      const count = ds.migrations.length;
      expect(await ds.runMigrations()).toHaveLength(count);
      expect(await tables(ds)).toContain('identity_profiles');
      for (let i = 0; i < count; i++) await ds.undoLastMigration();
      expect(await ds.showMigrations()).toBe(true);
      expect(await tables(ds)).toEqual([]);
      expect(await ds.runMigrations()).toHaveLength(count);
      const sql = await ds.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });

  it('no migration names a schema (they run in the one DATABASE_URL names)', () => {
    const qualified: string[] = [];
    for (const engine of ['postgres', 'sqlite']) {
      for (const file of readdirSync(join(MIGRATIONS, engine))) {
        const text = readFileSync(join(MIGRATIONS, engine, file), 'utf8');
        // a quoted schema before a quoted name: DROP INDEX "gen_1795387393129"."ix_…"
        for (const [match] of text.matchAll(/"[^"\s]+"\."[^"\s]+"/g)) qualified.push(`${engine}/${file}: ${match}`);
      }
    }
    expect(qualified).toEqual([]);
  });

  it('the generator writes no schema name into a migration', () => {
    const text = renderMigration(
      'Thing1',
      [{ query: 'CREATE INDEX "ix_a" ON "a" ("b") ' }],
      [{ query: 'DROP INDEX "gen_1"."ix_a"' }],
      'gen_1',
    );
    expect(text).toContain(`await queryRunner.query("DROP INDEX \\"ix_a\\"");`);
    expect(text).not.toContain('gen_1');
    expect(() => renderMigration('Thing1', [{ query: 'SET search_path = gen_1' }], [], 'gen_1')).toThrow(
      'a generated query names the schema gen_1',
    );
  });
});

describe('the account recovery migration (SPEC §7)', () => {
  it('counts the accounts linked to a profile before it as verified, and no other', async () => {
    const db = await freshDatabase();
    const ds = createDataSource(loadConfig({ DATABASE_URL: db.url }));
    await ds.initialize();
    try {
      await ds.runMigrations();
      const executed = async () => (await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name);
      // back to the schema before it (and before any migration that came after it)
      while ((await executed()).some((name: string) => name.startsWith('AccountRecovery')))
        await ds.undoLastMigration();
      const p = (n: number) => (ds.options.type === 'postgres' ? `$${n}` : '?');
      for (const [id, email] of [
        ['00000000-0000-0000-0000-000000000001', 'linked@example.com'],
        ['00000000-0000-0000-0000-000000000002', 'unlinked@example.com'],
      ]) {
        await ds.query(`INSERT INTO users (id, email) VALUES (${p(1)}, ${p(2)})`, [id, email]);
      }
      await ds.query(`INSERT INTO identity_profiles (id, user_id) VALUES (${p(1)}, ${p(2)})`, [
        '00000000-0000-0000-0000-0000000000aa',
        '00000000-0000-0000-0000-000000000001',
      ]);
      await ds.runMigrations();
      const rows: { email: string; email_verified: boolean | number }[] = await ds.query(
        'SELECT email, email_verified FROM users ORDER BY email',
      );
      expect(rows.map((r) => [r.email, Boolean(r.email_verified)])).toEqual([
        ['linked@example.com', true],
        ['unlinked@example.com', false],
      ]);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});
