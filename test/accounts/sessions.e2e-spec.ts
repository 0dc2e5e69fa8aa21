import { randomBytes } from 'node:crypto';
import { CredentialService } from '../../src/auth/credential.service';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { Permission, Scope } from '../../src/auth/permissions';
import { MAX_SESSIONS_PER_USER, SessionEntity } from '../../src/auth/session.entity';
import { SessionService } from '../../src/auth/session.service';
import { randomToken, sha256 } from '../../src/auth/tokens';
import { newId } from '../../src/database/columns';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { Credential, freshDatabase, secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

/** SPEC §7, sessions: listing, revocation (own, others, admins'), the cap, lastUsedAt, the purge. */

const PASSWORD = 'a sessions passphrase';
const SESSION_FIELDS = 'id createdAt lastUsedAt expiresAt ipAddress userAgent current';
const LIST = `{ activeUserSessions { ${SESSION_FIELDS} } }`;
const REVOKE = 'mutation($id: ID!) { revokeActiveUserSession(id: $id) }';
const REVOKE_OTHERS = 'mutation { revokeOtherActiveUserSessions }';
const USER_SESSIONS = `query($w: UserWhereUniqueInput!) { userSessions(where: $w) { ${SESSION_FIELDS} } }`;
const REVOKE_USER = 'mutation($w: UserWhereUniqueInput!) { revokeUserSessions(where: $w) }';
const ME = '{ authenticatedItem { id } }';
const SIGN_IN = `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
  ... on UserAuthenticationWithPasswordSuccess { sessionToken }
  ... on UserAuthenticationWithPasswordFailure { message } } }`;
const CURRENT_MESSAGE = 'This is the session you are using: end it with endSession';
const STAFF_MESSAGE = 'The sessions of a user who has a role need the canManageRoles permission';

interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

/** Signs in over HTTP with the given headers; returns the session token. */
async function signIn(t: TestApp, email: string | null, headers: Record<string, string> = {}): Promise<string> {
  const res = await t
    .http()
    .post('/graphql')
    .set({ 'content-type': 'application/json', ...headers })
    .send({ query: SIGN_IN, variables: { e: email, p: PASSWORD } });
  const token = res.body.data?.authenticateUserWithPassword?.sessionToken;
  if (!token) throw new Error(`sign-in failed: ${JSON.stringify(res.body)}`);
  return token;
}

async function list(t: TestApp, token: Credential): Promise<SessionView[]> {
  const res = await t.gql<{ activeUserSessions: SessionView[] }>(LIST, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data.activeUserSessions;
}

/** The id of the session a token belongs to. */
async function sessionId(t: TestApp, token: string): Promise<string> {
  const row = await t.dataSource.getRepository(SessionEntity).findOneByOrFail({ tokenHash: sha256(token) });
  return row.id;
}

/** Whether the token still authenticates (UNAUTHENTICATED otherwise). */
async function works(t: TestApp, token: string): Promise<boolean> {
  const res = await t.gql(ME, {}, token);
  if (res.code === 'UNAUTHENTICATED') return false;
  expect(res.errors).toBeUndefined();
  return true;
}

/** Inserts a session straight into the database (to set the scene); returns its token and id. */
async function insertSession(
  t: TestApp,
  userId: string,
  options: { lastUsedAt?: Date; expiresAt?: Date } = {},
): Promise<{ token: string; id: string }> {
  const token = randomToken();
  const id = newId();
  await t.dataSource.getRepository(SessionEntity).insert({
    id,
    tokenHash: sha256(token),
    userId,
    lastUsedAt: options.lastUsedAt ?? new Date(),
    expiresAt: options.expiresAt ?? new Date(Date.now() + 3_600_000),
  });
  return { token, id };
}

/** The database URL of a running test app, for a second instance on the same data. */
function databaseUrlOf(t: TestApp): string {
  return secondInstanceUrl(t.config);
}

describe('sessions (SPEC §7)', () => {
  let t: TestApp;
  const tag = randomBytes(4).toString('hex');
  let n = 0;
  /** A customer with a password (so they can sign in) and a first session. */
  const customer = (options: Parameters<typeof seedUser>[1] = {}) =>
    seedUser(t, { email: `sessions-${tag}-${n++}@example.com`, password: PASSWORD, ...options });

  beforeAll(async () => {
    // Loopback is a trusted proxy here, so a sign-in's X-Forwarded-For is the client address.
    t = await startTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1/8,::1/128' } });
  });
  afterAll(() => t?.close());

  describe('activeUserSessions', () => {
    it('lists the live sessions with address, user agent, current and lastUsedAt, most recently used first', async () => {
      const me = await customer();
      const before = Date.now();
      const phone = await signIn(t, me.user.email, {
        'user-agent': 'Mozilla/5.0 (iPhone) Safari/605.1',
        'x-forwarded-for': '203.0.113.7',
      });
      const laptop = await signIn(t, me.user.email, {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        'x-forwarded-for': '2001:db8::42',
      });
      // an expired session is not listed
      await insertSession(t, me.user.id, { expiresAt: new Date(Date.now() - 1000) });

      const sessions = await list(t, laptop);
      expect(sessions).toHaveLength(3); // the seeded session, the phone and the laptop
      const [first, second, third] = sessions;
      expect(first).toMatchObject({
        id: await sessionId(t, laptop),
        ipAddress: '2001:db8::42',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        current: true,
      });
      expect(second).toMatchObject({
        id: await sessionId(t, phone),
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (iPhone) Safari/605.1',
        current: false,
      });
      expect(third).toMatchObject({ id: await sessionId(t, me.token), ipAddress: null, userAgent: null });
      // a sign-in is the session's first use; it expires after SESSION_TTL_HOURS (720 by default)
      for (const s of [first, second]) {
        expect(s.lastUsedAt).toBe(s.createdAt);
        expect(new Date(s.createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(new Date(s.expiresAt).getTime() - new Date(s.createdAt).getTime()).toBe(720 * 3_600_000);
      }
      expect(JSON.stringify(sessions)).not.toContain(phone);
      expect(JSON.stringify(sessions)).not.toContain(sha256(phone));
    });

    it('records lastUsedAt in batches: no write per request, written by the flush', async () => {
      const me = await customer();
      const phone = await signIn(t, me.user.email);
      const laptop = await signIn(t, me.user.email);
      const signedIn = (await list(t, laptop)).find((s) => !s.current)!;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const usedAt = Date.now();
      expect(await works(t, phone)).toBe(true);
      let phoneView = (await list(t, laptop)).find((s) => s.id === signedIn.id)!;
      expect(phoneView.lastUsedAt).toBe(signedIn.lastUsedAt); // not written by the request itself
      await t.app.get(CredentialService).flushLastUsed();
      const sessions = await list(t, laptop);
      phoneView = sessions.find((s) => s.id === signedIn.id)!;
      expect(new Date(phoneView.lastUsedAt!).getTime()).toBeGreaterThanOrEqual(usedAt - 5);
      expect(new Date(phoneView.lastUsedAt!).getTime()).toBeLessThanOrEqual(Date.now());
      // most recently used first (the factory's session, never used, counts from its creation)
      const lastUse = sessions.map((s) => new Date(s.lastUsedAt ?? s.createdAt).getTime());
      expect(lastUse).toEqual([...lastUse].sort((x, y) => y - x));
    });

    it('cuts a long user agent to 512 characters; without X-Forwarded-For the socket address is recorded', async () => {
      const me = await customer();
      const token = await signIn(t, me.user.email, { 'user-agent': `Agent/${'x'.repeat(2000)}` });
      const current = (await list(t, token)).find((s) => s.current)!;
      expect(current.userAgent).toHaveLength(512);
      expect(current.userAgent!.startsWith('Agent/xxx')).toBe(true);
      expect(current.ipAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    });

    it('an untrusted X-Forwarded-For is ignored: the address is the socket address', async () => {
      const other = await startTestApp(); // no TRUSTED_PROXIES
      try {
        const me = await seedUser(other, { email: `untrusted-${tag}@example.com`, password: PASSWORD });
        const token = await signIn(other, me.user.email, { 'x-forwarded-for': '198.51.100.1' });
        const current = (await list(other, token)).find((s) => s.current)!;
        expect(current.ipAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
      } finally {
        await other.close();
      }
    });
  });

  describe('revokeActiveUserSession and revokeOtherActiveUserSessions', () => {
    it('ends another session of the caller at once (even while it is cached); then false', async () => {
      const me = await customer();
      const other = await signIn(t, me.user.email);
      expect(await works(t, other)).toBe(true); // now in the credential cache
      const id = await sessionId(t, other);
      const res = await t.gql(REVOKE, { id }, me.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.revokeActiveUserSession).toBe(true);
      expect(await works(t, other)).toBe(false);
      expect((await list(t, me.token)).map((s) => s.id)).toEqual([await sessionId(t, me.token)]);
      expect((await t.gql(REVOKE, { id }, me.token)).data.revokeActiveUserSession).toBe(false);
    });

    it("is false for an unknown id and for someone else's session, which keeps working", async () => {
      const me = await customer();
      const someoneElse = await customer();
      for (const id of [newId(), 'not-an-id', await sessionId(t, someoneElse.token)]) {
        const res = await t.gql(REVOKE, { id }, me.token);
        expect(res.errors).toBeUndefined();
        expect(res.data.revokeActiveUserSession).toBe(false);
      }
      expect(await works(t, someoneElse.token)).toBe(true);
    });

    it('refuses the current session with BAD_USER_INPUT: endSession ends it', async () => {
      const me = await customer();
      const res = await t.gql(REVOKE, { id: await sessionId(t, me.token) }, me.token);
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe(CURRENT_MESSAGE);
      expect(res.data.revokeActiveUserSession).toBeUndefined();
      expect(await works(t, me.token)).toBe(true);
    });

    it('revokeOtherActiveUserSessions ends every other live session and says how many', async () => {
      const me = await customer();
      const others = [await signIn(t, me.user.email), await signIn(t, me.user.email)];
      for (const token of others) expect(await works(t, token)).toBe(true);
      await insertSession(t, me.user.id, { expiresAt: new Date(Date.now() - 1000) }); // expired: not counted
      const someoneElse = await customer();
      const res = await t.gql(REVOKE_OTHERS, {}, me.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.revokeOtherActiveUserSessions).toBe(2);
      for (const token of others) expect(await works(t, token)).toBe(false);
      expect(await works(t, me.token)).toBe(true);
      expect(await works(t, someoneElse.token)).toBe(true);
      expect(await t.dataSource.getRepository(SessionEntity).countBy({ userId: me.user.id })).toBe(1);
      expect((await t.gql(REVOKE_OTHERS, {}, me.token)).data.revokeOtherActiveUserSessions).toBe(0);
    });

    it('a customer token cannot list or end sessions (FORBIDDEN); anonymous is UNAUTHENTICATED', async () => {
      const me = await customer();
      const ctok = await seedCustomerToken(t, me.user.id);
      const id = await sessionId(t, me.token);
      for (const [query, variables] of [
        [LIST, {}],
        [REVOKE, { id }],
        [REVOKE_OTHERS, {}],
      ] as const) {
        const refused = await t.gql(query, variables, ctok);
        expect([refused.code, refused.errors?.[0].message]).toEqual([
          'FORBIDDEN',
          'You do not have permission to perform this action',
        ]);
        expect((await t.gql(query, variables)).code).toBe('UNAUTHENTICATED');
      }
      expect(await works(t, me.token)).toBe(true);
    });
  });

  describe('admins: userSessions and revokeUserSessions', () => {
    it('a user manager lists and ends a customer’s sessions (by id or email), at once', async () => {
      const manager = await seedUser(t, { permissions: [Permission.CanManageUsers] });
      const target = await customer();
      const phone = await signIn(t, target.user.email, { 'user-agent': 'Phone/1.0', 'x-forwarded-for': '192.0.2.5' });
      expect(await works(t, phone)).toBe(true);

      const byId = await t.gql(USER_SESSIONS, { w: { id: target.user.id } }, manager.token);
      expect(byId.errors).toBeUndefined();
      expect(byId.data.userSessions).toHaveLength(2);
      expect(byId.data.userSessions[0]).toMatchObject({
        id: await sessionId(t, phone),
        ipAddress: '192.0.2.5',
        userAgent: 'Phone/1.0',
        current: false,
      });
      const byEmail = await t.gql(USER_SESSIONS, { w: { email: target.user.email!.toUpperCase() } }, manager.token);
      expect(byEmail.data.userSessions).toEqual(byId.data.userSessions);

      const revoked = await t.gql(REVOKE_USER, { w: { id: target.user.id } }, manager.token);
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data.revokeUserSessions).toBe(2);
      expect(await works(t, phone)).toBe(false);
      expect(await works(t, target.token)).toBe(false);
      expect((await t.gql(USER_SESSIONS, { w: { id: target.user.id } }, manager.token)).data.userSessions).toEqual([]);
      expect(await works(t, manager.token)).toBe(true);
    });

    it('staff: a user manager without canManageRoles is FORBIDDEN; with it, allowed; oneself always', async () => {
      const manager = await seedUser(t, { permissions: [Permission.CanManageUsers] });
      const admin = await seedUser(t, { permissions: [Permission.CanManageUsers, Permission.CanManageRoles] });
      const staff = await seedUser(t, { permissions: [Permission.CanReadUsers] });
      for (const query of [USER_SESSIONS, REVOKE_USER]) {
        const res = await t.gql(query, { w: { id: staff.user.id } }, manager.token);
        expect([res.code, res.errors?.[0].message]).toEqual(['FORBIDDEN', STAFF_MESSAGE]);
      }
      expect(await works(t, staff.token)).toBe(true);
      const own = await t.gql(USER_SESSIONS, { w: { id: manager.user.id } }, manager.token);
      expect(own.data.userSessions).toEqual([expect.objectContaining({ current: true })]);
      const listed = await t.gql(USER_SESSIONS, { w: { id: staff.user.id } }, admin.token);
      expect(listed.data.userSessions).toHaveLength(1);
      expect((await t.gql(REVOKE_USER, { w: { id: staff.user.id } }, admin.token)).data.revokeUserSessions).toBe(1);
      expect(await works(t, staff.token)).toBe(false);
    });

    it('needs canManageUsers; an unknown user is NOT_FOUND; where takes exactly one of id or email', async () => {
      const reader = await seedUser(t, { permissions: [Permission.CanReadUsers] });
      const me = await customer();
      for (const credential of [reader.token, me.token]) {
        for (const query of [USER_SESSIONS, REVOKE_USER]) {
          expect((await t.gql(query, { w: { id: me.user.id } }, credential)).code).toBe('FORBIDDEN');
        }
      }
      const manager = await seedUser(t, { permissions: [Permission.CanManageUsers] });
      const unknown = await t.gql(USER_SESSIONS, { w: { id: newId() } }, manager.token);
      expect([unknown.code, unknown.errors?.[0].message]).toEqual(['NOT_FOUND', 'User not found']);
      const both = await t.gql(REVOKE_USER, { w: { id: me.user.id, email: me.user.email } }, manager.token);
      expect([both.code, both.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'where: give exactly one of id or email',
      ]);
      expect(await works(t, me.token)).toBe(true);
    });
  });

  describe('at most 100 live sessions per user', () => {
    it('a sign-in that would make 101 ends the least recently used, at once; expired ones go too', async () => {
      const me = await customer();
      const base = Date.now() - 10 * 3_600_000;
      const seeded: { token: string; id: string }[] = [];
      // 99 more live sessions (the customer has one), used at increasing times; the first is the least recent
      for (let i = 0; i < MAX_SESSIONS_PER_USER - 1; i++) {
        seeded.push(await insertSession(t, me.user.id, { lastUsedAt: new Date(base + i * 60_000) }));
      }
      const expired = await insertSession(t, me.user.id, { expiresAt: new Date(Date.now() - 1000) });
      const leastRecent = seeded[0];
      expect(await works(t, leastRecent.token)).toBe(true); // cached now (its use is not flushed)
      const repo = t.dataSource.getRepository(SessionEntity);
      expect(await repo.countBy({ userId: me.user.id })).toBe(MAX_SESSIONS_PER_USER + 1);

      // the 101st live one
      const newest = await signIn(t, me.user.email);
      expect(await works(t, newest)).toBe(true);
      expect(await works(t, leastRecent.token)).toBe(false);
      expect(await works(t, seeded[1].token)).toBe(true);
      expect(await works(t, me.token)).toBe(true); // the factory's session was used just now
      expect(await repo.findOneBy({ id: expired.id })).toBeNull();
      expect(await repo.countBy({ userId: me.user.id })).toBe(MAX_SESSIONS_PER_USER);
      const listed = await list(t, newest);
      expect(listed).toHaveLength(MAX_SESSIONS_PER_USER);
      expect(listed[0].current).toBe(true);

      // and again: the next least recently used goes
      await signIn(t, me.user.email);
      expect(await repo.countBy({ userId: me.user.id })).toBe(MAX_SESSIONS_PER_USER);
      expect(await repo.findOneBy({ id: seeded[1].id })).toBeNull();
    });

    it('concurrent sign-ins never leave more than 100 live sessions', async () => {
      const me = await customer();
      const base = Date.now() - 3_600_000;
      for (let i = 0; i < MAX_SESSIONS_PER_USER - 2; i++) {
        await insertSession(t, me.user.id, { lastUsedAt: new Date(base + i * 1000) });
      }
      // straight to the service, without argon2 in between, so the transactions overlap
      const sessions = t.app.get(SessionService);
      const tokens = await Promise.all(Array.from({ length: 12 }, () => sessions.start(me.user.id)));
      const repo = t.dataSource.getRepository(SessionEntity);
      expect(await repo.countBy({ userId: me.user.id })).toBe(MAX_SESSIONS_PER_USER);
      for (const token of tokens) expect(await works(t, token)).toBe(true);
    });
  });

  describe('expired sessions', () => {
    it('purgeExpired deletes them in batches, and nothing live', async () => {
      const me = await customer();
      const past = new Date(Date.now() - 60_000);
      const rows = Array.from({ length: 2100 }, () => ({
        id: newId(),
        tokenHash: sha256(randomToken()),
        userId: me.user.id,
        expiresAt: past,
      }));
      const repo = t.dataSource.getRepository(SessionEntity);
      for (let i = 0; i < rows.length; i += 500) await repo.insert(rows.slice(i, i + 500));
      const purged = await t.app.get(SessionService).purgeExpired();
      expect(purged).toBeGreaterThanOrEqual(2100); // other tests' expired sessions go too
      expect(await repo.countBy({ userId: me.user.id })).toBe(1);
      expect(await works(t, me.token)).toBe(true);
      expect(await t.app.get(SessionService).purgeExpired()).toBe(0);
    });
  });
});

describe('lastUsedAt at shutdown and when the database fails', () => {
  it('is written when the application shuts down (sessions and API tokens alike)', async () => {
    const db = await freshDatabase();
    const first = await startTestApp({ databaseUrl: db.url });
    const me = await seedUser(first);
    const signedIn = new Date(Date.now() - 3_600_000);
    await first.dataSource
      .getRepository(SessionEntity)
      .update({ tokenHash: sha256(me.token) }, { lastUsedAt: signedIn });
    const apiToken = await seedApiToken(first, [Scope.IdentitiesRead]);
    const usedAt = Date.now();
    expect(await works(first, me.token)).toBe(true);
    const probe = await first.gql('{ identity(email: "nobody@example.com") { id } }', {}, { basic: apiToken.token });
    expect(probe.errors).toBeUndefined();
    await first.app.close(); // the shutdown hook flushes
    const second = await startTestApp({ databaseUrl: db.url });
    try {
      const row = await second.dataSource.getRepository(SessionEntity).findOneByOrFail({ tokenHash: sha256(me.token) });
      expect(row.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(usedAt - 5);
      const token = await second.dataSource.getRepository(ApiTokenEntity).findOneByOrFail({ id: apiToken.row.id });
      expect(token.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(usedAt - 5);
    } finally {
      await second.close();
      await db.drop();
    }
  });

  it('a failed flush is logged and retried by the next one', async () => {
    const t = await startTestApp({ captureLogs: true });
    try {
      const me = await seedUser(t);
      expect(await works(t, me.token)).toBe(true);
      await t.dataSource.query('ALTER TABLE sessions RENAME TO sessions_away');
      try {
        await t.app.get(CredentialService).flushLastUsed();
      } finally {
        await t.dataSource.query('ALTER TABLE sessions_away RENAME TO sessions');
      }
      const logged = t.logs.map((line) => JSON.parse(line)).filter((l) => l.context === 'Credentials');
      expect(logged).toEqual([
        expect.objectContaining({
          level: 50,
          msg: expect.stringMatching(/^Cannot record when 1 sessions were last used: /),
        }),
      ]);
      const repo = t.dataSource.getRepository(SessionEntity);
      const before = (await repo.findOneByOrFail({ tokenHash: sha256(me.token) })).lastUsedAt;
      expect(before).toBeNull(); // the factory's session had never been used
      await t.app.get(CredentialService).flushLastUsed();
      expect((await repo.findOneByOrFail({ tokenHash: sha256(me.token) })).lastUsedAt).toBeInstanceOf(Date);
    } finally {
      await t.close();
    }
  });
});

// Two instances on one database and one Redis: revocation on one is refused at once on the other.
const withRedis = process.env.REDIS_URL ? describe : describe.skip;
withRedis('revocation on every instance (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_KEY_PREFIX: `ih-sessions-${randomBytes(4).toString('hex')}:` };
    a = await startTestApp({ env });
    b = await startTestApp({ env, databaseUrl: databaseUrlOf(a) });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** Waits (up to about a second) for the token to be refused on the instance. */
  async function refusedOn(t: TestApp, token: string): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      if (!(await works(t, token))) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  it('revokeActiveUserSession, revokeOtherActiveUserSessions, revokeUserSessions and the cap', async () => {
    const me = await seedUser(a, { email: `two-${randomBytes(4).toString('hex')}@example.com`, password: PASSWORD });
    const one = await signIn(a, me.user.email);
    const two = await signIn(a, me.user.email);
    const three = await signIn(a, me.user.email);
    for (const token of [one, two, three]) expect(await works(b, token)).toBe(true); // cached on b

    expect((await a.gql(REVOKE, { id: await sessionId(a, one) }, me.token)).data.revokeActiveUserSession).toBe(true);
    expect(await refusedOn(b, one)).toBe(true);

    expect((await a.gql(REVOKE_OTHERS, {}, me.token)).data.revokeOtherActiveUserSessions).toBe(2);
    expect(await refusedOn(b, two)).toBe(true);
    expect(await refusedOn(b, three)).toBe(true);
    expect(await works(b, me.token)).toBe(true);

    const admin = await seedUser(a, { permissions: 'all' });
    expect((await a.gql(REVOKE_USER, { w: { id: me.user.id } }, admin.token)).data.revokeUserSessions).toBe(1);
    expect(await refusedOn(b, me.token)).toBe(true);

    // the cap: the least recently used session, cached on b, ends when a sign-in on a makes 101
    const seeded: string[] = [];
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) {
      seeded.push((await insertSession(a, me.user.id, { lastUsedAt: new Date(Date.now() - (200 - i) * 1000) })).token);
    }
    expect(await works(b, seeded[0])).toBe(true);
    await signIn(a, me.user.email);
    expect(await refusedOn(b, seeded[0])).toBe(true);
    expect(await works(b, seeded[1])).toBe(true);
  });
});
