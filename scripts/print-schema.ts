/** Writes the GraphQL SDL of the running code to schema.graphql: `npm run schema:print`. */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/app-config';
import { ROOT } from './root';

export const SCHEMA_FILE = join(ROOT, 'schema.graphql');

/** The SDL as committed in schema.graphql (a test compares the two). */
export function renderSchema(app: INestApplicationContext): string {
  return `${printSchema(app.get(GraphQLSchemaHost).schema)}\n`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ih-schema-'));
  try {
    const app = await createApp(
      loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'schema.sqlite')}`, LOG_LEVEL: 'silent' }),
    );
    writeFileSync(SCHEMA_FILE, renderSchema(app));
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
