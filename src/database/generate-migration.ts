/**
 * Writes a migration for each engine from the difference between the entity model and the schema
 * the existing migrations build: `npm run migration:generate -- AddThing`.
 * SQLite uses a temporary file; PostgreSQL a temporary schema in MIGRATION_PG_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../config/app-config';
import { createDataSource } from './data-source';

function render(
  className: string,
  up: { query: string; parameters?: unknown[] }[],
  down: { query: string; parameters?: unknown[] }[],
) {
  const lines = (qs: typeof up) =>
    qs
      .map(
        (q) =>
          `    await queryRunner.query(${JSON.stringify(q.query)}${q.parameters?.length ? `, ${JSON.stringify(q.parameters)}` : ''});`,
      )
      .join('\n');
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines([...down].reverse())}
  }
}
`;
}

async function generate(engine: 'sqlite' | 'postgres', name: string, timestamp: number) {
  let url: string;
  let cleanup = async () => {};
  if (engine === 'sqlite') {
    url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'ih-gen-')), 'gen.sqlite')}`;
  } else {
    const base = process.env.MIGRATION_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const schema = `gen_${timestamp}`;
    const client = new Client({ connectionString: base });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    cleanup = async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    };
    url = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  }
  const ds = createDataSource(loadConfig({ DATABASE_URL: url }));
  try {
    await ds.initialize();
    await ds.runMigrations();
    const sql = await ds.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      console.log(`${engine}: the schema is up to date, nothing written`);
      return;
    }
    const className = `${name}${timestamp}`;
    const file = join(__dirname, '..', '..', 'src', 'database', 'migrations', engine, `${timestamp}-${name}.ts`);
    writeFileSync(file, render(className, sql.upQueries, sql.downQueries));
    console.log(`${engine}: wrote ${file}`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await cleanup();
  }
}

async function main() {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    console.error('usage: npm run migration:generate -- PascalCaseName');
    process.exit(2);
  }
  const timestamp = Date.now();
  await generate('sqlite', name, timestamp);
  await generate('postgres', name, timestamp);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
