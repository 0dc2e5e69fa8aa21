import { Scope } from '../../src/auth/permissions';
import { query } from '../../src/database/sql';
import { TransactionService } from '../../src/database/transaction.service';
import { seedApiToken, seedUser } from '../helpers/factories';
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
    return { t, token, call, patch, prepared };
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

  it("prepares updateActiveUser's read and its update once per connection, one update per set of columns", async () => {
    const { t, prepared } = await start();
    const { user, token } = await seedUser(t, { name: 'Before' });
    const update = (data: Record<string, string>) =>
      t.gql(
        `mutation($data: UserUpdateProfileInput!) { updateActiveUser(data: $data) { id name phone } }`,
        { data },
        token,
      );
    expect((await update({ name: 'One' })).data).toEqual({
      updateActiveUser: { id: user.id, name: 'One', phone: null },
    });
    expect((await update({ name: 'Two' })).data).toEqual({
      updateActiveUser: { id: user.id, name: 'Two', phone: null },
    });
    const shapes = async () =>
      (await prepared())
        .filter((name) => name.startsWith('ih_user-'))
        .map((name) => name.replace(/_[0-9a-f]{16}$/, ''))
        .sort();
    expect(await shapes()).toEqual(['ih_user-by-id', 'ih_user-update']);
    // another set of columns is another statement; the same set again reuses it
    const both = await update({ name: 'Three', phone: '+358401234567' });
    expect(both.data).toEqual({ updateActiveUser: { id: user.id, name: 'Three', phone: '+358401234567' } });
    expect((await update({ name: 'Four' })).data).toEqual({
      updateActiveUser: { id: user.id, name: 'Four', phone: '+358401234567' },
    });
    expect(await shapes()).toEqual(['ih_user-by-id', 'ih_user-update', 'ih_user-update']);
    // the audit trail has each change from the row as it was (personal values masked)
    const rows = await t.dataSource.query<{ changes: string }[]>(
      `SELECT changes FROM audit_events WHERE resource_id = $1 AND action = 'user.updated' ORDER BY id`,
      [user.id],
    );
    expect(rows.map((r) => JSON.parse(r.changes))).toEqual([
      [{ field: 'name', old: 'B***', new: 'O***' }],
      [{ field: 'name', old: 'O***', new: 'T***' }],
      [
        { field: 'name', old: 'T***', new: 'T***' },
        { field: 'phone', old: null, new: '+***' },
      ],
      [{ field: 'name', old: 'T***', new: 'F***' }],
    ]);
  });

  it("prepares upsertIdentity's statement and createActiveUserAddress's call, and answers as before", async () => {
    const { t, token, prepared } = await start();
    const upsert = (value: string) =>
      t.gql(
        `mutation($v: String!) { upsertIdentity(identity: { email: "p@example.com", attributes: [{ name: "tier", value: $v }] }) { email attributes { name value } } }`,
        { v: value },
        { basic: token },
      );
    expect((await upsert('Silver')).data).toEqual({
      upsertIdentity: { email: 'p@example.com', attributes: [{ name: 'tier', value: 'Silver' }] },
    });
    // a known email: the one statement, named
    expect((await upsert('Gold')).data).toEqual({
      upsertIdentity: { email: 'p@example.com', attributes: [{ name: 'tier', value: 'Gold' }] },
    });
    expect(await prepared()).toContain('ih_write-by-identifier');

    const { user, token: session } = await seedUser(t);
    const add = (city: string) =>
      t.gql(
        `mutation($city: String!) { createActiveUserAddress(data: { city: $city, isBilling: false }) { id email addresses { city } } }`,
        { city },
        session,
      );
    expect((await add('Espoo')).data).toEqual({
      createActiveUserAddress: { id: user.id, email: user.email, addresses: [{ city: 'Espoo' }] },
    });
    expect((await add('Vantaa')).data).toEqual({
      createActiveUserAddress: { id: user.id, email: user.email, addresses: [{ city: 'Espoo' }, { city: 'Vantaa' }] },
    });
    expect((await prepared()).filter((name) => name.startsWith('ih_create-user-address_'))).toHaveLength(1);
  });

  it("names a transaction's statements on their third use, and a write still succeeds when a pooler loses one", async () => {
    const { t, call, prepared } = await start();
    const upsert = async (score: number) => {
      const res = await call('post', '/upsert', {
        users: [{ identifiers: { uuid: 'u-1' }, attributes: { custom: { score } } }],
      });
      expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
    };
    const named = async () => (await prepared()).filter((name) => name.startsWith('ih_auto_'));
    // by the third time (sooner if this process ran the same texts before): the profile's UPDATE and
    // the attribute's INSERT are named
    await upsert(1);
    await upsert(2);
    await upsert(3);
    const names = await named();
    expect(names.length).toBeGreaterThanOrEqual(2);
    await upsert(4);
    expect(await named()).toEqual(names); // and reused
    const score = async () =>
      (await call('post', '/profile', { identifiers: { uuid: 'u-1' }, attributes: ['c_score'] })).body.attributes;
    expect(await score()).toEqual(expect.objectContaining({ c_score: 4 }));

    // What a pooler in transaction mode does: the next Bind reaches a server connection without them.
    for (const name of names) await t.dataSource.query(`DEALLOCATE "${name}"`);
    await upsert(5); // the transaction is run again, unnamed
    expect(await score()).toEqual(expect.objectContaining({ c_score: 5 }));
    await upsert(6);
    expect(await named()).toEqual([]);
    const warnings = t.logs.filter((line) => line.includes('lost a named prepared statement'));
    expect(warnings).toHaveLength(1);
  });

  it('a transaction whose named statement was lost runs once more, unnamed', async () => {
    const { t, prepared } = await start();
    const tx = t.app.get(TransactionService);
    const TEXT = 'SELECT $1::int + 1 AS n';
    let attempts = 0;
    const run = (n: number) =>
      tx.run(async (manager) => {
        attempts++;
        const [row] = await query<{ n: number }>(manager, TEXT, [n]);
        return row.n;
      });
    for (const n of [1, 2, 3]) expect(await run(n)).toBe(n + 1);
    expect((await prepared()).filter((s) => s.startsWith('ih_auto_')).length).toBeGreaterThan(0);
    await t.dataSource.query('DEALLOCATE ALL');
    attempts = 0;
    expect(await run(41)).toBe(42);
    expect(attempts).toBe(2);
    expect(t.logs.filter((line) => line.includes('lost a named prepared statement'))).toHaveLength(1);
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
