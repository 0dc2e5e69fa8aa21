/** Writes the GraphQL SDL of the running code to schema.graphql: `npm run schema:print`. */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { createApp } from '../app';
import { loadConfig } from '../config/app-config';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'schema.graphql');

export function renderSchema(host: GraphQLSchemaHost): string {
  return `${printSchema(host.schema)}\n`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ih-schema-'));
  try {
    const app = await createApp(
      loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'schema.sqlite')}`, LOG_LEVEL: 'silent' }),
    );
    writeFileSync(SCHEMA_FILE, renderSchema(app.get(GraphQLSchemaHost)));
    await app.close();
    console.log(`wrote ${SCHEMA_FILE}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
