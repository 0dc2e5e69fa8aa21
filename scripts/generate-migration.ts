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
import { loadConfig } from '../src/config/app-config';
import { createDataSource } from '../src/database/data-source';
import { ROOT } from './root';

interface Query {
  query: string;
  parameters?: unknown[];
}

/**
 * The migration file for the queries TypeORM's schema builder logged. TypeORM qualifies some names
 * with the schema it diffed in (`DROP INDEX "gen_…"."ix_…"`); a migration must run in whatever schema
 * DATABASE_URL names, so that qualification is removed, and a query still naming the schema is refused.
 */
export function renderMigration(className: string, up: Query[], down: Query[], schema?: string): string {
  const unqualified = (q: Query): Query => {
    if (!schema) return q;
    const query = q.query.split(`"${schema}".`).join('');
    if (query.includes(schema)) throw new Error(`a generated query names the schema ${schema}: ${query}`);
    return { ...q, query };
  };
  const lines = (qs: Query[]) =>
    qs
      .map(unqualified)
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
  let schema: string | undefined;
  let cleanup = async () => {};
  if (engine === 'sqlite') {
    url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'ih-gen-')), 'gen.sqlite')}`;
  } else {
    const base = process.env.MIGRATION_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    schema = `gen_${timestamp}`;
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
    const file = join(ROOT, 'src', 'database', 'migrations', engine, `${timestamp}-${name}.ts`);
    writeFileSync(file, renderMigration(className, sql.upQueries, sql.downQueries, schema));
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

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
