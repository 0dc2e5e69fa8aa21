import { Permission } from '../../src/auth/permissions';
import { seedCustomerToken, seedRole, seedSession, seedUser } from '../helpers/factories';
import { secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';
import { verifyEmail } from '../helpers/account-mail';

const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename
    ... on UserAuthenticationWithPasswordSuccess { sessionToken item { id email hasAccount } }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;
const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id name email hasAccount onboardingStatus } }`;
const ME = `{ authenticatedItem { id email name role { name } } }`;
const UPDATE_ACTIVE_USER = `mutation UpdateActiveUser($data: UserUpdateProfileInput!) {
  updateActiveUser(data: $data) { id name email phone onboardingStatus orderWebhookUrl }
}`;
const UPDATE_PASSWORD = `mutation UpdateActiveUserPassword($oldPassword: String!, $newPassword: String!, $confirmPassword: String!) {
  updateActiveUserPassword(oldPassword: $oldPassword, newPassword: $newPassword, confirmPassword: $confirmPassword) { id email }
}`;
const REGENERATE = `mutation RegenerateCustomerToken { regenerateCustomerToken { success token } }`;
const GOOD_PASSWORD = 'correct horse battery staple';

describe('accounts: sign-in, registration, self-service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_SIGNIN_PER_EMAIL: '3', RATE_LIMIT_REGISTER_PER_ADDRESS: '1000' } });
  });
  afterAll(() => t.close());

  const register = (email: string, password = GOOD_PASSWORD, name = 'Jane Doe') =>
    t.gql(REGISTER, { data: { name, email, password } });
  const signIn = (email: string, password: string) => t.gql(SIGN_IN, { email, password });

  it('registers, signs in and answers the signed-in user', async () => {
    const reg = await register('  Jane.Doe@Example.com ');
    expect(reg.errors).toBeUndefined();
    expect(reg.data.registerUser).toMatchObject({
      name: 'Jane Doe',
      email: 'jane.doe@example.com',
      hasAccount: true,
      onboardingStatus: 'not_started',
    });
    const res = await signIn('JANE.DOE@example.com', GOOD_PASSWORD);
    const auth = res.data.authenticateUserWithPassword;
    expect(auth.__typename).toBe('UserAuthenticationWithPasswordSuccess');
    expect(auth.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(auth.item).toEqual({ id: reg.data.registerUser.id, email: 'jane.doe@example.com', hasAccount: true });
    const me = await t.gql(ME, {}, auth.sessionToken);
    expect(me.data.authenticatedItem).toEqual({
      id: reg.data.registerUser.id,
      email: 'jane.doe@example.com',
      name: 'Jane Doe',
      role: null,
    });
  });

  it('answers the same failure for an unknown email and a wrong password', async () => {
    await register('known@example.com');
    const unknown = await signIn('nobody@example.com', GOOD_PASSWORD);
    const wrong = await signIn('known@example.com', 'not the password at all');
    for (const res of [unknown, wrong]) {
      expect(res.errors).toBeUndefined();
      expect(res.data.authenticateUserWithPassword).toEqual({
        __typename: 'UserAuthenticationWithPasswordFailure',
        message: 'Authentication failed.',
      });
    }
  });

  it('rate-limits failed sign-ins per email, with a message saying when to retry', async () => {
    await register('limited@example.com');
    for (let i = 0; i < 3; i++)
      expect(
        (await signIn('limited@example.com', 'wrong password here')).data.authenticateUserWithPassword.message,
      ).toBe('Authentication failed.');
    const blocked = await signIn('limited@example.com', GOOD_PASSWORD);
    expect(blocked.code).toBe('TOO_MANY_REQUESTS');
    expect(blocked.errors?.[0].message).toMatch(/^Too many failed sign-in attempts\. Try again in \d+ seconds\.$/);
    // another email is not affected
    await register('free@example.com');
    expect((await signIn('free@example.com', GOOD_PASSWORD)).data.authenticateUserWithPassword.__typename).toBe(
      'UserAuthenticationWithPasswordSuccess',
    );
  });

  it('refuses a taken email case-insensitively with CONFLICT naming the field', async () => {
    await register('taken@example.com');
    const res = await register('TAKEN@example.com');
    expect(res.code).toBe('CONFLICT');
    expect(res.errors?.[0].message).toBe('A user with this email already exists');
    expect(res.errors?.[0].extensions?.field).toBe('email');
  });

  it.each([
    ['short1234', 'Password must be at least 10 characters long'],
    ['password123', 'This password is too common. Choose a less common password.'],
    ['1234567890', 'This password is too common. Choose a less common password.'],
    ['x'.repeat(1001), 'Password must be at most 1000 characters long'],
  ])('refuses the password %#', async (password, message) => {
    const res = await register(`pw-${Math.random().toString(36).slice(2)}@example.com`, password);
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toBe(message);
  });

  it('refuses an invalid email', async () => {
    const res = await register('not-an-email');
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toBe('email is not a valid email address: not-an-email');
  });

  it('ends the session that sent endSession, and only that one', async () => {
    const { user, token } = await seedUser(t);
    const other = await seedSession(t, user.id);
    expect((await t.gql('mutation { endSession }', {}, token)).data.endSession).toBe(true);
    const again = await t.gql(ME, {}, token);
    expect(again.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(ME, {}, other)).data.authenticatedItem.id).toBe(user.id);
    expect((await t.gql('mutation { endSession }')).data.endSession).toBe(false);
  });

  describe('updateActiveUser', () => {
    it('updates the seed example fields, normalising the phone', async () => {
      const { user, token } = await seedUser(t);
      const res = await t.gql(
        `mutation { updateActiveUser(data: { name: "John Doe" email: "John.Doe.${user.id.slice(0, 8)}@example.com" phone: "+1234567890" }) { id name email } }`,
        {},
        token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.updateActiveUser).toEqual({
        id: user.id,
        name: 'John Doe',
        email: `john.doe.${user.id.slice(0, 8)}@example.com`,
      });
      const full = await t.gql(
        UPDATE_ACTIVE_USER,
        {
          data: {
            phone: '+358 (40) 123-4567',
            onboardingStatus: 'in_progress',
            orderWebhookUrl: 'https://shop.example.com/hooks/orders',
          },
        },
        token,
      );
      expect(full.data.updateActiveUser).toMatchObject({
        phone: '+358401234567',
        onboardingStatus: 'in_progress',
        orderWebhookUrl: 'https://shop.example.com/hooks/orders',
      });
    });

    it.each([
      [{ onboardingStatus: 'done' }, 'onboardingStatus must be one of not_started, in_progress, completed, dismissed'],
      [{ phone: '12345' }, 'phone must be an E.164 number: "+" and 7 to 15 digits, e.g. +358401234567'],
      [{ orderWebhookUrl: 'http://shop.example.com/hook' }, 'orderWebhookUrl must be an absolute https URL'],
      [{ orderWebhookUrl: '/relative/hook' }, 'orderWebhookUrl must be an absolute https URL'],
      [{ email: 'nope' }, 'email is not a valid email address: nope'],
      [{ email: '   ' }, 'email cannot be empty'],
      [{ name: 'x'.repeat(201) }, 'name must be shorter than or equal to 200 characters'],
    ])('refuses %j', async (data, message) => {
      const { token } = await seedUser(t);
      const res = await t.gql(UPDATE_ACTIVE_USER, { data }, token);
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe(message);
    });

    it('refuses an email another user holds, whatever its case, and changes nothing', async () => {
      const a = await seedUser(t, { email: 'holder@example.com' });
      const b = await seedUser(t, { name: 'Bee' });
      const res = await t.gql(UPDATE_ACTIVE_USER, { data: { email: 'Holder@Example.com', name: 'Changed' } }, b.token);
      expect(res.code).toBe('CONFLICT');
      expect(res.errors?.[0].message).toBe('A user with this email already exists');
      const me = await t.gql(ME, {}, b.token);
      expect(me.data.authenticatedItem).toMatchObject({ email: b.user.email, name: 'Bee' });
      expect(a.user.email).toBe('holder@example.com');
    });

    it('lets a customer token change the profile but not the email', async () => {
      const { user } = await seedUser(t);
      const ctok = await seedCustomerToken(t, user.id);
      expect((await t.gql(UPDATE_ACTIVE_USER, { data: { name: 'Via Token' } }, ctok)).data.updateActiveUser.name).toBe(
        'Via Token',
      );
      const res = await t.gql(UPDATE_ACTIVE_USER, { data: { email: 'new@example.com' } }, ctok);
      expect(res.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toBe('A customer token cannot change the email address');
    });

    it('concurrent changes of one field: every audit entry starts where the one before it ended', async () => {
      const { user, token } = await seedUser(t);
      const url = (i: number) => `https://shop-${i}.example.com/orders`;
      expect((await t.gql(UPDATE_ACTIVE_USER, { data: { orderWebhookUrl: url(0) } }, token)).errors).toBeUndefined();
      const answers = await Promise.all(
        [1, 2, 3, 4, 5, 6, 7, 8].map((i) => t.gql(UPDATE_ACTIVE_USER, { data: { orderWebhookUrl: url(i) } }, token)),
      );
      expect(answers.map((a) => a.errors)).toEqual(Array(8).fill(undefined));
      const rows: { changes: string }[] = await t.dataSource.query(
        `SELECT changes FROM audit_events WHERE resource_id = '${user.id}' AND action = 'user.updated'`,
      );
      // the URL is kept as its origin: https://shop-3.example.com/…
      const next = new Map<string, string>();
      for (const row of rows) {
        const [change] = JSON.parse(row.changes) as { field: string; old: string | null; new: string }[];
        expect(change.field).toBe('orderWebhookUrl');
        expect(next.has(String(change.old))).toBe(false); // two entries from one old value: a lost update
        next.set(String(change.old), change.new);
      }
      expect(rows).toHaveLength(9);
      // one chain from no URL through all nine values to the one stored
      const chain = ['null'];
      while (next.has(chain[chain.length - 1])) chain.push(next.get(chain[chain.length - 1])!);
      expect(chain).toHaveLength(10);
      const [stored] = await t.dataSource.query(`SELECT order_webhook_url AS url FROM users WHERE id = '${user.id}'`);
      expect(chain[9]).toBe(`${new URL(stored.url as string).origin}/…`);
    });
  });

  describe('updateActiveUserPassword', () => {
    it('checks old password, match, length, commonness in that order', async () => {
      const { token } = await seedUser(t, { password: GOOD_PASSWORD });
      const cases: [Record<string, string>, string][] = [
        [{ oldPassword: 'wrong old password', newPassword: 'short', confirmPassword: 'other' }, 'Invalid old password'],
        [{ oldPassword: GOOD_PASSWORD, newPassword: 'short', confirmPassword: 'other' }, 'Passwords do not match'],
        [
          { oldPassword: GOOD_PASSWORD, newPassword: 'short', confirmPassword: 'short' },
          'Password must be at least 10 characters long',
        ],
        [
          { oldPassword: GOOD_PASSWORD, newPassword: 'qwertyuiop', confirmPassword: 'qwertyuiop' },
          'This password is too common. Choose a less common password.',
        ],
      ];
      for (const [vars, message] of cases) {
        const res = await t.gql(UPDATE_PASSWORD, vars, token);
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toBe(message);
      }
    });

    it('changes the password and ends every other session', async () => {
      const email = 'changer@example.com';
      const { user, token } = await seedUser(t, { email, password: GOOD_PASSWORD });
      const other = await seedSession(t, user.id);
      expect((await t.gql(ME, {}, other)).data.authenticatedItem.id).toBe(user.id); // cached now
      const res = await t.gql(
        UPDATE_PASSWORD,
        {
          oldPassword: GOOD_PASSWORD,
          newPassword: 'a much better passphrase',
          confirmPassword: 'a much better passphrase',
        },
        token,
      );
      expect(res.data.updateActiveUserPassword).toEqual({ id: user.id, email });
      expect((await t.gql(ME, {}, token)).data.authenticatedItem.id).toBe(user.id);
      expect((await t.gql(ME, {}, other)).code).toBe('UNAUTHENTICATED');
      expect((await signIn(email, GOOD_PASSWORD)).data.authenticateUserWithPassword.message).toBe(
        'Authentication failed.',
      );
      expect((await signIn(email, 'a much better passphrase')).data.authenticateUserWithPassword.__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
    });
  });

  describe('regenerateCustomerToken', () => {
    it('returns ctok_ + 64 hex that signs in as the customer, and invalidates the previous one', async () => {
      const { user, token } = await seedUser(t);
      const first = await t.gql(REGENERATE, {}, token);
      expect(first.data.regenerateCustomerToken).toEqual({
        success: true,
        token: expect.stringMatching(/^ctok_[0-9a-f]{64}$/),
      });
      const ctok1 = first.data.regenerateCustomerToken.token;
      expect((await t.gql(ME, {}, ctok1)).data.authenticatedItem.id).toBe(user.id);
      const second = await t.gql(REGENERATE, {}, token);
      const ctok2 = second.data.regenerateCustomerToken.token;
      expect(ctok2).not.toBe(ctok1);
      expect((await t.gql(ME, {}, ctok1)).code).toBe('UNAUTHENTICATED');
      expect((await t.gql(ME, {}, ctok2)).data.authenticatedItem.id).toBe(user.id);
      const stored = await t.dataSource.query(
        'SELECT customer_token_hash FROM users WHERE id = $1'.replace(
          '$1',
          t.config.database.engine === 'postgres' ? '$1' : '?',
        ),
        [user.id],
      );
      expect(stored[0].customer_token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0].customer_token_hash).not.toContain(ctok2.slice(5));
    });

    it('gives a customer token no admin rights, even for an admin', async () => {
      const admin = await seedUser(t, { permissions: 'all' });
      const ctok = await seedCustomerToken(t, admin.user.id);
      const res = await t.gql('{ users { id } }', {}, ctok);
      expect(res.data.users).toEqual([{ id: admin.user.id }]);
      expect((await t.gql('{ roles { id } }', {}, ctok)).code).toBe('FORBIDDEN');
      expect((await t.gql(REGENERATE, {}, ctok)).code).toBe('FORBIDDEN');
    });
  });

  describe('admin user management', () => {
    let admin: string;
    beforeAll(async () => {
      admin = (await seedUser(t, { permissions: 'all' })).token;
    });

    it('creates a customer record without a password (hasAccount false), per the seed', async () => {
      const res = await t.gql(
        `mutation CreateUser($data: UserCreateInput!) { createUser(data: $data) { id name email hasAccount } }`,
        { data: { name: 'No Account', email: 'record@example.com' } },
        admin,
      );
      expect(res.data.createUser).toMatchObject({ name: 'No Account', email: 'record@example.com', hasAccount: false });
      expect((await signIn('record@example.com', '')).data.authenticateUserWithPassword.message).toBe(
        'Authentication failed.',
      );
    });

    it('creates an account with a password and a role, and lists, counts, reads, updates and deletes it', async () => {
      const role = await seedRole(t, [Permission.CanReadUsers], 'Support');
      const created = await t.gql(
        `mutation($data: UserCreateInput!) { createUser(data: $data) { id email hasAccount role { name canReadUsers } } }`,
        {
          data: {
            name: 'Sam Support',
            email: 'sam@example.com',
            password: GOOD_PASSWORD,
            role: { connect: { name: 'Support' } },
          },
        },
        admin,
      );
      expect(created.data.createUser).toMatchObject({
        email: 'sam@example.com',
        hasAccount: true,
        role: { name: 'Support', canReadUsers: true },
      });
      const id = created.data.createUser.id;
      const list = await t.gql(
        `{ users(where: { email: { contains: "SAM@" } }, orderBy: [{ email: asc }], take: 5) { id email } usersCount(where: { role: { name: { equals: "Support" } } }) }`,
        {},
        admin,
      );
      expect(list.data).toEqual({ users: [{ id, email: 'sam@example.com' }], usersCount: 1 });
      expect((await t.gql(`{ user(where: { email: "Sam@Example.com" }) { id } }`, {}, admin)).data.user).toEqual({
        id,
      });
      const updated = await t.gql(
        `mutation { updateUser(where: { id: "${id}" }, data: { name: "Samuel", role: { disconnect: true } }) { name role { id } } }`,
        {},
        admin,
      );
      expect(updated.data.updateUser).toEqual({ name: 'Samuel', role: null });
      expect(role.id).toBeDefined();
      const deleted = await t.gql(`mutation { deleteUser(where: { id: "${id}" }) { id email } }`, {}, admin);
      expect(deleted.data.deleteUser).toEqual({ id, email: 'sam@example.com' });
      expect((await t.gql(`{ user(where: { id: "${id}" }) { id } }`, {}, admin)).data.user).toBeNull();
    });

    it('filters users by emailVerified (true, false, or either when absent), in users, usersCount and a group', async () => {
      const proved = await seedUser(t, { email: 'proved@verified-filter.test', password: GOOD_PASSWORD });
      const unproved = await seedUser(t, { email: 'unproved@verified-filter.test', password: GOOD_PASSWORD });
      await verifyEmail(t, proved.user.email!, proved.token);
      const group = await t.gql(
        `mutation($data: CustomerGroupCreateInput!) { createCustomerGroup(data: $data) { id } }`,
        { data: { name: 'Verified filter', users: { connect: [{ id: proved.user.id }, { id: unproved.user.id }] } } },
        admin,
      );
      expect(group.errors).toBeUndefined();
      const LIST = `query($verified: Boolean, $group: ID!) {
        users(where: { email: { contains: "@verified-filter.test" }, emailVerified: $verified }, orderBy: [{ email: asc }]) {
          email emailVerified
        }
        usersCount(where: { email: { contains: "@verified-filter.test" }, emailVerified: $verified })
        customerGroup(where: { id: $group }) { users(where: { emailVerified: $verified }, orderBy: [{ email: asc }]) { email } }
      }`;
      const list = async (verified: boolean | null) =>
        (await t.gql(LIST, { verified, group: group.data.createCustomerGroup.id }, admin)).data;
      expect(await list(true)).toEqual({
        users: [{ email: 'proved@verified-filter.test', emailVerified: true }],
        usersCount: 1,
        customerGroup: { users: [{ email: 'proved@verified-filter.test' }] },
      });
      expect(await list(false)).toEqual({
        users: [{ email: 'unproved@verified-filter.test', emailVerified: false }],
        usersCount: 1,
        customerGroup: { users: [{ email: 'unproved@verified-filter.test' }] },
      });
      expect((await list(null)).usersCount).toBe(2);
      const bad = await t.gql(`{ usersCount(where: { emailVerified: "yes" }) }`, {}, admin);
      expect(bad.errors?.[0].message).toContain('Boolean cannot represent a non boolean value: "yes"');
    });

    it('answers NOT_FOUND for updating or deleting an unknown user', async () => {
      for (const q of [
        `mutation { updateUser(where: { id: "nope" }, data: { name: "x" }) { id } }`,
        `mutation { deleteUser(where: { email: "ghost@example.com" }) { id } }`,
      ]) {
        const res = await t.gql(q, {}, admin);
        expect(res.code).toBe('NOT_FOUND');
        expect(res.errors?.[0].message).toBe('User not found');
      }
    });

    it('needs canManageRoles to assign a role', async () => {
      const manager = await seedUser(t, { permissions: [Permission.CanManageUsers] });
      await seedRole(t, 'all', 'Superuser');
      const res = await t.gql(
        `mutation { createUser(data: { email: "esc@example.com", role: { connect: { name: "Superuser" } } }) { id } }`,
        {},
        manager.token,
      );
      expect(res.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toBe('Assigning a role needs the canManageRoles permission');
      expect((await t.gql(`{ user(where: { email: "esc@example.com" }) { id } }`, {}, admin)).data.user).toBeNull();
    });

    it('refuses an unknown role, a bad where, and a taken email on createUser', async () => {
      const unknownRole = await t.gql(
        `mutation { createUser(data: { email: "r1@example.com", role: { connect: { name: "Nope" } } }) { id } }`,
        {},
        admin,
      );
      expect([unknownRole.code, unknownRole.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'Role not found: Nope']);
      expect((await t.gql(`{ user(where: { email: "r1@example.com" }) { id } }`, {}, admin)).data.user).toBeNull();
      const both = await t.gql(`{ user(where: { id: "a", email: "b@example.com" }) { id } }`, {}, admin);
      expect([both.code, both.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'where: give exactly one of id or email',
      ]);
      await t.gql(`mutation { createUser(data: { email: "dup@example.com" }) { id } }`, {}, admin);
      const dup = await t.gql(`mutation { createUser(data: { email: "DUP@example.com" }) { id } }`, {}, admin);
      expect([dup.code, dup.errors?.[0].message]).toEqual(['CONFLICT', 'A user with this email already exists']);
    });

    it('ends every session of a user whose password an admin resets', async () => {
      const target = await seedUser(t, { password: GOOD_PASSWORD });
      expect((await t.gql(ME, {}, target.token)).data.authenticatedItem.id).toBe(target.user.id);
      const res = await t.gql(
        `mutation { updateUser(where: { id: "${target.user.id}" }, data: { password: "a fresh admin-set passphrase" }) { hasAccount } }`,
        {},
        admin,
      );
      expect(res.data.updateUser).toEqual({ hasAccount: true });
      expect((await t.gql(ME, {}, target.token)).code).toBe('UNAUTHENTICATED');
    });

    it('manages roles; names are unique; a permission change applies at once', async () => {
      const created = await t.gql(
        `mutation { createRole(data: { name: "Editors", canReadUsers: true }) { id name canReadUsers canManageUsers } }`,
        {},
        admin,
      );
      expect(created.data.createRole).toMatchObject({ name: 'Editors', canReadUsers: true, canManageUsers: false });
      const dup = await t.gql(`mutation { createRole(data: { name: "Editors" }) { id } }`, {}, admin);
      expect([dup.code, dup.errors?.[0].message]).toEqual(['CONFLICT', 'A role named "Editors" already exists']);
      const editor = await seedUser(t, { role: { id: created.data.createRole.id } as never });
      expect((await t.gql('{ usersCount }', {}, editor.token)).data.usersCount).toBeGreaterThan(1);
      await t.gql(
        `mutation { updateRole(where: { name: "Editors" }, data: { canReadUsers: false }) { id } }`,
        {},
        admin,
      );
      expect((await t.gql('{ usersCount }', {}, editor.token)).data.usersCount).toBe(1);
      expect((await t.gql('{ roles { name } }', {}, admin)).data.roles.map((r: { name: string }) => r.name)).toContain(
        'Editors',
      );
    });
  });
});

