import { Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const UPSERT = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email user { id email } } }`;
const IDENTITY = `query($email: String!) { identity(email: $email) { id email user { id } identifiers { type value } attributes { name value } } }`;

describe('accounts and identity profiles are one person', () => {
  let t: TestApp;
  let token: string;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  it('registering links the existing profile of that email, keeping its attributes', async () => {
    const before = await t.gql(
      UPSERT,
      { identity: { email: 'shopper@example.com', attributes: [{ name: 'tier', value: 'Gold' }] } },
      { basic: token },
    );
    expect(before.data.upsertIdentity.user).toBeNull();
    const reg = await t.gql(
      `mutation { registerUser(data: { name: "Shopper", email: "Shopper@Example.com", password: "shopper passphrase" }) { id identity { id email attributes { name value } } } }`,
    );
    expect(reg.errors).toBeUndefined();
    expect(reg.data.registerUser.identity).toEqual({
      id: before.data.upsertIdentity.id,
      email: 'shopper@example.com',
      attributes: [{ name: 'tier', value: 'Gold' }],
    });
    const after = await t.gql(IDENTITY, { email: 'shopper@example.com' }, { basic: token });
    expect(after.data.identity.user).toEqual({ id: reg.data.registerUser.id });
  });

  it('creating a user creates its profile when none exists', async () => {
    const created = await t.gql(
      `mutation { createUser(data: { email: "fresh@example.com" }) { id identity { email identifiers { type value } } } }`,
      {},
      admin,
    );
    expect(created.data.createUser.identity).toEqual({
      email: 'fresh@example.com',
      identifiers: [{ type: 'email', value: 'fresh@example.com' }],
    });
  });

  it("moves the profile's email identifier when the account's email changes, in the same transaction", async () => {
    const reg = await t.gql(
      `mutation { registerUser(data: { email: "mover@example.com", password: "mover passphrase x" }) { id identity { id } } }`,
    );
    const profileId = reg.data.registerUser.identity.id;
    await t.gql(
      UPSERT,
      { identity: { email: 'mover@example.com', attributes: [{ name: 'kept', value: 'yes' }] } },
      { basic: token },
    );
    const signIn = await t.gql(
      `mutation { authenticateUserWithPassword(email: "mover@example.com", password: "mover passphrase x") { ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
    );
    const session = signIn.data.authenticateUserWithPassword.sessionToken;
    const moved = await t.gql(
      `mutation { updateActiveUser(data: { email: "moved@example.com" }) { email identity { id email attributes { name value } } } }`,
      {},
      session,
    );
    expect(moved.data.updateActiveUser).toEqual({
      email: 'moved@example.com',
      identity: { id: profileId, email: 'moved@example.com', attributes: [{ name: 'kept', value: 'yes' }] },
    });
    expect((await t.gql(IDENTITY, { email: 'mover@example.com' }, { basic: token })).data.identity).toBeNull();
    // and through the admin's updateUser
    const byAdmin = await t.gql(
      `mutation { updateUser(where: { email: "moved@example.com" }, data: { email: "moved2@example.com" }) { identity { id email } } }`,
      {},
      admin,
    );
    expect(byAdmin.data.updateUser.identity).toEqual({ id: profileId, email: 'moved2@example.com' });
  });

  it('refuses, with CONFLICT and no change, an email that another profile holds', async () => {
    await t.gql(UPSERT, { identity: { email: 'someone-else@example.com' } }, { basic: token });
    const reg = await t.gql(
      `mutation { registerUser(data: { email: "owner@example.com", password: "owner passphrase x" }) { id } }`,
    );
    const id = reg.data.registerUser.id;
    const res = await t.gql(
      `mutation { updateUser(where: { id: "${id}" }, data: { email: "someone-else@example.com", name: "Never" }) { id } }`,
      {},
      admin,
    );
    expect(res.code).toBe('CONFLICT');
    expect(res.errors?.[0].message).toBe('Another identity profile already has the email someone-else@example.com');
    const user = await t.gql(`{ user(where: { id: "${id}" }) { email name identity { email } } }`, {}, admin);
    expect(user.data.user).toEqual({
      email: 'owner@example.com',
      name: null,
      identity: { email: 'owner@example.com' },
    });
  });

  it('the partner APIs never change sign-in credentials: upserting a linked profile keeps the account email', async () => {
    await t.gql(
      `mutation { registerUser(data: { email: "linked@example.com", password: "linked passphrase" }) { id } }`,
    );
    await t.gql(
      UPSERT,
      { identity: { email: 'LINKED@example.com', attributes: [{ name: 'a', value: 'b' }] } },
      { basic: token },
    );
    const signIn = await t.gql(
      `mutation { authenticateUserWithPassword(email: "linked@example.com", password: "linked passphrase") { __typename } }`,
    );
    expect(signIn.data.authenticateUserWithPassword.__typename).toBe('UserAuthenticationWithPasswordSuccess');
  });
});
