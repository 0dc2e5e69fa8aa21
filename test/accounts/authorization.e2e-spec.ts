import { Scope } from '../../src/auth/permissions';
import { Credential, startTestApp, TestApp } from '../helpers/test-app';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';

type Who = 'anonymous' | 'customer' | 'customerToken' | 'admin' | 'apiToken' | 'wrongToken';
type Expect = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT';
interface Op {
  name: string;
  query: (ids: Ids) => string;
  expect: Record<Who, Expect>;
  /** what an allowed caller sees (checked for 'ok' cells) */
  check?: (data: Record<string, any>, who: Who, ids: Ids) => void;
}
interface Ids {
  customerId: string;
  adminId: string;
  victimId: string;
  n: number;
}

const PUBLIC: Record<Who, Expect> = {
  anonymous: 'ok',
  customer: 'ok',
  customerToken: 'ok',
  admin: 'ok',
  apiToken: 'ok',
  wrongToken: 'UNAUTHENTICATED',
};
const SIGNED_IN: Record<Who, Expect> = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'ok',
  customerToken: 'ok',
  admin: 'ok',
  apiToken: 'FORBIDDEN',
  wrongToken: 'UNAUTHENTICATED',
};
const SESSION_ONLY: Record<Who, Expect> = { ...SIGNED_IN, customerToken: 'FORBIDDEN' };
const ADMIN_ONLY: Record<Who, Expect> = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'FORBIDDEN',
  customerToken: 'FORBIDDEN',
  admin: 'ok',
  apiToken: 'FORBIDDEN',
  wrongToken: 'UNAUTHENTICATED',
};

const OPS: Op[] = [
  {
    name: 'authenticateUserWithPassword',
    query: () =>
      `mutation { authenticateUserWithPassword(email: "nobody@example.com", password: "wrong password") { ... on UserAuthenticationWithPasswordFailure { message } } }`,
    expect: PUBLIC,
    check: (d) => expect(d.authenticateUserWithPassword).toEqual({ message: 'Authentication failed.' }),
  },
  {
    name: 'registerUser',
    query: (ids) =>
      `mutation { registerUser(data: { name: "R", email: "reg-${ids.n}@example.com", password: "registration passphrase" }) { email } }`,
    expect: PUBLIC,
    check: (d, _w, ids) => expect(d.registerUser).toEqual({ email: `reg-${ids.n}@example.com` }),
  },
  {
    name: 'authenticatedItem',
    query: () => `{ authenticatedItem { id } }`,
    expect: PUBLIC,
    check: (d, who, ids) =>
      expect(d.authenticatedItem).toEqual(
        who === 'anonymous' || who === 'apiToken' ? null : { id: who === 'admin' ? ids.adminId : ids.customerId },
      ),
  },
  {
    name: 'updateActiveUser',
    query: () => `mutation { updateActiveUser(data: { onboardingStatus: "in_progress" }) { onboardingStatus } }`,
    expect: SIGNED_IN,
    check: (d) => expect(d.updateActiveUser).toEqual({ onboardingStatus: 'in_progress' }),
  },
  {
    name: 'updateActiveUserPassword (wrong old password: reaching the check proves access)',
    query: () =>
      `mutation { updateActiveUserPassword(oldPassword: "not it at all", newPassword: "x", confirmPassword: "x") { id } }`,
    expect: { ...SESSION_ONLY, customer: 'BAD_USER_INPUT', admin: 'BAD_USER_INPUT' },
  },
  {
    name: 'regenerateCustomerToken',
    query: () => `mutation { regenerateCustomerToken { success } }`,
    expect: SESSION_ONLY,
    check: (d) => expect(d.regenerateCustomerToken).toEqual({ success: true }),
  },
  {
    name: 'user (someone else)',
    query: (ids) => `{ user(where: { id: "${ids.victimId}" }) { id } }`,
    expect: SIGNED_IN,
    check: (d, who, ids) => expect(d.user).toEqual(who === 'admin' ? { id: ids.victimId } : null),
  },
  {
    name: 'users',
    query: () => `{ users { id } }`,
    expect: SIGNED_IN,
    check: (d, who, ids) =>
      who === 'admin'
        ? expect(d.users.length).toBeGreaterThanOrEqual(3)
        : expect(d.users).toEqual([{ id: ids.customerId }]),
  },
  {
    name: 'usersCount',
    query: () => `{ usersCount }`,
    expect: SIGNED_IN,
    check: (d, who) =>
      who === 'admin' ? expect(d.usersCount).toBeGreaterThanOrEqual(3) : expect(d.usersCount).toBe(1),
  },
  {
    name: 'createUser',
    query: (ids) => `mutation { createUser(data: { email: "created-${ids.n}@example.com" }) { email hasAccount } }`,
    expect: ADMIN_ONLY,
    check: (d, _w, ids) => expect(d.createUser).toEqual({ email: `created-${ids.n}@example.com`, hasAccount: false }),
  },
  {
    name: 'updateUser',
    query: (ids) =>
      `mutation { updateUser(where: { id: "${ids.victimId}" }, data: { name: "Renamed ${ids.n}" }) { name } }`,
    expect: ADMIN_ONLY,
    check: (d, _w, ids) => expect(d.updateUser).toEqual({ name: `Renamed ${ids.n}` }),
  },
  {
    name: 'deleteUser',
    query: (ids) => `mutation { deleteUser(where: { id: "${ids.victimId}" }) { id } }`,
    expect: ADMIN_ONLY,
    check: (d, _w, ids) => expect(d.deleteUser).toEqual({ id: ids.victimId }),
  },
  {
    name: 'roles',
    query: () => `{ roles { name } }`,
    expect: ADMIN_ONLY,
    check: (d) => expect(Array.isArray(d.roles)).toBe(true),
  },
  {
    name: 'createRole',
    query: (ids) => `mutation { createRole(data: { name: "role-${ids.n}" }) { name } }`,
    expect: ADMIN_ONLY,
    check: (d, _w, ids) => expect(d.createRole).toEqual({ name: `role-${ids.n}` }),
  },
  {
    name: 'updateRole',
    query: (ids) =>
      `mutation { updateRole(where: { name: "matrix-role" }, data: { canReadUsers: ${ids.n % 2 === 0} }) { name } }`,
    expect: ADMIN_ONLY,
    check: (d) => expect(d.updateRole).toEqual({ name: 'matrix-role' }),
  },
  {
    name: 'endSession',
    query: () => `mutation { endSession }`,
    expect: PUBLIC,
    check: (d, who) => expect(d.endSession).toBe(who === 'customer' || who === 'admin'),
  },
];

