import { PartnerApp, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe("the partner API's OpenAPI document", () => {
  let t: TestApp;
  let app: PartnerApp;

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

  it('serves an OpenAPI document at /docs with every request and error body of the eight endpoints', async () => {
    const ui = await t.rest('get', '/docs');
    expect([ui.status, ui.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    const res = await t.rest('get', '/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths).sort()).toEqual([
      '/api/user/v1/anonymize',
      '/api/user/v1/attribute/delete',
      '/api/user/v1/delete',
      '/api/user/v1/identity',
      '/api/user/v1/profile',
      '/api/user/v1/upsert',
      '/api/user/v3/metadata/columns',
    ]);
    expect(Object.keys(paths['/api/user/v1/identity']).sort()).toEqual(['delete', 'patch']);
    const bodies = (op: any, status: number) =>
      Object.values(op.responses[String(status)].content['application/json'].examples).map((e: any) => e.value);
    const operations = [
      paths['/api/user/v1/identity'].patch,
      paths['/api/user/v1/identity'].delete,
      paths['/api/user/v1/upsert'].post,
      paths['/api/user/v1/attribute/delete'].post,
      paths['/api/user/v1/profile'].post,
      paths['/api/user/v1/delete'].post,
      paths['/api/user/v1/anonymize'].post,
      paths['/api/user/v3/metadata/columns'].post,
    ];
    for (const op of operations) {
      expect(op.requestBody.content['application/json'].schema.example).toEqual(expect.any(Object));
      expect(bodies(op, 400)).toEqual(
        expect.arrayContaining([
          { success: false, message: 'Partner is invalid.' },
          { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
          { error: 'request body is not valid JSON: bad request' },
        ]),
      );
      expect(bodies(op, 403)).toEqual([
        { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
      ]);
      expect(bodies(op, 429)).toEqual([{ error: 'rejected: too many requests' }]);
      expect(op.responses['429'].headers['Retry-After']).toBeDefined();
      expect(bodies(op, 500)).toEqual([
        { success: false, message: 'The request processing has failed because of an unknown error.' },
      ]);
    }
    expect(bodies(operations[0], 400)).toEqual(
      expect.arrayContaining([
        { error: 'identifier values are the same: bad request' },
        { error: 'there must be exactly 1 entry for both new and old identifiers: bad request' },
        { error: 'new identifier already has a user assigned to it: bad request' },
        { error: 'no valid identifier: bad request' },
      ]),
    );
    expect(bodies(operations[0], 200)).toEqual([{}]);
    expect(bodies(operations[1], 400)).toContainEqual({
      error: 'you cannot delete the sole identifier specified for a user: bad request',
    });
    expect(bodies(operations[2], 200)[0]).toEqual({ data: { successful: { count: 1 }, fail: {} } });
    expect(bodies(operations[4], 404)).toEqual([{ error: 'no such user for these identifiers: no data' }]);

    // the endpoints of issue 12: request and response schemas besides the examples
    const anonymize = operations[6];
    expect(anonymize.requestBody.content['application/json'].schema.properties).toEqual({
      identifiers: expect.objectContaining({ type: 'object' }),
      insider_id: { type: 'string', maxLength: 64 },
    });
    expect(anonymize.responses['200'].content['application/json'].schema).toMatchObject({ type: 'object' });
    expect(bodies(anonymize, 200)).toEqual([{}]);
    expect(bodies(anonymize, 404)).toEqual([{ error: 'no such user for these identifiers: no data' }]);
    const columns = operations[7];
    expect(columns.requestBody.content['application/json'].schema).toMatchObject({
      required: ['table'],
      properties: { table: { type: 'string', enum: ['contacts', 'events'] } },
    });
    const answer = columns.responses['200'].content['application/json'].schema;
    expect(answer.type).toBe('array');
    expect(Object.keys(answer.items.properties).sort()).toEqual(['display_name', 'key', 'params', 'type']);
    expect(bodies(columns, 400)).toContainEqual({ error: 'table must be "contacts" or "events": bad request' });
    expect(columns.responses['404']).toBeUndefined();
  });
});
