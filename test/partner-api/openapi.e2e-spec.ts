import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OPENAPI_FILE, POSTMAN_FILE, renderOpenApi, renderPostman } from '../../scripts/print-openapi';
import { PartnerApp, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

const ROOT = join(__dirname, '..', '..');
const OPERATIONS = [
  ['/api/user/v1/identity', 'patch', 'updateIdentity', 'IdentityUpdateRequest', 'Empty'],
  ['/api/user/v1/identity', 'delete', 'deleteIdentity', 'IdentityDeleteRequest', 'Empty'],
  ['/api/user/v1/upsert', 'post', 'upsert', 'UpsertRequest', 'BatchResult'],
  ['/api/user/v1/attribute/delete', 'post', 'deleteAttributes', 'AttributeDeleteRequest', 'BatchResult'],
  ['/api/user/v1/profile', 'post', 'profile', 'ProfileRequest', 'ProfileResponse'],
  ['/api/user/v1/delete', 'post', 'deleteProfile', 'ProfileDeleteRequest', 'Empty'],
  ['/api/user/v1/anonymize', 'post', 'anonymize', 'AnonymizeRequest', 'Empty'],
  ['/api/user/v3/metadata/columns', 'post', 'columns', 'MetadataColumnsRequest', 'MetadataColumns'],
] as const;

describe("the partner API's OpenAPI document", () => {
  let t: TestApp;
  let app: PartnerApp;
  let doc: any;

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
    doc = (await t.rest('get', '/docs-json')).body;
  });
  afterAll(() => t.close());

  const op = (path: string, method: string) => doc.paths[path][method];
  const examples = (operation: any, status: number) =>
    Object.values(operation.responses[String(status)].content['application/json'].examples).map((e: any) => e.value);
  const schemaOf = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];

  it('serves the explorer at /docs and the document at /docs-json, with the security schemes and servers', async () => {
    const ui = await t.rest('get', '/docs');
    expect([ui.status, ui.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/user/v1/anonymize',
      '/api/user/v1/attribute/delete',
      '/api/user/v1/delete',
      '/api/user/v1/identity',
      '/api/user/v1/profile',
      '/api/user/v1/upsert',
      '/api/user/v3/metadata/columns',
    ]);
    expect(doc.components.securitySchemes).toEqual({
      requestToken: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-REQUEST-TOKEN' }),
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
    // either credential, on every operation
    expect(doc.security).toEqual([{ requestToken: [] }, { basic: [] }]);
    expect(doc.servers.map((s: any) => s.url)).toEqual(['/', '{scheme}://{host}:{port}']);
    expect(doc.servers[1].variables).toMatchObject({ host: { default: 'localhost' }, port: { default: '3000' } });
  });

  it('describes every request and response body as a named schema, with examples besides', () => {
    for (const [path, method, operationId, request, ok] of OPERATIONS) {
      const operation = op(path, method);
      expect(operation.operationId).toBe(operationId);
      const body = operation.requestBody.content['application/json'];
      expect(body.schema).toEqual({ $ref: `#/components/schemas/${request}` });
      expect(Object.keys(body.examples).length).toBeGreaterThan(0);
      expect(operation.responses['200'].content['application/json'].schema).toEqual({
        $ref: `#/components/schemas/${ok}`,
      });
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        const content = response.content['application/json'];
        expect([status, content.schema.$ref]).toEqual([status, expect.stringMatching(/^#\/components\/schemas\/\w+$/)]);
        expect(schemaOf(content.schema.$ref)).toBeDefined();
        expect(Object.keys(content.examples).length).toBeGreaterThan(0);
      }
      // the token is a security scheme, not a header parameter; the partner name is a parameter
      expect(operation.parameters.map((p: any) => p.name)).toEqual(['X-PARTNER-NAME']);
    }
    // every reference resolves
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect([ref, schemaOf(ref)]).toEqual([ref, expect.any(Object)]);
    // typed, not bare objects: SDK generators get fields
    expect(schemaOf('UpsertUser').properties.attributes).toEqual({ $ref: '#/components/schemas/Attributes' });
    expect(schemaOf('Attributes').properties.age.oneOf).toEqual([
      { type: 'integer', minimum: 0, maximum: 200 },
      { type: 'string', pattern: expect.any(String) },
    ]);
    expect(schemaOf('BatchResult').properties.data.properties.successful.properties.count).toEqual({
      type: 'integer',
    });
  });

  it("carries every wire body of the endpoints as an example (Insider's bodies)", () => {
    for (const [path, method] of OPERATIONS) {
      const operation = op(path, method);
      expect(examples(operation, 400)).toEqual(
        expect.arrayContaining([
          { success: false, message: 'Partner is invalid.' },
          { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
          { error: 'request body is not valid JSON: bad request' },
        ]),
      );
      expect(examples(operation, 403)).toEqual([
        { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
      ]);
      expect(examples(operation, 429)).toEqual([{ error: 'rejected: too many requests' }]);
      expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
      expect(examples(operation, 500)).toEqual([
        { success: false, message: 'The request processing has failed because of an unknown error.' },
      ]);
    }
    const patch = op('/api/user/v1/identity', 'patch');
    expect(examples(patch, 400)).toEqual(
      expect.arrayContaining([
        { error: 'identifier values are the same: bad request' },
        { error: 'there must be exactly 1 entry for both new and old identifiers: bad request' },
        { error: 'new identifier already has a user assigned to it: bad request' },
        { error: 'no valid identifier: bad request' },
      ]),
    );
    expect(examples(patch, 200)).toEqual([{}]);
    expect(examples(op('/api/user/v1/identity', 'delete'), 400)).toContainEqual({
      error: 'you cannot delete the sole identifier specified for a user: bad request',
    });
    expect(examples(op('/api/user/v1/upsert', 'post'), 200)[0]).toEqual({
      data: { successful: { count: 1 }, fail: {} },
    });
    expect(examples(op('/api/user/v1/profile', 'post'), 404)).toEqual([
      { error: 'no such user for these identifiers: no data' },
    ]);

    // the endpoints that landed with issue 12
    const anonymize = op('/api/user/v1/anonymize', 'post');
    expect(examples(anonymize, 200)).toEqual([{}]);
    expect(examples(anonymize, 404)).toEqual([{ error: 'no such user for these identifiers: no data' }]);
    expect(examples(anonymize, 400)).toContainEqual({
      error: 'either insider_id or identifiers must be specified: bad request',
    });
    const columns = op('/api/user/v3/metadata/columns', 'post');
    expect(examples(columns, 400)).toContainEqual({ error: 'table must be "contacts" or "events": bad request' });
    expect(columns.responses['404']).toBeUndefined();
    expect(schemaOf('MetadataColumnsRequest')).toMatchObject({
      required: ['table'],
      properties: { table: { type: 'string', enum: ['contacts', 'events'] } },
    });
    const answer = schemaOf('MetadataColumns');
    expect(answer.type).toBe('array');
    expect(Object.keys(answer.items.properties).sort()).toEqual(['display_name', 'key', 'params', 'type']);
  });

  it('passes redocly lint (recommended-strict, examples checked against their schemas)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ih-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
      const run = await promisify(execFile)(
        process.execPath,
        [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=stylish'],
        { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
      ).catch((e: { stdout: string; stderr: string }) => e);
      expect(run.stderr).toMatch(/Your API description is valid/);
      expect(run.stderr).not.toMatch(/You have \d+ warning|error {2,}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has openapi.json and the Postman collection in sync with the code (regenerate: npm run openapi:print)', async () => {
    const openApi = renderOpenApi(t.app);
    expect(JSON.parse(openApi)).toEqual(doc); // what /docs-json serves
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApi);
    const collection = await renderPostman(openApi);
    expect(readFileSync(POSTMAN_FILE, 'utf8')).toBe(collection);
    const postman = JSON.parse(collection);
    const requests = postman.item.flatMap((folder: any) => folder.item);
    expect(requests.map((r: any) => `${r.request.method} /${r.request.url.path.join('/')}`).sort()).toEqual(
      OPERATIONS.map(([path, method]) => `${method.toUpperCase()} ${path}`).sort(),
    );
    expect(postman.auth).toMatchObject({ type: 'apikey' });
    expect(postman.variable).toEqual([
      expect.objectContaining({ key: 'baseUrl', value: 'http://localhost:3000' }),
      expect.objectContaining({ key: 'apiKey', value: '' }),
    ]);
  });
});
