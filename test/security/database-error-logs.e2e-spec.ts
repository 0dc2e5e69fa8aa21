import { Client } from 'pg';
import { Scope } from '../../src/auth/permissions';
import { CUSTOMER_TOKEN_PREFIX, sha256 } from '../../src/auth/tokens';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { directUrlOf, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new long passphrase';

const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message } } }`;
const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id } }`;
const CHANGE_PASSWORD = `mutation($old: String!, $new: String!) {
  updateActiveUserPassword(oldPassword: $old, newPassword: $new, confirmPassword: $new) { id } }`;
const ME = '{ authenticatedItem { id } }';

/**
 * Database failures while secrets are query parameters (SPEC §6: "Database errors are logged without
 * their query parameters"). Each case breaks the database under one statement, sends the request, and
 * checks the log and the answer.
 */
describe('database errors are logged without their parameters', () => {
  let t: TestApp;
  const pg = isPostgres();
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
  });
  afterAll(() => t.close());

  /**
   * Makes every `op` on `table` fail with a database error. PostgreSQL: a CHECK constraint that the
   * new row breaks (its error's `detail` then lists the whole row, hashes included). SQLite: a trigger.
   */
  async function failWrites(table: string, column: string, op: 'INSERT' | 'UPDATE'): Promise<() => Promise<void>> {
    if (pg) {
      await t.dataSource.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "test_failure" CHECK ("${column}" IS NULL) NOT VALID`,
      );
      return async () => void (await t.dataSource.query(`ALTER TABLE "${table}" DROP CONSTRAINT "test_failure"`));
    }
    await t.dataSource.query(
      `CREATE TRIGGER "test_failure" BEFORE ${op} ON "${table}" BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END`,
    );
    return async () => void (await t.dataSource.query('DROP TRIGGER "test_failure"'));
  }

  /** Makes every query on `table` fail: the table is gone (renamed) until the returned function runs. */
  async function dropTable(table: string): Promise<() => Promise<void>> {
    await t.dataSource.query(`ALTER TABLE "${table}" RENAME TO "${table}_gone"`);
    return async () => void (await t.dataSource.query(`ALTER TABLE "${table}_gone" RENAME TO "${table}"`));
  }

  /** What this request logged: at least one error line, and no secret. */
  function expectCleanLog(from: number, secrets: string[]) {
    const lines = t.logs.slice(from);
    const errors = lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const text = lines.join('\n');
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/[0-9a-f]{64}/i); // a token or the SHA-256 of one
    for (const secret of secrets) expect(text).not.toContain(secret);
    // What helps is kept: the statement (without values) and the database's message.
    const err = (JSON.parse(errors[0]) as { err: { query?: string; message: string; parameters?: unknown } }).err;
    expect(err.message).toBeTruthy();
    expect(err.parameters).toBeUndefined();
    return err;
  }

  /** The client's answer: a generic error, no SQL, no database message, no secret. */
  function expectNoLeak(body: unknown, secrets: string[]) {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/SELECT |INSERT INTO|UPDATE "|Sqlite|QueryFailed|constraint|no such table|does not exist/);
    expect(text).not.toMatch(/argon2|trigger|terminat|[0-9a-f]{64}/i);
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it('registration: the INSERT with the new argon2 hash fails', async () => {
    const restore = await failWrites('users', 'password_hash', 'INSERT');
    const from = t.logs.length;
    try {
      const res = await t.gql(REGISTER, { data: { email: 'reg-fail@example.com', password: PASSWORD } });
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors?.[0].message).toBe('Internal server error');
      expectNoLeak(res.body, [PASSWORD]);
    } finally {
      await restore();
    }
    const err = expectCleanLog(from, [PASSWORD]);
    expect(err.query).toMatch(/^INSERT INTO "users"/);
  });

  it('sign-in: the INSERT of the new session (its token hash) fails', async () => {
    const { user } = await seedUser(t, { password: PASSWORD });
    const restore = await failWrites('sessions', 'token_hash', 'INSERT');
    const from = t.logs.length;
    try {
      const res = await t.gql(SIGN_IN, { email: user.email, password: PASSWORD });
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      expectNoLeak(res.body, [PASSWORD]);
    } finally {
      await restore();
    }
    const err = expectCleanLog(from, [PASSWORD]);
    expect(err.query).toMatch(/^INSERT INTO "sessions"/);
  });

  it('password change: the UPDATE with the new argon2 hash fails', async () => {
    const { token } = await seedUser(t, { password: PASSWORD });
    const restore = await failWrites('users', 'password_hash', 'UPDATE');
    const from = t.logs.length;
    try {
      const res = await t.gql(CHANGE_PASSWORD, { old: PASSWORD, new: NEW_PASSWORD }, token);
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      expectNoLeak(res.body, [token, PASSWORD, NEW_PASSWORD]);
    } finally {
      await restore();
    }
    expectCleanLog(from, [token, sha256(token), PASSWORD, NEW_PASSWORD]);
  });

  it.each([
    ['a session token', 'sessions'],
    ['a customer token', 'users'],
  ])('looking up %s (its SHA-256 is the parameter) when its table is gone', async (_kind, table) => {
    const { user, token: session } = await seedUser(t);
    const token = table === 'users' ? await seedCustomerToken(t, user.id) : session;
    if (table === 'users') expect(token.startsWith(CUSTOMER_TOKEN_PREFIX)).toBe(true);
    const restore = await dropTable(table);
    const from = t.logs.length;
    try {
      const res = await t.gql(ME, {}, token);
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      expectNoLeak(res.body, [token, sha256(token)]);
    } finally {
      await restore();
    }
    const err = expectCleanLog(from, [token, sha256(token)]);
    expect(err.query).toMatch(/^SELECT /);
    expect((await t.gql(ME, {}, token)).data.authenticatedItem).toEqual({ id: user.id }); // the table is back
  });

  it('looking up an API token on the partner API (REST) when its table is gone', async () => {
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    const restore = await dropTable('api_tokens');
    const from = t.logs.length;
    try {
      const res = await t.rest('post', '/api/user/v1/upsert', {
        headers: { 'x-partner-name': 'default', 'x-request-token': token },
        body: { users: [{ identifiers: { email: 'rest-fail@example.com' } }] },
      });
      expect(res.status).toBe(500);
      expectNoLeak(res.body, [token, sha256(token)]);
    } finally {
      await restore();
    }
    expectCleanLog(from, [token, sha256(token)]);
  });

  (pg ? it : it.skip)('PostgreSQL: the connection is terminated in the middle of the session INSERT', async () => {
    const { user } = await seedUser(t, { password: PASSWORD });
    const table = `"${t.config.database.schema ?? 'public'}"."sessions"`;
    const locker = new Client({ connectionString: directUrlOf(t.config.database.url) });
    await locker.connect();
    const from = t.logs.length;
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      const pending = t.gql(SIGN_IN, { email: user.email, password: PASSWORD });
      let waiting: number | undefined;
      for (let i = 0; i < 200 && waiting === undefined; i++) {
        const rows = await locker.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE relation = '${table}'::regclass AND NOT granted`,
        );
        waiting = rows.rows[0]?.pid;
        if (waiting === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      expect(waiting).toBeDefined();
      await locker.query('SELECT pg_terminate_backend($1)', [waiting]);
      await locker.query('ROLLBACK');
      const res = await pending;
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      expectNoLeak(res.body, [PASSWORD]);
    } finally {
      await locker.end();
    }
    const err = expectCleanLog(from, [PASSWORD]);
    expect(err.message).toMatch(/terminat/i);
  });
});
