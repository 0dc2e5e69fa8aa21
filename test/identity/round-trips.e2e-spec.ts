import { Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { partnerCalls, PartnerApp, startPartnerApp } from '../helpers/partner';

/**
 * The statements (database round trips, BEGIN and COMMIT included) of the identity hot paths, counted
 * with TypeORM's query logger: a regression here is a slower request at any load.
 */
describe('identity hot paths: statements per request', () => {
  let p: PartnerApp;
  let token: string;
  const { send, upsert } = partnerCalls(() => p);
  const postgres = () => p.t.config.database.engine === 'postgres';

  beforeAll(async () => {
    p = await startPartnerApp();
    token = (await seedApiToken(p.t, [Scope.IdentitiesWrite])).token;
    const res = await upsert([{ identifiers: { email: 'known@example.com', uuid: 'known-1' } }]);
    expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
  });
  afterAll(() => p.t.close());

  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const statements: string[] = [];
    const logger = p.t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (q, parameters, runner) => {
      // not the request's: the background statistics refresh a bulk write may start (TableStatistics)
      if (!/^(ANALYZE |SELECT sum\(greatest\(reltuples)/.test(q)) statements.push(q.replace(/\s+/g, ' ').trim());
      return original(q, parameters, runner);
    };
    try {
      await work();
    } finally {
      logger.logQuery = original;
    }
    return statements;
  }

  const UPSERT = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email attributes { name value } } }`;
  const upsertIdentity = async (identity: Record<string, unknown>) => {
    const res = await p.t.gql(UPSERT, { identity }, { basic: token });
    expect(res.errors).toBeUndefined();
    return res.data.upsertIdentity as { id: string; email: string; attributes: { name: string; value: string }[] };
  };

  it('upsertIdentity of a known email: one statement on PostgreSQL (a transaction of two on SQLite)', async () => {
    // warm: identity settings and credentials cached, the attribute names recorded in the catalogue
    // (a name new to it is recorded in the write's transaction: see the metadata columns specs)
    await upsertIdentity({
      email: 'known@example.com',
      attributes: [
        { name: 'tier', value: 'Silver' },
        { name: 'size', value: '41' },
      ],
    });
    const statements = await statementsOf(() =>
      p.t.gql(
        `mutation { upsertIdentity(identity: { email: "Known@Example.com", attributes: [{ name: "tier", value: "Gold" }, { name: "size", value: "42" }] }) { id } }`,
        {},
        { basic: token },
      ),
    );
    if (postgres()) {
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(
        /^WITH p AS \(UPDATE identity_profiles .* RETURNING .*\), w AS \(INSERT INTO identity_attributes/,
      );
    } else {
      expect(statements).toEqual([
        'BEGIN TRANSACTION',
        expect.stringMatching(/^UPDATE identity_profiles SET updated_at/),
        expect.stringMatching(/^INSERT INTO identity_attributes/),
        'COMMIT',
      ]);
    }
    // what the statement wrote and answered
    const again = await upsertIdentity({ email: 'known@example.com', attributes: [{ name: 'size', value: '43' }] });
    expect(again.attributes).toEqual([
      { name: 'size', value: '43' },
      { name: 'tier', value: 'Gold' },
    ]);
  });

  it('upsertIdentity of a known email without attributes: one statement, no transaction on PostgreSQL', async () => {
    const statements = await statementsOf(() => upsertIdentity({ email: 'known@example.com' }));
    // the answer's email and attributes fields add their two reads
    expect(statements.filter((s) => /^(UPDATE|INSERT|WITH)/.test(s))).toHaveLength(1);
    expect(statements.some((s) => /^(BEGIN|START TRANSACTION)/.test(s))).toBe(!postgres());
  });

  it('upsertIdentity of a new email creates it with its attributes and answers it', async () => {
    const created = await upsertIdentity({
      email: 'new-one@example.com',
      attributes: [{ name: 'tier', value: 'Silver' }],
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/), // a time-ordered id
      email: 'new-one@example.com',
      attributes: [{ name: 'tier', value: 'Silver' }],
    });
  });

  it('updateActiveUser(name): on PostgreSQL a read, then one compare-and-set statement with its audit entry', async () => {
    const { user, token: session } = await seedUser(p.t, { name: 'Before' });
    const rename = (name: string) =>
      p.t.gql(
        `mutation($name: String!) { updateActiveUser(data: { name: $name }) { id name emailVerified } }`,
        { name },
        session,
      );
    expect((await rename('Warm')).errors).toBeUndefined(); // the session cached
    let answer: unknown;
    const statements = await statementsOf(async () => {
      answer = (await rename('After')).data;
    });
    expect(answer).toEqual({ updateActiveUser: { id: user.id, name: 'After', emailVerified: false } });
    if (postgres()) {
      expect(statements).toEqual([
        expect.stringMatching(/^SELECT "id", .*"name".* FROM users WHERE id = \$1$/),
        expect.stringMatching(
          /^WITH updated AS \(UPDATE users SET "name" = \$2, updated_at = CURRENT_TIMESTAMP WHERE id = \$1 AND "name" IS NOT DISTINCT FROM \$3 RETURNING "id", .*\), audited AS \(INSERT INTO audit_events /,
        ),
      ]);
    }
    // what the audit trail recorded: the change from the row as it was
    const rows = await p.t.dataSource.query(
      `SELECT action, changes FROM audit_events WHERE resource_id = '${user.id}' ORDER BY id`,
    );
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['user.updated', 'user.updated']);
    expect(JSON.parse(rows[1].changes)).toEqual([{ field: 'name', old: expect.any(String), new: expect.any(String) }]);
    expect(JSON.parse(rows[1].changes)[0].old).not.toEqual(JSON.parse(rows[1].changes)[0].new);
  });

  it('createActiveUserAddress: one call on PostgreSQL (owner locked, then counted; address and audit entry written)', async () => {
    const { user, token: session } = await seedUser(p.t);
    const create = (city: string) =>
      p.t.gql(
        `mutation($city: String!) { createActiveUserAddress(data: { city: $city, isBilling: false }) { id } }`,
        { city },
        session,
      );
    expect((await create('Warm')).errors).toBeUndefined();
    let answer: unknown;
    const statements = await statementsOf(async () => {
      answer = (await create('Espoo')).data;
    });
    expect(answer).toEqual({ createActiveUserAddress: { id: user.id } });
    if (postgres()) {
      expect(statements).toEqual([
        expect.stringMatching(
          /^SELECT \(r\.owner\)\."id", .*, r\.address_count FROM create_user_address\(\$1, \$2, \$3, \$4\) r$/,
        ),
      ]);
    }
    // what was written, as the API reads it back
    const read = await p.t.gql(`{ authenticatedItem { ... on User { addresses { city isBilling } } } }`, {}, session);
    expect(read.data).toEqual({
      authenticatedItem: {
        addresses: [
          { city: 'Warm', isBilling: false },
          { city: 'Espoo', isBilling: false },
        ],
      },
    });
  });

  it('PATCH /identity: one statement, no transaction', async () => {
    await send('patch', '/identity', { old_identifier: { uuid: 'known-1' }, new_identifier: { uuid: 'known-2' } });
    const statements = await statementsOf(async () => {
      const res = await send('patch', '/identity', {
        old_identifier: { uuid: 'known-2' },
        new_identifier: { uuid: 'known-3' },
      });
      expect([res.status, res.body]).toEqual([200, {}]);
    });
    expect(statements).toEqual(
      postgres()
        ? [
            // the suppression of the new value (SPEC §10) is checked inside the same statement
            'UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3 AND NOT EXISTS (SELECT 1 FROM identity_suppressions WHERE hash = $4) RETURNING profile_id',
          ]
        : [
            'BEGIN TRANSACTION',
            'UPDATE identity_identifiers SET value = ? WHERE type = ? AND value = ? AND NOT EXISTS (SELECT 1 FROM identity_suppressions WHERE hash = ?) RETURNING profile_id',
            'COMMIT',
          ],
    );
  });

  it('/upsert of 200 new users: one lookup of their identifiers, then one transaction of three inserts', async () => {
    const users = Array.from({ length: 200 }, (_, i) => ({
      identifiers: { email: `batch-${i}@example.com` },
      attributes: { name: `B${i}`, custom: { tier: 'Gold' } },
    }));
    const statements = await statementsOf(async () => {
      const res = await upsert(users);
      expect(res.body.data).toEqual({ successful: { count: 200 }, fail: {} });
    });
    const kinds = statements.map((s) => s.split(' ').slice(0, 3).join(' '));
    expect(kinds).toEqual([
      // 200 identifiers: one statement, identifiers and merge aliases together (on SQLite in slices of 400)
      postgres() ? 'SELECT i.profile_id, i.type,' : 'SELECT profile_id, type,',
      // the identifiers no profile holds: are any erased and suppressed? (SPEC §10; none for known users)
      'SELECT hash FROM',
      postgres() ? 'START TRANSACTION' : 'BEGIN TRANSACTION',
      'INSERT INTO identity_profiles',
      'INSERT INTO identity_identifiers',
      'INSERT INTO identity_attributes',
      'COMMIT',
    ]);
    // written as one array per column on PostgreSQL: the times are the times
    const res = await p.t.gql(
      '{ identity(email: "batch-7@example.com") { createdAt updatedAt attributes { name value } } }',
      {},
      { basic: token },
    );
    const { createdAt, updatedAt, attributes } = res.data.identity;
    expect(Math.abs(Date.parse(createdAt) - Date.now())).toBeLessThan(60_000);
    expect(updatedAt).toBe(createdAt);
    expect(attributes).toEqual([{ name: 'tier', value: 'Gold' }]);
  });
});
