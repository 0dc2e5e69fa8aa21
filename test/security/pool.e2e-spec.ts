import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildSchema } from 'graphql';
import { AddressEntity } from '../../src/address/address.entity';
import { AuthService } from '../../src/auth/auth.service';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { SessionEntity } from '../../src/auth/session.entity';
import { sha256 } from '../../src/auth/tokens';
import { CustomerGroupEntity } from '../../src/customer-group/customer-group.entity';
import { newId } from '../../src/database/columns';
import { TransactionService } from '../../src/database/transaction.service';
import { OutboxEntity } from '../../src/outbox/outbox.entity';
import { UserEntity } from '../../src/user/user.entity';
import { WebhookEndpointEntity } from '../../src/webhooks/webhook-endpoint.entity';
import { tokenMailedTo } from '../helpers/account-mail';
import { seedApiToken, seedRole, seedSession, seedUser, SeededUser } from '../helpers/factories';
import { Credential, directDatabaseUrl, freshDatabase, isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/**
 * Finding 12: a burst of writes as the first requests of a fresh process must never hold the whole
 * PostgreSQL pool while waiting for another connection (the country table used to be loaded on first
 * use, inside the first address transactions). For every mutation of the schema, and the partner API's
 * PATCH, a fresh instance with a pool of 4 takes 12 concurrent requests: all must succeed, then /health
 * answers 200. A mutation added to the schema without an entry below fails this spec.
 */
const POOL = 4;
const BURST = 3 * POOL;
const PASSWORD = 'a long enough passphrase';
const PARTNER = 'poolbrand';

/** `succeeded`: when the mutation's answer is a success (default: not null, no `message`) */
type Request = {
  query: string;
  variables?: Record<string, unknown>;
  credential?: Credential;
  succeeded?: (data: unknown) => boolean;
};
/** Seeds what a burst needs (through the seeding instance), then gives request i of the burst. */
type Burst = (seed: Seeder) => Promise<(i: number) => Request>;

interface Seeder {
  t: TestApp;
  admin: SeededUser;
  /** n customers (sessions), with PASSWORD when asked (one argon2 hash shared by all) */
  customers(n: number, withPassword?: boolean): Promise<SeededUser[]>;
  /** an address for each user */
  addresses(users: SeededUser[]): Promise<string[]>;
  groups(n: number): Promise<string[]>;
  /** a second session for each user: its id */
  sessions(users: SeededUser[]): Promise<string[]>;
}

const run = Math.random().toString(36).slice(2, 8);
const email = (what: string, i: number) => `${what}-${run}-${i}@example.com`;

/** n enabled webhook endpoints (public https URLs: never called, the worker does not poll in tests) */
async function webhookEndpoints(s: Seeder, n: number): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: newId(),
    url: `https://hooks.example.com/${run}/${i}`,
    description: null,
    events: ['user.created'],
    secret: `whsec_${Buffer.alloc(32, i).toString('base64')}`,
    enabled: true,
    disabledReason: null,
  }));
  await s.t.dataSource.getRepository(WebhookEndpointEntity).insert(rows);
  return rows.map((r) => r.id);
}

