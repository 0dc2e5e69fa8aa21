import { randomBytes } from 'node:crypto';
import { seedCustomerToken, seedUser } from '../helpers/factories';
import { secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

/** SPEC §6: a customer token ends with the password it was issued under; one winner among password changes. */
const ME = `{ authenticatedItem { id email tokenGeneratedAt } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) { __typename }
}`;
const CHANGE_PASSWORD = `mutation($old: String!, $new: String!) {
  updateActiveUserPassword(oldPassword: $old, newPassword: $new, confirmPassword: $new) { id }
}`;
const GOOD_PASSWORD = 'correct horse battery staple';

describe('credential lifetimes', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PASSWORD_CHANGE_PER_USER: '100' } });
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  /** A customer with a password, a session and a customer token the server has already seen (cached). */
  async function customer() {
    const seeded = await seedUser(t, { password: GOOD_PASSWORD });
    const regenerated = await t.gql(`mutation { regenerateCustomerToken { token } }`, {}, seeded.token);
    const ctok = regenerated.data.regenerateCustomerToken.token as string;
    expect((await t.gql(ME, {}, ctok)).data.authenticatedItem.id).toBe(seeded.user.id);
    return { ...seeded, ctok };
  }
  const expectEnded = async (ctok: string) => {
    const res = await t.gql(ME, {}, ctok);
    expect([res.code, res.errors?.[0].message]).toEqual(['UNAUTHENTICATED', 'Invalid or expired credentials']);
    // and it cannot write either
    const write = await t.gql(`mutation { updateActiveUser(data: { name: "Mallory" }) { id } }`, {}, ctok);
    expect(write.code).toBe('UNAUTHENTICATED');
  };

  it('a self-service password change ends the customer token', async () => {
    const c = await customer();
    const res = await t.gql(CHANGE_PASSWORD, { old: GOOD_PASSWORD, new: 'a much better passphrase' }, c.token);
    expect(res.errors).toBeUndefined();
    await expectEnded(c.ctok);
    // the session that changed it goes on, and shows no token
    expect((await t.gql(ME, {}, c.token)).data.authenticatedItem).toEqual({
      id: c.user.id,
      email: c.user.email,
      tokenGeneratedAt: null,
    });
  });

  it('an admin setting a password ends the customer token', async () => {
    const c = await customer();
    const res = await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { password: "set by the admin now" }) { id hasAccount } }`,
      { id: c.user.id },
      admin,
    );
    expect(res.data.updateUser).toEqual({ id: c.user.id, hasAccount: true });
    await expectEnded(c.ctok);
  });

  it('an admin removing the password (closing the account) ends the customer token', async () => {
    const c = await customer();
    const res = await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { password: null }) { id hasAccount tokenGeneratedAt } }`,
      { id: c.user.id },
      admin,
    );
    expect(res.data.updateUser).toEqual({ id: c.user.id, hasAccount: false, tokenGeneratedAt: null });
    await expectEnded(c.ctok);
  });

  it('deleting the user ends the customer token', async () => {
    const c = await customer();
    const res = await t.gql(`mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }`, { id: c.user.id }, admin);
    expect(res.data.deleteUser).toEqual({ id: c.user.id });
    await expectEnded(c.ctok);
  });

  it('other admin changes keep the customer token', async () => {
    const c = await customer();
    const res = await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { name: "Renamed" }) { name } }`,
      { id: c.user.id },
      admin,
    );
    expect(res.data.updateUser).toEqual({ name: 'Renamed' });
    expect((await t.gql(ME, {}, c.ctok)).data.authenticatedItem.id).toBe(c.user.id);
  });

  it('10 parallel password changes: exactly one wins, the others are "Invalid old password"', async () => {
    const c = await customer();
    const candidates = Array.from({ length: 10 }, (_, i) => `parallel passphrase number ${i}`);
    const results = await Promise.all(
      candidates.map((p) => t.gql(CHANGE_PASSWORD, { old: GOOD_PASSWORD, new: p }, c.token)),
    );
    const winners = results.flatMap((r, i) => (r.errors ? [] : [i]));
    expect(winners).toHaveLength(1);
    for (const r of results.filter((r) => r.errors)) {
      expect([r.code, r.errors![0].message]).toEqual(['BAD_USER_INPUT', 'Invalid old password']);
    }
    const signIn = async (password: string) =>
      (await t.gql(SIGN_IN, { email: c.user.email, password })).data.authenticateUserWithPassword.__typename;
    expect(await signIn(candidates[winners[0]])).toBe('UserAuthenticationWithPasswordSuccess');
    for (const p of [GOOD_PASSWORD, ...candidates.filter((_, i) => i !== winners[0])]) {
      expect(await signIn(p)).toBe('UserAuthenticationWithPasswordFailure');
    }
    await expectEnded(c.ctok);
  });

  const withRedis = process.env.REDIS_URL ? it : it.skip;
  withRedis('a password change ends the customer token on every instance', async () => {
    const env = { REDIS_KEY_PREFIX: `ih-cred-${randomBytes(4).toString('hex')}:` };
    const a = await startTestApp({ env });
    const url = secondInstanceUrl(a.config);
    const b = await startTestApp({ env, databaseUrl: url });
    try {
      const { user, token } = await seedUser(a, { password: GOOD_PASSWORD });
      const ctok = await seedCustomerToken(a, user.id);
      expect((await b.gql(ME, {}, ctok)).data.authenticatedItem.id).toBe(user.id); // cached on b
      const res = await a.gql(CHANGE_PASSWORD, { old: GOOD_PASSWORD, new: 'changed on instance a' }, token);
      expect(res.errors).toBeUndefined();
      // the invalidation is published through Redis; b forgets the cached token
      let answer;
      for (let i = 0; i < 50; i++) {
        answer = await b.gql(ME, {}, ctok);
        if (answer.code) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(answer!.code).toBe('UNAUTHENTICATED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