describe('the first admin', () => {
  it('is created at start from BOOTSTRAP_ADMIN_* and can sign in; a restart does not duplicate it', async () => {
    const env = { BOOTSTRAP_ADMIN_EMAIL: 'Boot@Example.com', BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap admin passphrase' };
    const t = await startTestApp({ env });
    try {
      const res = await t.gql(SIGN_IN, { email: 'boot@example.com', password: 'bootstrap admin passphrase' });
      const token = res.data.authenticateUserWithPassword.sessionToken;
      const me = await t.gql(ME, {}, token);
      expect(me.data.authenticatedItem).toMatchObject({ email: 'boot@example.com', role: { name: 'Admin' } });
      expect(
        (
          await t.gql(
            '{ roles { name canReadUsers canManageUsers canManageIdentities canManageApiTokens canManageRoles } }',
            {},
            token,
          )
        ).data.roles,
      ).toEqual([
        {
          name: 'Admin',
          canReadUsers: true,
          canManageUsers: true,
          canManageIdentities: true,
          canManageApiTokens: true,
          canManageRoles: true,
        },
      ]);
      const second = await startTestApp({
        env,
        databaseUrl: secondInstanceUrl(t.config),
      });
      expect((await second.gql('{ usersCount }', {}, token)).data.usersCount).toBe(1);
      await second.close();
    } finally {
      await t.close();
    }
  });

  it('is created by the CLI command user:create-admin', async () => {
    const t = await startTestApp();
    try {
      const { COMMANDS } = await import('../../src/cli/commands');
      const out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      await COMMANDS['user:create-admin'].run(t.app, {
        email: 'cli-admin@example.com',
        password: 'cli admin passphrase',
      });
      expect(out.mock.calls[0][0]).toMatch(/^created admin cli-admin@example\.com \(id [0-9a-f-]{36}\)$/);
      out.mockRestore();
      const res = await t.gql(SIGN_IN, { email: 'cli-admin@example.com', password: 'cli admin passphrase' });
      expect(res.data.authenticateUserWithPassword.item.email).toBe('cli-admin@example.com');
      await expect(
        COMMANDS['user:create-admin'].run(t.app, { email: 'cli-admin@example.com', password: 'cli admin passphrase' }),
      ).rejects.toThrow('A user with this email already exists');
    } finally {
      await t.close();
    }
  });
});

describe('user managers cannot take over staff accounts', () => {
  it('needs canManageRoles to change or delete a user who has a role', async () => {
    const t = await startTestApp();
    try {
      const manager = await seedUser(t, { permissions: [Permission.CanManageUsers, Permission.CanReadUsers] });
      const admin = await seedUser(t, { permissions: 'all', email: 'the-admin@example.com' });
      const customer = await seedUser(t, { email: 'plain@example.com' });
      for (const q of [
        `mutation { updateUser(where: { id: "${admin.user.id}" }, data: { password: "attacker chosen passphrase" }) { id } }`,
        `mutation { updateUser(where: { id: "${admin.user.id}" }, data: { email: "attacker@example.com" }) { id } }`,
        `mutation { deleteUser(where: { id: "${admin.user.id}" }) { id } }`,
      ]) {
        const res = await t.gql(q, {}, manager.token);
        expect([res.code, res.errors?.[0].message]).toEqual([
          'FORBIDDEN',
          'Changing a user who has a role needs the canManageRoles permission',
        ]);
      }
      expect((await t.gql(`{ authenticatedItem { email } }`, {}, admin.token)).data.authenticatedItem.email).toBe(
        'the-admin@example.com',
      );
      const ok = await t.gql(
        `mutation { updateUser(where: { id: "${customer.user.id}" }, data: { name: "Fine" }) { name } }`,
        {},
        manager.token,
      );
      expect(ok.data.updateUser).toEqual({ name: 'Fine' });
      const byAdmin = await t.gql(
        `mutation { updateUser(where: { id: "${manager.user.id}" }, data: { name: "Managed" }) { name } }`,
        {},
        admin.token,
      );
      expect(byAdmin.data.updateUser).toEqual({ name: 'Managed' });
    } finally {
      await t.close();
    }
  });

  it('forgets earlier failed sign-ins of an email once its owner signs in', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_SIGNIN_PER_EMAIL: '3' } });
    try {
      await seedUser(t, { email: 'forgetful@example.com', password: GOOD_PASSWORD });
      const attempt = (password: string) => t.gql(SIGN_IN, { email: 'forgetful@example.com', password });
      await attempt('wrong guess number 1');
      await attempt('wrong guess number 2');
      expect((await attempt(GOOD_PASSWORD)).data.authenticateUserWithPassword.__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
      await attempt('wrong guess number 3');
      await attempt('wrong guess number 4');
      expect((await attempt(GOOD_PASSWORD)).data.authenticateUserWithPassword.__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
    } finally {
      await t.close();
    }
  });
});