const MUTATIONS: Record<string, Burst> = {
  createWebhookEndpoint: async (s) => (i) => ({
    query: `mutation($d: WebhookEndpointCreateInput!) { createWebhookEndpoint(data: $d) { secret endpoint { id } } }`,
    variables: { d: { url: `https://hooks.example.com/new/${run}/${i}`, events: ['user.created', 'user.updated'] } },
    credential: s.admin.token,
  }),
  updateWebhookEndpoint: async (s) => {
    const ids = await webhookEndpoints(s, BURST);
    return (i) => ({
      query: `mutation($id: ID!) { updateWebhookEndpoint(id: $id, data: { events: ["user.deleted"], enabled: false }) { id } }`,
      variables: { id: ids[i] },
      credential: s.admin.token,
    });
  },
  deleteWebhookEndpoint: async (s) => {
    const ids = await webhookEndpoints(s, BURST);
    return (i) => ({
      query: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`,
      variables: { id: ids[i] },
      credential: s.admin.token,
    });
  },
  rotateWebhookSecret: async (s) => {
    const ids = await webhookEndpoints(s, BURST);
    return (i) => ({
      query: `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`,
      variables: { id: ids[i] },
      credential: s.admin.token,
    });
  },
  sendTestWebhook: async (s) => {
    const ids = await webhookEndpoints(s, BURST);
    return (i) => ({
      query: `mutation($id: ID!) { sendTestWebhook(id: $id) { id status } }`,
      variables: { id: ids[i] },
      credential: s.admin.token,
    });
  },
  retryWebhookDelivery: async (s) => {
    const ids = await webhookEndpoints(s, BURST);
    const rows = ids.map((endpointId) => ({
      id: newId(),
      kind: 'webhook' as const,
      payload: {
        endpointId,
        eventId: `msg_${newId().replace(/-/g, '')}`,
        event: { type: 'user.created', timestamp: new Date().toISOString(), data: { id: null, changed: [] } },
      },
      status: 'failed' as const,
      attempts: 7,
      nextAttemptAt: new Date(),
      targetId: endpointId,
    }));
    await s.t.dataSource.getRepository(OutboxEntity).insert(rows);
    return (i) => ({
      query: `mutation($id: ID!) { retryWebhookDelivery(id: $id) { id status } }`,
      variables: { id: rows[i].id },
      credential: s.admin.token,
    });
  },
  authenticateUserWithPassword: async (s) => {
    const users = await s.customers(BURST, true);
    return (i) => ({
      query: `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
        ... on UserAuthenticationWithPasswordSuccess { item { id } } ... on UserAuthenticationWithPasswordFailure { message } } }`,
      variables: { e: users[i].user.email, p: PASSWORD },
    });
  },
  createActiveUserAddress: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation { createActiveUserAddress(data: { city: "Helsinki", country: { connect: { iso2: "FI" } } }) { id } }`,
      credential: users[i].token,
    });
  },
  createApiToken: async (s) => (i) => ({
    query: `mutation($d: ApiTokenCreateInput!) { createApiToken(data: $d) { token } }`,
    variables: { d: { name: `burst-${run}-${i}`, scopes: ['identities:read'] } },
    credential: s.admin.token,
  }),
  createCustomerGroup: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { id usersCount } }`,
      variables: {
        d: { name: `new-${run}-${i}`, metadata: { i }, users: { connect: [{ email: users[i].user.email }] } },
      },
      credential: s.admin.token,
    });
  },
  createRole: async (s) => (i) => ({
    query: `mutation($d: RoleCreateInput!) { createRole(data: $d) { id } }`,
    variables: { d: { name: `role-${run}-${i}`, canReadUsers: true } },
    credential: s.admin.token,
  }),
  createUser: async (s) => {
    const groups = await s.groups(1);
    return (i) => ({
      query: `mutation($d: UserCreateInput!) { createUser(data: $d) { id } }`,
      variables: {
        d: {
          email: email('created', i),
          addresses: { create: [{ city: 'Oslo', country: { connect: { iso2: 'NO' } } }] },
          customerGroups: { connect: [{ id: groups[0] }] },
        },
      },
      credential: s.admin.token,
    });
  },
  deleteActiveUserAddress: async (s) => {
    const users = await s.customers(BURST);
    const ids = await s.addresses(users);
    return (i) => ({
      query: `mutation($w: AddressWhereUniqueInput!) { deleteActiveUserAddress(where: $w) { id } }`,
      variables: { w: { id: ids[i] } },
      credential: users[i].token,
    });
  },
  deleteCustomerGroup: async (s) => {
    const ids = await s.groups(BURST);
    return (i) => ({
      query: `mutation($w: CustomerGroupWhereUniqueInput!) { deleteCustomerGroup(where: $w) { id } }`,
      variables: { w: { id: ids[i] } },
      credential: s.admin.token,
    });
  },
  deleteUser: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($w: UserWhereUniqueInput!) { deleteUser(where: $w) { id } }`,
      variables: { w: { id: users[i].user.id } },
      credential: s.admin.token,
    });
  },
  endSession: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({ query: 'mutation { endSession }', credential: users[i].token });
  },
  redeemUserPasswordResetToken: async (s) => {
    const users = await s.customers(BURST);
    const auth = s.t.app.get(AuthService);
    const links = await Promise.all(users.map((u) => auth.createPasswordResetLink(u.user.email!)));
    return (i) => ({
      query: `mutation($e: String!, $t: String!, $p: String!) {
        redeemUserPasswordResetToken(email: $e, token: $t, password: $p) { code message } }`,
      variables: {
        e: users[i].user.email,
        t: new URL(links[i].link).searchParams.get('token'),
        p: `${PASSWORD} reset`,
      },
      succeeded: (data) => data === null, // Keystone's answer to a success
    });
  },
  regenerateCustomerToken: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({ query: 'mutation { regenerateCustomerToken { success } }', credential: users[i].token });
  },
  sendActiveUserEmailVerification: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({ query: 'mutation { sendActiveUserEmailVerification }', credential: users[i].token });
  },
  sendUserPasswordResetLink: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: 'mutation($e: String!) { sendUserPasswordResetLink(email: $e) }',
      variables: { e: i % 2 ? users[i].user.email : email('nobody', i) },
    });
  },
  verifyUserEmail: async (s) => {
    const users = await s.customers(BURST);
    const auth = s.t.app.get(AuthService);
    await s.t.app.get(TransactionService).run(async (m) => {
      for (const u of users) await auth.queueEmailVerification(m, u.user);
    });
    const tokens = await Promise.all(users.map((u) => tokenMailedTo(s.t, u.user.email!, 'email-verification')));
    return (i) => ({
      query: 'mutation($t: String!) { verifyUserEmail(token: $t) { id } }',
      variables: { t: tokens[i] },
    });
  },
  registerUser: async () => (i) => ({
    query: `mutation($d: UserRegisterInput!) { registerUser(data: $d) { id } }`,
    variables: { d: { email: email('registered', i), password: PASSWORD } },
  }),
  revokeActiveUserSession: async (s) => {
    const users = await s.customers(BURST);
    const others = await s.sessions(users);
    return (i) => ({
      query: `mutation($id: ID!) { revokeActiveUserSession(id: $id) }`,
      variables: { id: others[i] },
      credential: users[i].token,
    });
  },
  revokeApiToken: async (s) => {
    const tokens = await Promise.all(Array.from({ length: BURST }, () => seedApiToken(s.t, ['identities:read'])));
    return (i) => ({
      query: `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
      variables: { id: tokens[i].row.id },
      credential: s.admin.token,
    });
  },
  revokeOtherActiveUserSessions: async (s) => {
    const users = await s.customers(BURST);
    await s.sessions(users);
    return (i) => ({ query: 'mutation { revokeOtherActiveUserSessions }', credential: users[i].token });
  },
  revokeUserSessions: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($w: UserWhereUniqueInput!) { revokeUserSessions(where: $w) }`,
      variables: { w: { id: users[i].user.id } },
      credential: s.admin.token,
    });
  },
  updateActiveUser: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($d: UserUpdateProfileInput!) { updateActiveUser(data: $d) { id } }`,
      variables: { d: { name: `Moved ${i}`, email: email('moved', i) } },
      credential: users[i].token,
    });
  },
  updateActiveUserAddress: async (s) => {
    const users = await s.customers(BURST);
    const ids = await s.addresses(users);
    return (i) => ({
      query: `mutation($w: AddressWhereUniqueInput!) {
        updateActiveUserAddress(where: $w, data: { city: "Stockholm", country: { connect: { iso2: "SE" } } }) { id } }`,
      variables: { w: { id: ids[i] } },
      credential: users[i].token,
    });
  },
  updateActiveUserPassword: async (s) => {
    const users = await s.customers(BURST, true);
    return (i) => ({
      query: `mutation($o: String!, $n: String!) {
        updateActiveUserPassword(oldPassword: $o, newPassword: $n, confirmPassword: $n) { id } }`,
      variables: { o: PASSWORD, n: `${PASSWORD} changed` },
      credential: users[i].token,
    });
  },
  updateCustomerGroup: async (s) => {
    const ids = await s.groups(BURST);
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($w: CustomerGroupWhereUniqueInput!, $d: CustomerGroupUpdateInput!) {
        updateCustomerGroup(where: $w, data: $d) { id } }`,
      variables: { w: { id: ids[i] }, d: { metadata: { i }, users: { connect: [{ email: users[i].user.email }] } } },
      credential: s.admin.token,
    });
  },
  updateIdentitySettings: async (s) => (i) => ({
    query: `mutation($d: IdentitySettingsInput!) { updateIdentitySettings(data: $d) { blockedValues } }`,
    variables: { d: { blockedValues: ['null', `blocked-${i}`] } },
    credential: s.admin.token,
  }),
  updateRole: async (s) => {
    const roles = await Promise.all(Array.from({ length: BURST }, () => seedRole(s.t, [])));
    return (i) => ({
      query: `mutation($w: RoleWhereUniqueInput!, $d: RoleUpdateInput!) { updateRole(where: $w, data: $d) { id } }`,
      variables: { w: { id: roles[i].id }, d: { name: `renamed-${run}-${i}`, canReadUsers: true } },
      credential: s.admin.token,
    });
  },
  updateUser: async (s) => {
    const users = await s.customers(BURST);
    return (i) => ({
      query: `mutation($w: UserWhereUniqueInput!, $d: UserUpdateInput!) { updateUser(where: $w, data: $d) { id } }`,
      variables: {
        w: { id: users[i].user.id },
        d: { name: `Updated ${i}`, addresses: { create: [{ city: 'Berlin', country: { connect: { iso2: 'DE' } } }] } },
      },
      credential: s.admin.token,
    });
  },
  eraseIdentity: async (s) => {
    const { token } = await seedApiToken(s.t, ['identities:write']);
    await seedProfiles(s, token, ['erase']);
    return (i) => ({
      query: `mutation($w: IdentityWhereUniqueInput!) { eraseIdentity(where: $w, suppress: true) { id counts } }`,
      variables: { w: { email: email('erase', i) } },
      credential: s.admin.token,
    });
  },
  deleteActiveUser: async (s) => {
    const users = await s.customers(BURST, true);
    return (i) => ({
      query: `mutation($p: String!) { deleteActiveUser(password: $p) }`,
      variables: { p: PASSWORD },
      credential: users[i].token,
      succeeded: (data) => data === true,
    });
  },
  mergeIdentities: async (s) => {
    const { token } = await seedApiToken(s.t, ['identities:write']);
    await seedProfiles(s, token, ['merge-into', 'merge-from']);
    return (i) => ({
      query: `mutation($i: IdentityWhereUniqueInput!, $f: [IdentityWhereUniqueInput!]!) {
        mergeIdentities(into: $i, from: $f) { id } }`,
      variables: { i: { email: email('merge-into', i) }, f: [{ email: email('merge-from', i) }] },
      credential: { basic: token },
    });
  },
  unmergeIdentity: async (s) => {
    const { token } = await seedApiToken(s.t, ['identities:write']);
    await seedProfiles(s, token, ['unmerge-into', 'unmerge-from']);
    const ids: string[] = [];
    for (let i = 0; i < BURST; i++) {
      const merged = await s.t.gql(
        `mutation($i: IdentityWhereUniqueInput!, $f: [IdentityWhereUniqueInput!]!) { mergeIdentities(into: $i, from: $f) { id } }`,
        { i: { email: email('unmerge-into', i) }, f: [{ email: email('unmerge-from', i) }] },
        { basic: token },
      );
      ids.push(merged.data.mergeIdentities.id as string);
    }
    return (i) => ({
      query: `mutation($m: ID!) { unmergeIdentity(mergeId: $m) { id } }`,
      variables: { m: ids[i] },
      credential: { basic: token },
      succeeded: (data) => Array.isArray(data),
    });
  },
  upsertIdentity: async (s) => {
    const { token } = await seedApiToken(s.t, ['identities:write']);
    return (i) => ({
      query: `mutation($id: IdentityInput!) { upsertIdentity(identity: $id) { id } }`,
      variables: { id: { email: email('profile', i), attributes: [{ name: 'tier', value: 'gold' }] } },
      credential: { basic: token },
    });
  },
};

