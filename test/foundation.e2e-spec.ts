import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchema } from '../scripts/print-schema';
import { startTestApp, TestApp } from './helpers/test-app';

describe('service foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /health with the database status and a new X-Request-Id', async () => {
    const res = await t.rest('get', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the caller X-Request-Id', async () => {
    const res = await t.rest('get', '/health', { headers: { 'X-Request-Id': 'trace-abc.123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    const gql = await t.http().post('/graphql').set('x-request-id', 'gql-42').send({ query: '{ __typename }' });
    expect(gql.headers['x-request-id']).toBe('gql-42');
  });

  it('replaces an insane X-Request-Id with a fresh one', async () => {
    const res = await t.rest('get', '/health', { headers: { 'X-Request-Id': 'a b\tc' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves every ISO 3166-1 country, publicly', async () => {
    const res = await t.gql<{ countries: { iso2: string; iso3: string; name: string }[] }>(
      '{ countries { iso2 iso3 name } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.countries).toHaveLength(249);
    expect(res.data.countries).toContainEqual({ iso2: 'FI', iso3: 'FIN', name: 'Finland' });
    expect(res.data.countries).toContainEqual({ iso2: 'US', iso3: 'USA', name: 'United States of America' });
    expect(new Set(res.data.countries.map((c) => c.iso2)).size).toBe(249);
  });

  it('accepts a raw application/graphql document at /v1/graphql', async () => {
    const res = await t
      .http()
      .post('/v1/graphql')
      .set('content-type', 'application/graphql')
      .send('query {\n  countries { iso2, },\n}');
    expect(res.status).toBe(200);
    expect(res.body.data.countries).toHaveLength(249);
  });

  it('accepts application/json at /v1/graphql', async () => {
    const res = await t.http().post('/v1/graphql').send({ query: '{ countries { iso2 } }' });
    expect(res.status).toBe(200);
    expect(res.body.data.countries[0]).toEqual({ iso2: 'AF' });
  });

  it('answers a syntax error as BAD_USER_INPUT with the parser message and no stack', async () => {
    const res = await t.gql('{ countries { iso2 ');
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/Syntax Error/);
    expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|at .*\.js/);
  });

  it('answers an unknown field as BAD_USER_INPUT naming it', async () => {
    const res = await t.gql('{ countries { nope } }');
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/^Cannot query field "nope" on type "Country"\./);
  });

  it('answers malformed JSON with a 400 that says so', async () => {
    const res = await t.http().post('/graphql').set('content-type', 'application/json').send('{"query": ');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toMatch(/JSON/);
  });

  it('answers an unknown route with 404 JSON', async () => {
    const res = await t.rest('get', '/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('has run every migration, and the entity model needs no further schema change', async () => {
    const pending = await t.dataSource.showMigrations();
    expect(pending).toBe(false);
    const sql = await t.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has schema.graphql in sync with the code (regenerate: npm run schema:print)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(renderSchema(t.app)).toBe(committed);
  });
});

describe('health when the database is gone', () => {
  it('answers 503', async () => {
    const t = await startTestApp();
    try {
      await t.dataSource.destroy();
      const res = await t.rest('get', '/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    } finally {
      await t.dataSource.initialize();
      await t.close();
    }
  });
});

describe('NUL characters', () => {
  it('are bad input on every API, never a 500 (PostgreSQL cannot store them)', async () => {
    const t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    try {
      const inline = await t.gql(
        'mutation { registerUser(data: { email: "a\\u0000@example.com", password: "long enough passphrase" }) { id } }',
      );
      expect([inline.code, inline.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'Text must not contain NUL (\\u0000) characters',
      ]);
      const variables = await t.gql(
        'mutation($e: String!) { authenticateUserWithPassword(email: $e, password: "x") { __typename } }',
        { e: 'x\u0000y' },
      );
      expect(variables.code).toBe('BAD_USER_INPUT');
      const { seedApiToken } = await import('./helpers/factories');
      const { token } = await seedApiToken(t, ['identities:write']);
      const rest = await t.rest('post', '/api/user/v1/upsert', {
        headers: { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token },
        body: { users: [{ identifiers: { email: 'n\u0000@example.com' } }] },
      });
      expect([rest.status, rest.body]).toEqual([
        400,
        { error: 'Text must not contain NUL (\\u0000) characters: bad request' },
      ]);
    } finally {
      await t.close();
    }
  });
});
