/**
 * Writes the partner API's OpenAPI document (as /docs-json serves it) to openapi.json, and the Postman
 * collection generated from it with openapi-to-postmanv2 to postman/identity-hub.postman_collection.json:
 * `npm run openapi:print`. A test fails when either differs from what the code renders.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { convertV2 } from 'openapi-to-postmanv2';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/app-config';
import { PartnerApiModule } from '../src/identity/partner-api/partner-api.module';
import { partnerOpenApiDocument } from '../src/identity/partner-api/partner-openapi';
import { ROOT } from './root';

export const OPENAPI_FILE = join(ROOT, 'openapi.json');
export const POSTMAN_FILE = join(ROOT, 'postman', 'identity-hub.postman_collection.json');

/** The document /docs-json serves, as committed in openapi.json. */
export function renderOpenApi(app: INestApplication): string {
  return `${JSON.stringify(partnerOpenApiDocument(app, [PartnerApiModule]), null, 2)}\n`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The Postman collection of a document: openapi-to-postmanv2's conversion (bodies from the examples,
 * one folder per tag), with ids derived from each item's place instead of random ones (so the file only
 * changes when the API does), and the variables a user sets: baseUrl (npm start's) and apiKey.
 */
export async function renderPostman(openApi: string): Promise<string> {
  const collection = await new Promise<{ [key: string]: Json }>((resolve, reject) =>
    convertV2(
      { type: 'string', data: openApi },
      { parametersResolution: 'Example', folderStrategy: 'Tags', includeAuthInfoInExample: false },
      (error, result) => {
        if (error) return reject(error);
        if (!result?.result || !result.output?.length)
          return reject(new Error(`openapi-to-postmanv2: ${result?.reason ?? 'no result'}`));
        resolve(result.output[0].data as { [key: string]: Json });
      },
    ),
  );
  stableIds(collection, 'identity-hub');
  collection.variable = [
    { key: 'baseUrl', value: 'http://localhost:3000', description: 'The instance: scheme, host and PORT' },
    { key: 'apiKey', value: '', description: 'An API token with the identities:write scope (X-REQUEST-TOKEN)' },
  ];
  return `${JSON.stringify(collection, null, 2)}\n`;
}

/** Replaces every `id` and `_postman_id` with a UUID-shaped hash of where it is. */
function stableIds(node: Json, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => stableIds(child, `${path}/${i}`));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) {
    if ((key === 'id' || key === '_postman_id') && typeof node[key] === 'string') node[key] = uuidOf(`${path}/${key}`);
    else stableIds(node[key], `${path}/${key}`);
  }
}

function uuidOf(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  // a version-5-shaped UUID (name-based), RFC 4122 variant
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ih-openapi-'));
  try {
    const app = await createApp(
      loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'openapi.sqlite')}`, LOG_LEVEL: 'silent' }),
    );
    const openApi = renderOpenApi(app);
    await app.close();
    writeFileSync(OPENAPI_FILE, openApi);
    mkdirSync(dirname(POSTMAN_FILE), { recursive: true });
    writeFileSync(POSTMAN_FILE, await renderPostman(openApi));
    console.log(`wrote ${OPENAPI_FILE}\nwrote ${POSTMAN_FILE}`);
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
