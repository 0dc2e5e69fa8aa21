import { Scope } from '../../src/auth/permissions';
import { seedApiToken } from '../helpers/factories';
import { PARTNER_BASE } from '../helpers/partner';
import { startTestApp, TestApp } from '../helpers/test-app';

// Direct connections only: scripts/pgbouncer-test.sh runs test/database through a pooler in transaction
// mode (with DATABASE_PREPARED_STATEMENTS=false), where a connection's prepared statements are not ours.
const postgres = (process.env.DATABASE_URL ?? '').startsWith('postgres') && !process.env.TEST_DIRECT_DATABASE_URL;
const STATEMENT = 'ih_change-identifier-value';

/**
 * The REST PATCH's statement is a named prepared statement on PostgreSQL (DATABASE_PREPARED_STATEMENTS,
 * on by default), unnamed when it is off, and a pooler that loses it (transaction mode) costs a warning,
 * never a failed request. One pooled connection, so what the test reads is that connection's state.
 */
(postgres ? describe : describe.skip)('named prepared statements (PostgreSQL)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  async function start(preparedStatements?: string) {
    const t = await startTestApp({
      captureLogs: true,
      env: {
        PARTNER_NAME: 'prep',
        DATABASE_POOL_SIZE: '1',
        ...(preparedStatements === undefined ? {} : { DATABASE_PREPARED_STATEMENTS: preparedStatements }),
      },
    });
    apps.push(t);
    const token = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    const headers = { 'X-PARTNER-NAME': 'prep', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
    const call = (method: 'patch' | 'post', path: string, body: unknown) =>
      t.rest(method, `${PARTNER_BASE}${path}`, { headers, body });
    const ok = await call('post', '/upsert', {
      users: [{ identifiers: { uuid: 'u-1' } }, { identifiers: { uuid: 'u-9' } }],
    });
    expect(ok.body.data).toEqual({ successful: { count: 2 }, fail: {} });
    const patch = (from: string, to: string) =>
      call('patch', '/identity', { old_identifier: { uuid: from }, new_identifier: { uuid: to } });
    const prepared = async () =>
      (await t.dataSource.query<{ name: string }[]>('SELECT name FROM pg_prepared_statements')).map((r) => r.name);
    return { t, patch, prepared };
  }

  it('prepares the PATCH statement once per connection, and answers as before', async () => {
    const { patch, prepared } = await start();
    expect(await prepared()).not.toContain(STATEMENT);
    expect((await patch('u-1', 'u-2')).body).toEqual({});
    expect(await prepared()).toContain(STATEMENT);
    expect((await patch('u-2', 'u-3')).body).toEqual({});
    // the prepared statement's answers: a taken value, an unknown one
    const taken = await patch('u-3', 'u-9');
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ error: expect.stringContaining('new identifier already has a user assigned to it') });
    const unknown = await patch('nobody', 'u-10');
    expect(unknown.status).toBe(404);
    expect((await prepared()).filter((name) => name === STATEMENT)).toHaveLength(1);
  });

  it('sends it unnamed with DATABASE_PREPARED_STATEMENTS=false', async () => {
    const { patch, prepared } = await start('false');
    expect((await patch('u-1', 'u-2')).body).toEqual({});
    expect((await patch('u-2', 'u-3')).body).toEqual({});
    expect(await prepared()).not.toContain(STATEMENT);
  });

  it('a statement lost by a pooler: the request still succeeds, unnamed from then on, with one warning', async () => {
    const { t, patch, prepared } = await start();
    expect((await patch('u-1', 'u-2')).body).toEqual({});
    // What a pooler in transaction mode does: the next Bind reaches a server connection without it.
    await t.dataSource.query(`DEALLOCATE "${STATEMENT}"`);
    const res = await patch('u-2', 'u-3');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await patch('u-3', 'u-4')).body).toEqual({});
    expect(await prepared()).not.toContain(STATEMENT);
    const warnings = t.logs.filter((line) => line.includes('lost a named prepared statement'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('DATABASE_PREPARED_STATEMENTS=false');
  });
});