/** BURST identity profiles for each prefix (`email(prefix, i)`), through upsertIdentity. */
async function seedProfiles(s: Seeder, token: string, prefixes: string[]): Promise<void> {
  for (const prefix of prefixes) {
    for (let i = 0; i < BURST; i++) {
      const r = await s.t.gql(
        `mutation($id: IdentityInput!) { upsertIdentity(identity: $id) { id } }`,
        {
          id: { email: email(prefix, i) },
        },
        { basic: token },
      );
      if (!r.data?.upsertIdentity) throw new Error(`seeding ${prefix} ${i}: ${JSON.stringify(r.errors)}`);
    }
  }
}

/** The schema's mutations, from the committed SDL (a test keeps it equal to the code). */
const SCHEMA_MUTATIONS = Object.keys(
  buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'))
    .getMutationType()
    ?.getFields() ?? {},
).sort();

describe('a burst of writes on a fresh instance with a small pool (finding 12)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let seeder: Seeder;
  let passwordHash: string;

  beforeAll(async () => {
    db = await freshDatabase();
    const t = await startTestApp({ databaseUrl: db.url, env: { PARTNER_NAME: PARTNER } });
    passwordHash = await t.app.get(PasswordHasher).hash(PASSWORD);
    const admin = await seedUser(t, { permissions: 'all' });
    seeder = {
      t,
      admin,
      customers: async (n, withPassword = false) => {
        const users = await Promise.all(Array.from({ length: n }, () => seedUser(t)));
        if (withPassword) {
          await t.dataSource.getRepository(UserEntity).update(
            users.map((u) => u.user.id),
            { passwordHash },
          );
        }
        return users;
      },
      addresses: async (users) => {
        const rows = users.map((u) => ({ id: newId(), userId: u.user.id, city: 'Turku', countryId: 'FI' }));
        await t.dataSource.getRepository(AddressEntity).insert(rows);
        return rows.map((r) => r.id);
      },
      sessions: async (users) => {
        const ids: string[] = [];
        for (const u of users) {
          const token = await seedSession(t, u.user.id);
          const row = await t.dataSource.getRepository(SessionEntity).findOneByOrFail({ tokenHash: sha256(token) });
          ids.push(row.id);
        }
        return ids;
      },
      groups: async (n) => {
        const rows = Array.from({ length: n }, (_, i) => ({ id: newId(), name: `group-${run}-${newId()}-${i}` }));
        await t.dataSource.getRepository(CustomerGroupEntity).insert(rows);
        return rows.map((r) => r.id);
      },
    };
  });
  afterAll(async () => {
    await seeder?.t.close();
    await db?.drop();
  });

  /** A new instance (empty caches, a pool of 4) on the seeded database. */
  const freshInstance = () =>
    startTestApp({ databaseUrl: db.url, env: { PARTNER_NAME: PARTNER, DATABASE_POOL_SIZE: String(POOL) } });

  it('has a burst input for every mutation of the schema', () => {
    expect(SCHEMA_MUTATIONS.length).toBeGreaterThan(20);
    expect(SCHEMA_MUTATIONS.filter((name) => !MUTATIONS[name])).toEqual([]);
  });

  it.each(SCHEMA_MUTATIONS)('%s: 12 concurrent requests on a pool of 4 all succeed', async (name) => {
    const burst = MUTATIONS[name];
    if (!burst) throw new Error(`No burst input for the mutation ${name}: add one to MUTATIONS`);
    const request = await burst(seeder);
    const t = await freshInstance();
    try {
      const results = await Promise.all(
        Array.from({ length: BURST }, (_, i) => {
          const { query, variables, credential } = request(i);
          return t.gql(query, variables, credential);
        }),
      );
      const failed = results
        .map((r, i) => ({ i, status: r.status, errors: r.errors, data: r.data[name] }))
        .filter(
          (r) =>
            r.status !== 200 ||
            r.errors ||
            !(request(r.i).succeeded ?? ((data) => data !== null && !(data as { message?: string })?.message))(r.data),
        );
      expect(failed).toEqual([]);
      expect((await t.http().get('/health')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("the partner API's PATCH: 12 concurrent requests on a pool of 4 all succeed", async () => {
    const { token } = await seedApiToken(seeder.t, ['identities:write']);
    const headers = { 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': token };
    const users = Array.from({ length: BURST }, (_, i) => ({ identifiers: { email: email('partner', i) } }));
    const seeded = await seeder.t.rest('post', '/api/user/v1/upsert', { headers, body: { users } });
    expect(seeded.status).toBe(200);
    const t = await freshInstance();
    try {
      const results = await Promise.all(
        users.map((_, i) =>
          t.rest('patch', '/api/user/v1/identity', {
            headers,
            body: { old_identifier: { email: email('partner', i) }, new_identifier: { email: email('renamed', i) } },
          }),
        ),
      );
      expect(results.map((r) => [r.status, r.body])).toEqual(users.map(() => [200, {}]));
      expect((await t.http().get('/health')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('a database with no connection free answers 503, then recovers (finding 12)', () => {
  const BUSY = 'The database is busy; try again shortly';

  it('GraphQL: HTTP 503 SERVICE_UNAVAILABLE; the partner API: 503 in its body style; no hang', async () => {
    const t = await startTestApp({
      env: { PARTNER_NAME: PARTNER, DATABASE_POOL_SIZE: '2', DATABASE_POOL_TIMEOUT_MS: '300' },
    });
    const { token } = await seedApiToken(t, ['identities:write']);
    const customer = await seedUser(t);
    // Take every connection (PostgreSQL: the pool; SQLite: the write lock, from another connection).
    const release = await holdDatabase(t);
    try {
      const started = Date.now();
      const gql = await t.gql('mutation($d: UserRegisterInput!) { registerUser(data: $d) { id } }', {
        d: { email: email('busy', 0), password: PASSWORD },
      });
      expect([gql.status, gql.code, gql.errors?.[0].message]).toEqual([503, 'SERVICE_UNAVAILABLE', BUSY]);
      const address = await t.gql(
        'mutation { createActiveUserAddress(data: { city: "Espoo" }) { id } }',
        {},
        customer.token,
      );
      expect([address.status, address.code, address.errors?.[0].message]).toEqual([503, 'SERVICE_UNAVAILABLE', BUSY]);
      const rest = await t.rest('patch', '/api/user/v1/identity', {
        headers: { 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': token },
        body: { old_identifier: { email: 'a@example.com' }, new_identifier: { email: 'b@example.com' } },
      });
      expect([rest.status, rest.body]).toEqual([503, { success: false, message: BUSY }]);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await release();
    }
    try {
      expect((await t.http().get('/health')).status).toBe(200);
      const again = await t.gql('mutation($d: UserRegisterInput!) { registerUser(data: $d) { email } }', {
        d: { email: email('busy', 1), password: PASSWORD },
      });
      expect(again.errors).toBeUndefined();
      expect(again.data.registerUser.email).toBe(email('busy', 1));
    } finally {
      await t.close();
    }
  });

  // Behind pgbouncer 1.18 (scripts/pgbouncer-test.sh) the `options` startup parameter that carries the
  // setting is dropped; pgbouncer's own idle_transaction_timeout ends such a transaction there.
  const directSession = isPostgres() && !directDatabaseUrl();
  (directSession ? it : it.skip)(
    'PostgreSQL ends a session left idle in a transaction (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS)',
    async () => {
      const t = await startTestApp({ env: { DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1000' } });
      try {
        expect(await t.dataSource.query('SHOW idle_in_transaction_session_timeout')).toEqual([
          { idle_in_transaction_session_timeout: '1s' },
        ]);
        const runner = t.dataSource.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        await runner.query('SELECT COUNT(*) FROM users');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await expect(runner.query('SELECT 1')).rejects.toThrow();
        await runner.release().catch(() => undefined);
        expect((await t.http().get('/health')).status).toBe(200);
      } finally {
        await t.close();
      }
    },
  );

  (directSession ? it : it.skip)('the default session timeout is 30 s', async () => {
    const t = await startTestApp();
    try {
      expect(await t.dataSource.query('SHOW idle_in_transaction_session_timeout')).toEqual([
        { idle_in_transaction_session_timeout: '30s' },
      ]);
    } finally {
      await t.close();
    }
  });
});

/**
 * Makes the database unavailable to the app until the returned function is called: on PostgreSQL every
 * pooled connection is taken by an open transaction; on SQLite another connection holds the write lock.
 */
async function holdDatabase(t: TestApp): Promise<() => Promise<void>> {
  if (isPostgres()) {
    const runners = await Promise.all(
      Array.from({ length: t.config.database.poolSize }, async () => {
        const runner = t.dataSource.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        return runner;
      }),
    );
    return async () => {
      for (const runner of runners) {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };
  }
  const other = new Database(t.config.database.sqlitePath!);
  other.prepare('BEGIN IMMEDIATE').run();
  return async () => {
    other.prepare('ROLLBACK').run();
    other.close();
  };
}
