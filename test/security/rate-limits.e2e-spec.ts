import {
  IdentityAttributeEntity,
  IdentityIdentifierEntity,
  IdentityProfileEntity,
} from '../../src/identity/identity.entity';
import { Scope } from '../../src/auth/permissions';
import { UserEntity } from '../../src/user/user.entity';
import { seedApiToken, seedUser } from '../helpers/factories';
import { GqlResult, startTestApp, TestApp } from '../helpers/test-app';
import { verifyEmail } from '../helpers/account-mail';

/**
 * SPEC §6: every limit counts before the work it protects, so N parallel (or aliased) attempts never get
 * more than the limit evaluated. Counts, not timings: each test reads what every attempt answered.
 */
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;
const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email } }`;
const GOOD_PASSWORD = 'correct horse battery staple';
const SIGN_IN_LIMITED = /^Too many failed sign-in attempts\. Try again in \d+ seconds\.$/;
// the GraphQL cost limits allow 30 aliases by default; these tests send many more on purpose
const MANY_ALIASES = { GRAPHQL_MAX_ALIASES: '1000' };

type Outcome = 'evaluated' | 'success' | 'limited' | string;

/** What a sign-in answered: a failure ("evaluated"), a success, or the limit. Anything else fails the test. */
function signInOutcome(res: GqlResult): Outcome {
  const auth = res.data?.authenticateUserWithPassword;
  if (auth?.message === 'Authentication failed.') return 'evaluated';
  if (auth?.__typename === 'UserAuthenticationWithPasswordSuccess') return 'success';
  if (res.code === 'TOO_MANY_REQUESTS' && SIGN_IN_LIMITED.test(res.errors![0].message)) return 'limited';
  return JSON.stringify(res.body);
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

describe('rate limits count before the work (SPEC §6)', () => {
  describe('sign-in', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { RATE_LIMIT_SIGNIN_PER_EMAIL: '5', RATE_LIMIT_SIGNIN_PER_ADDRESS: '100000' },
      });
    });
    afterAll(() => t.close());
    const signIn = (email: string, password: string) => t.gql(SIGN_IN, { email, password });

    it('80 parallel attempts on one email evaluate at most 5; the right password among them does not pass', async () => {
      const email = 'parallel@example.com';
      await seedUser(t, { email, password: GOOD_PASSWORD });
      const passwords = [...Array.from({ length: 79 }, (_, i) => `wrong guess number ${i}`), GOOD_PASSWORD];
      const outcomes = (await Promise.all(passwords.map((p) => signIn(email, p)))).map(signInOutcome);
      expect(tally(outcomes)).toEqual({ evaluated: 5, limited: 75 });
      // the window is spent: the right password is refused too, with the same message
      expect(signInOutcome(await signIn(email, GOOD_PASSWORD))).toBe('limited');
      // another email has its own count
      await seedUser(t, { email: 'other@example.com', password: GOOD_PASSWORD });
      expect(signInOutcome(await signIn('other@example.com', GOOD_PASSWORD))).toBe('success');
    });

    it('counts every attempt of an email and a success clears the count', async () => {
      const email = 'owner@example.com';
      await seedUser(t, { email, password: GOOD_PASSWORD });
      for (let i = 0; i < 4; i++)
        expect(signInOutcome(await signIn(email, `typo ${i} in my password`))).toBe('evaluated');
      expect(signInOutcome(await signIn(email, GOOD_PASSWORD))).toBe('success');
      // five attempts again, then the limit
      const after = [];
      for (let i = 0; i < 6; i++) after.push(signInOutcome(await signIn(email, `typo ${i} again`)));
      expect(after).toEqual(['evaluated', 'evaluated', 'evaluated', 'evaluated', 'evaluated', 'limited']);
      // the email is counted however it is written
      expect(signInOutcome(await signIn('  OWNER@Example.com ', GOOD_PASSWORD))).toBe('limited');
    });

    it('an unknown email is counted like a known one (the limit does not tell them apart)', async () => {
      const outcomes = (
        await Promise.all(Array.from({ length: 12 }, (_, i) => signIn('nobody-here@example.com', `guess ${i}`)))
      ).map(signInOutcome);
      expect(tally(outcomes)).toEqual({ evaluated: 5, limited: 7 });
    });
  });

  it('limits sign-ins per client address, counting every attempt, in parallel', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_SIGNIN_PER_ADDRESS: '4', RATE_LIMIT_SIGNIN_PER_EMAIL: '1000' } });
    try {
      await seedUser(t, { email: 'addr@example.com', password: GOOD_PASSWORD });
      const outcomes = (
        await Promise.all(
          Array.from({ length: 12 }, (_, i) => t.gql(SIGN_IN, { email: `someone-${i}@example.com`, password: 'x' })),
        )
      ).map(signInOutcome);
      expect(tally(outcomes)).toEqual({ evaluated: 4, limited: 8 });
      // the right password from this address is refused too
      expect(signInOutcome(await t.gql(SIGN_IN, { email: 'addr@example.com', password: GOOD_PASSWORD }))).toBe(
        'limited',
      );
    } finally {
      await t.close();
    }
  });

  it('limits registrations per client address: parallel requests and aliases create at most the limit', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_REGISTER_PER_ADDRESS: '5', ...MANY_ALIASES } });
    try {
      const parallel = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          t.gql(REGISTER, { data: { email: `reg-${i}@example.com`, password: GOOD_PASSWORD } }),
        ),
      );
      const created = parallel.filter((r) => r.data.registerUser?.id);
      const limited = parallel.filter((r) => r.code === 'TOO_MANY_REQUESTS');
      expect([created.length, limited.length]).toEqual([5, 3]);
      for (const r of limited) {
        expect(r.errors![0].message).toMatch(/^Too many registrations from this address\. Try again in \d+ seconds\.$/);
      }
      // aliases in one request are counted one by one as well
      const aliased = await t.gql(
        `mutation { ${Array.from(
          { length: 4 },
          (_, i) =>
            `r${i}: registerUser(data: { email: "alias-${i}@example.com", password: "${GOOD_PASSWORD}" }) { id }`,
        ).join(' ')} }`,
      );
      expect(aliased.errors?.map((e) => e.extensions?.code)).toEqual(Array(4).fill('TOO_MANY_REQUESTS'));
      expect(await t.dataSource.getRepository(UserEntity).count()).toBe(5);
    } finally {
      await t.close();
    }
  });

  describe('self-service', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: MANY_ALIASES }); // the default limits: 5 wrong old passwords, 10 email changes
    });
    afterAll(() => t.close());

    const passwordAlias = (i: number, oldPassword: string) =>
      `p${i}: updateActiveUserPassword(oldPassword: ${JSON.stringify(oldPassword)}, newPassword: "a brand new passphrase", confirmPassword: "a brand new passphrase") { id }`;

    it('150 aliased old-password guesses evaluate 5; the right one after them does not pass', async () => {
      const email = 'guessed@example.com';
      const { token } = await seedUser(t, { email, password: GOOD_PASSWORD });
      const guesses = Array.from({ length: 150 }, (_, i) => (i === 100 ? GOOD_PASSWORD : `guess number ${i}`));
      const res = await t.gql(`mutation { ${guesses.map((g, i) => passwordAlias(i, g)).join(' ')} }`, {}, token);
      const byAlias = new Map(res.errors!.map((e) => [e.path![0], e]));
      expect(byAlias.size).toBe(150);
      const answers = guesses.map((_, i) => {
        const e = byAlias.get(`p${i}`)!;
        return `${e.extensions?.code}: ${e.message.replace(/\d+ seconds/, 'N seconds')}`;
      });
      expect(answers.slice(0, 5)).toEqual(Array(5).fill('BAD_USER_INPUT: Invalid old password'));
      expect(new Set(answers.slice(5))).toEqual(
        new Set(['TOO_MANY_REQUESTS: Too many wrong old passwords. Try again in N seconds.']),
      );
      // nothing changed: the old password still signs in, the guessed-at new one does not
      const signIn = async (password: string) =>
        (await t.gql(SIGN_IN, { email, password })).data.authenticateUserWithPassword.__typename;
      expect(await signIn(GOOD_PASSWORD)).toBe('UserAuthenticationWithPasswordSuccess');
      expect(await signIn('a brand new passphrase')).toBe('UserAuthenticationWithPasswordFailure');
      // the limit is per user: another user still has their five
      const other = await seedUser(t, { password: GOOD_PASSWORD });
      const own = await t.gql(`mutation { ${passwordAlias(0, 'not mine at all')} }`, {}, other.token);
      expect([own.code, own.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'Invalid old password']);
    });

    it('parallel old-password guesses evaluate at most 5', async () => {
      const { token } = await seedUser(t, { password: GOOD_PASSWORD });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.gql(`mutation { ${passwordAlias(0, `parallel guess ${i}`)} }`, {}, token),
        ),
      );
      expect(tally(results.map((r) => `${r.code}: ${r.errors?.[0].message.replace(/\d+ seconds/, 'N')}`))).toEqual({
        'BAD_USER_INPUT: Invalid old password': 5,
        'TOO_MANY_REQUESTS: Too many wrong old passwords. Try again in N.': 15,
      });
    });

    it('a right old password clears the count of wrong ones', async () => {
      const { token } = await seedUser(t, { password: GOOD_PASSWORD });
      const change = (oldPassword: string, newPassword: string) =>
        t.gql(
          `mutation($o: String!, $n: String!) { updateActiveUserPassword(oldPassword: $o, newPassword: $n, confirmPassword: $n) { id } }`,
          { o: oldPassword, n: newPassword },
          token,
        );
      for (let i = 0; i < 4; i++)
        expect((await change(`typo ${i}`, 'whatever passphrase')).code).toBe('BAD_USER_INPUT');
      expect((await change(GOOD_PASSWORD, 'the second passphrase')).errors).toBeUndefined();
      for (let i = 0; i < 5; i++)
        expect((await change(`typo ${i}`, 'whatever passphrase')).code).toBe('BAD_USER_INPUT');
      expect((await change('the second passphrase', 'a third passphrase')).code).toBe('TOO_MANY_REQUESTS');
    });

    it('200 aliased email changes apply at most 10', async () => {
      const { user, token } = await seedUser(t);
      const res = await t.gql(
        `mutation { ${Array.from(
          { length: 200 },
          (_, i) => `e${i}: updateActiveUser(data: { email: "probe-${i}@example.com" }) { email }`,
        ).join(' ')} }`,
        {},
        token,
      );
      const applied = Object.values(res.data).filter(Boolean);
      expect(applied).toEqual(Array.from({ length: 10 }, (_, i) => ({ email: `probe-${i}@example.com` })));
      expect(res.errors).toHaveLength(190);
      for (const e of res.errors!) {
        expect([e.extensions?.code, e.message]).toEqual([
          'TOO_MANY_REQUESTS',
          expect.stringMatching(/^Too many email changes\. Try again in \d+ seconds\.$/),
        ]);
      }
      const stored = await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: user.id });
      expect(stored.email).toBe('probe-9@example.com');
      // other profile fields are not limited, nor is "changing" the email to the one the user has
      const other = await t.gql(
        `mutation { updateActiveUser(data: { name: "Still Fine", email: "PROBE-9@example.com" }) { name email } }`,
        {},
        token,
      );
      expect(other.data.updateActiveUser).toEqual({ name: 'Still Fine', email: 'probe-9@example.com' });
    });

    it('parallel email changes apply at most 10', async () => {
      const { token } = await seedUser(t);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t.gql(`mutation { updateActiveUser(data: { email: "parallel-${i}@example.com" }) { email } }`, {}, token),
        ),
      );
      expect(results.filter((r) => r.data.updateActiveUser).length).toBe(10);
      expect(results.filter((r) => r.code === 'TOO_MANY_REQUESTS').length).toBe(20);
    });
  });

  describe('an email held by an unlinked identity profile answers like a free one', () => {
    let t: TestApp;
    let apiToken: string;
    beforeAll(async () => {
      t = await startTestApp();
      apiToken = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    });
    afterAll(() => t.close());

    const UPDATE = `mutation($email: String!) { updateActiveUser(data: { email: $email }) { id name email phone hasAccount } }`;
    /** a registered account whose email is verified, so it has its profile (SPEC §7) */
    const register = async (email: string) => {
      const reg = await t.gql(`mutation($data: UserRegisterInput!) { registerUser(data: $data) { id } }`, {
        data: { email, password: GOOD_PASSWORD },
      });
      await verifyEmail(t, email);
      const signIn = await t.gql(SIGN_IN, { email, password: GOOD_PASSWORD });
      const session = signIn.data.authenticateUserWithPassword.sessionToken as string;
      const me = await t.gql(`{ authenticatedItem { identity { id } } }`, {}, session);
      return {
        id: reg.data.registerUser.id as string,
        profileId: me.data.authenticatedItem.identity.id as string,
        session,
      };
    };
    const snapshot = async (profileId: string) => ({
      profile: await t.dataSource.getRepository(IdentityProfileEntity).findOneByOrFail({ id: profileId }),
      identifiers: await t.dataSource
        .getRepository(IdentityIdentifierEntity)
        .find({ where: { profileId }, order: { type: 'ASC' } }),
      attributes: await t.dataSource
        .getRepository(IdentityAttributeEntity)
        .find({ where: { profileId }, order: { key: 'ASC' } }),
    });

    it('updateActiveUser: the same answer, and neither profile is touched', async () => {
      const marketing = await t.gql(
        `mutation { upsertIdentity(identity: { email: "marketing@example.com", attributes: [{ name: "tier", value: "Gold" }] }) { id } }`,
        {},
        { basic: apiToken },
      );
      const marketingId = marketing.data.upsertIdentity.id as string;
      const a = await register('first-a@example.com');
      const b = await register('first-b@example.com');
      const marketingBefore = await snapshot(marketingId);
      const aBefore = await snapshot(a.profileId);

      const held = await t.gql(UPDATE, { email: 'Marketing@example.com' }, a.session);
      const free = await t.gql(UPDATE, { email: 'free-address@example.com' }, b.session);
      const shape = (r: GqlResult) => ({ errors: r.errors, ...r.data.updateActiveUser, id: 'x', email: 'x' });
      expect(shape(held)).toEqual(shape(free));
      expect(held.data.updateActiveUser).toEqual({
        id: a.id,
        name: null,
        email: 'marketing@example.com',
        phone: null,
        hasAccount: true,
      });
      // the account signs in with its new email
      expect(
        (await t.gql(SIGN_IN, { email: 'marketing@example.com', password: GOOD_PASSWORD })).data
          .authenticateUserWithPassword.__typename,
      ).toBe('UserAuthenticationWithPasswordSuccess');
      // the marketing profile is untouched and still unlinked; the account keeps its own profile as it was
      expect(await snapshot(marketingId)).toEqual(marketingBefore);
      expect(marketingBefore.profile.userId).toBeNull();
      const aAfter = await snapshot(a.profileId);
      expect({ ...aAfter, profile: { ...aAfter.profile, updatedAt: null } }).toEqual({
        ...aBefore,
        profile: { ...aBefore.profile, updatedAt: null },
      });
      expect(aAfter.profile.userId).toBe(a.id);
    });

    it('updateUser (admin) behaves the same way', async () => {
      const admin = await seedUser(t, { permissions: 'all' });
      await t.gql(
        `mutation { upsertIdentity(identity: { email: "crm@example.com" }) { id } }`,
        {},
        { basic: apiToken },
      );
      const c = await register('admin-target@example.com');
      const res = await t.gql(
        `mutation { updateUser(where: { id: "${c.id}" }, data: { email: "crm@example.com" }) { id email } }`,
        {},
        admin.token,
      );
      expect([res.errors, res.data.updateUser]).toEqual([undefined, { id: c.id, email: 'crm@example.com' }]);
    });

    it('an email another account has stays CONFLICT', async () => {
      await register('account-holder@example.com');
      const d = await register('wants-it@example.com');
      const res = await t.gql(UPDATE, { email: 'account-holder@example.com' }, d.session);
      expect([res.code, res.errors?.[0].message, res.errors?.[0].extensions?.field]).toEqual([
        'CONFLICT',
        'A user with this email already exists',
        'email',
      ]);
    });
  });
});