const WHO: Who[] = ['anonymous', 'customer', 'customerToken', 'admin', 'apiToken', 'wrongToken'];

describe('authorisation matrix of the accounts operations', () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const cells = OPS.flatMap((op) => WHO.map((who) => [op.name, who, op.expect[who]] as const));

  it.each(cells)('%s as %s → %s', async (opName, who, expected) => {
    const op = OPS.find((o) => o.name === opName)!;
    // A fresh cast for every cell, so cells never depend on one another.
    const customer = await seedUser(t, { name: 'Customer' });
    const admin = await seedUser(t, { permissions: 'all' });
    const victim = await seedUser(t, { name: 'Victim' });
    await t.dataSource.query(
      t.config.database.engine === 'postgres'
        ? `INSERT INTO roles (id, name) VALUES ($1, 'matrix-role') ON CONFLICT DO NOTHING`
        : `INSERT OR IGNORE INTO roles (id, name) VALUES (?, 'matrix-role')`,
      [`matrix-${Date.now()}`],
    );
    const credentials: Record<Who, Credential> = {
      anonymous: undefined,
      customer: customer.token,
      customerToken: await seedCustomerToken(t, customer.user.id),
      admin: admin.token,
      apiToken: { basic: (await seedApiToken(t, [Scope.IdentitiesRead, Scope.IdentitiesWrite])).token },
      wrongToken: 'f'.repeat(64),
    };
    const ids = { customerId: customer.user.id, adminId: admin.user.id, victimId: victim.user.id, n: n++ };
    const res = await t.gql(op.query(ids), {}, credentials[who]);
    if (expected === 'ok') {
      expect(res.errors).toBeUndefined();
      op.check?.(res.data, who, ids);
    } else {
      expect(res.code).toBe(expected);
      const message = res.errors?.[0].message;
      if (expected === 'UNAUTHENTICATED')
        expect(message).toMatch(/^(Authentication required|Invalid or expired credentials)$/);
      if (expected === 'FORBIDDEN') expect(message).toBe('You do not have permission to perform this action');
      if (expected === 'BAD_USER_INPUT') expect(message).toBe('Invalid old password');
    }
  });
});
