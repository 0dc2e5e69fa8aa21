import { In } from 'typeorm';
import { NormaliseEmailsNfkc1795973935489 as PostgresMigration } from '../../src/database/migrations/postgres/1795973935489-NormaliseEmailsNfkc';
import { NormaliseEmailsNfkc1795973935489 as SqliteMigration } from '../../src/database/migrations/sqlite/1795973935489-NormaliseEmailsNfkc';
import { newId } from '../../src/database/columns';
import { UserEntity } from '../../src/user/user.entity';
import { verifyEmail } from '../helpers/account-mail';
import { seedApiToken, seedUser, SeededUser } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/**
 * Finding 9: look-alike emails (fullwidth letters, a zero-width space, NFC vs NFD, a trailing dot)
 * became separate accounts. Every email is NFKC-normalised, trimmed and lower-cased before every
 * comparison and store, so a look-alike is the same account; what cannot be an address is refused.
 */
const PASSWORD = 'a long enough passphrase';
const PARTNER = 'mailbrand';
const REGISTER = 'mutation($d: UserRegisterInput!) { registerUser(data: $d) { id email } }';
const SIGN_IN = `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
  ... on UserAuthenticationWithPasswordSuccess { item { id email } }
  ... on UserAuthenticationWithPasswordFailure { message } } }`;
const FORMAT = 'email must not contain invisible or formatting characters (such as a zero-width space)';

// as people may type or paste them
const LOOK_ALIKES: [string, string, string][] = [
  ['fullwidth letters', 'ada@example.com', 'ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ'],
  ['fullwidth capitals', 'bea@example.com', 'ＢＥＡ@Example.COM'],
  ['NFD for an NFC account', '\u00e9lodie@example.com', 'e\u0301lodie@example.com'],
  ['NFC for an NFD registration', 'zoe\u0301@example.com', 'zo\u00e9@example.com'],
  ['a ligature and a trailing space', 'office@example.com', 'o\ufb03ce@example.com '],
];
const REFUSED: [string, string, string][] = [
  ['a zero-width space', 'ada\u200b@example.com', FORMAT],
  ['a byte-order mark in front', '\ufeffada@example.com', FORMAT],
  ['a right-to-left mark', 'ada@exa\u200fmple.com', FORMAT],
  ['a trailing dot', 'ada@example.com.', 'email must not end with a dot'],
  ['no top-level domain', 'ada@example', 'email is not a valid email address: ada@example'],
];

describe('look-alike emails are one account, or refused (finding 9)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let partnerToken: string;
  let readToken: string;
  const partner = () => ({ 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': partnerToken });

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: PARTNER, RATE_LIMIT_REGISTER_PER_ADDRESS: '10000' } });
    admin = await seedUser(t, { permissions: 'all' });
    partnerToken = (await seedApiToken(t, ['identities:write'])).token;
    readToken = (await seedApiToken(t, ['identities:read'])).token;
  });
  afterAll(() => t.close());

  describe.each(LOOK_ALIKES)('%s', (_label, registered, lookAlike) => {
    let id: string;
    beforeAll(async () => {
      const res = await t.gql(REGISTER, { d: { email: registered, password: PASSWORD } });
      expect(res.errors).toBeUndefined();
      id = res.data.registerUser.id;
      expect(res.data.registerUser.email).toBe(registered.normalize('NFKC').toLowerCase());
      // proved, so the account has its profile (SPEC §7)
      await verifyEmail(t, res.data.registerUser.email);
    });

    it('signs in to the same account', async () => {
      const res = await t.gql(SIGN_IN, { e: lookAlike, p: PASSWORD });
      expect(res.data.authenticateUserWithPassword.item?.id).toBe(id);
    });

    it('cannot be registered again, nor created by an admin, nor taken by an email change: CONFLICT', async () => {
      const again = await t.gql(REGISTER, { d: { email: lookAlike, password: PASSWORD } });
      expect([again.code, again.errors?.[0].message]).toEqual(['CONFLICT', 'A user with this email already exists']);
      const created = await t.gql(
        'mutation($d: UserCreateInput!) { createUser(data: $d) { id } }',
        { d: { email: ` ${lookAlike} ` } },
        admin.token,
      );
      expect(created.code).toBe('CONFLICT');
      const other = await seedUser(t);
      const changed = await t.gql(
        'mutation($d: UserUpdateProfileInput!) { updateActiveUser(data: $d) { id } }',
        { d: { email: lookAlike } },
        other.token,
      );
      expect(changed.code).toBe('CONFLICT');
    });

    it('finds the account in user(where), users(where: email equals / in / contains) and customer-group connect', async () => {
      const one = await t.gql(
        'query($e: String!) { user(where: { email: $e }) { id } }',
        { e: lookAlike },
        admin.token,
      );
      expect(one.data.user?.id).toBe(id);
      for (const filter of [
        { equals: lookAlike },
        { in: [lookAlike, 'nobody@example.com'] },
        { contains: lookAlike },
      ]) {
        const res = await t.gql(
          'query($w: UserWhereInput!) { users(where: $w) { id } usersCount(where: $w) }',
          { w: { email: filter } },
          admin.token,
        );
        expect([res.data.users, res.data.usersCount]).toEqual([[{ id }], 1]);
      }
      const group = await t.gql(
        'mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { users { id } } }',
        { d: { name: `group ${id}`, users: { connect: [{ email: lookAlike }] } } },
        admin.token,
      );
      expect(group.data.createCustomerGroup?.users).toEqual([{ id }]);
    });

    it("is the account's identity profile in the Nosto API and the Insider API", async () => {
      const mine = await t.gql(
        'query($e: String!) { identity(email: $e) { id email user { id } } }',
        {
          e: registered,
        },
        admin.token,
      );
      const profileId = mine.data.identity.id;
      const found = await t.gql(
        'query($e: String!) { identity(email: $e) { id } }',
        { e: lookAlike },
        { basic: readToken },
      );
      expect(found.data.identity?.id).toBe(profileId);
      const upserted = await t.gql(
        'mutation($i: IdentityInput!) { upsertIdentity(identity: $i) { id email } }',
        { i: { email: lookAlike, attributes: [{ name: 'tier', value: 'gold' }] } },
        { basic: partnerToken },
      );
      expect(upserted.data.upsertIdentity).toEqual({ id: profileId, email: mine.data.identity.email });
      const rest = await t.rest('post', '/api/user/v1/upsert', {
        headers: partner(),
        body: { users: [{ identifiers: { email: lookAlike }, attributes: { name: 'Look' } }] },
      });
      expect(rest.body).toEqual({ data: { successful: { count: 1 }, fail: {} } });
      const profile = await t.rest('post', '/api/user/v1/profile', {
        headers: partner(),
        body: { identifiers: { email: lookAlike }, attributes: ['name', 'email'] },
      });
      expect([profile.status, profile.body.iid, profile.body.attributes.name]).toEqual([200, profileId, 'Look']);
    });
  });

  describe.each(REFUSED)('%s', (_label, email, message) => {
    it('is refused with BAD_USER_INPUT naming the field: registration, admin create, email change, Nosto upsert', async () => {
      const registered = await t.gql(REGISTER, { d: { email, password: PASSWORD } });
      expect([registered.code, registered.errors?.[0].message, registered.errors?.[0].extensions?.field]).toEqual([
        'BAD_USER_INPUT',
        message,
        'email',
      ]);
      const created = await t.gql(
        'mutation($d: UserCreateInput!) { createUser(data: $d) { id } }',
        { d: { email } },
        admin.token,
      );
      expect([created.code, created.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
      const customer = await seedUser(t);
      const changed = await t.gql(
        'mutation($d: UserUpdateProfileInput!) { updateActiveUser(data: $d) { id } }',
        { d: { email } },
        customer.token,
      );
      expect([changed.code, changed.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
      const upserted = await t.gql(
        'mutation($i: IdentityInput!) { upsertIdentity(identity: $i) { id } }',
        { i: { email } },
        { basic: partnerToken },
      );
      expect([upserted.code, upserted.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    });

    it('is refused by the Insider API, as an identifier and as an attribute', async () => {
      const identifier = await t.rest('post', '/api/user/v1/upsert', {
        headers: partner(),
        body: { users: [{ identifiers: { email } }] },
      });
      const reason = message.startsWith('email is not') ? 'not a valid email address' : message;
      expect(identifier.body.data.fail.errors).toEqual({ 'users.0.identifiers': [reason] });
      const patch = await t.rest('patch', '/api/user/v1/identity', {
        headers: partner(),
        body: { old_identifier: { email: 'someone@example.com' }, new_identifier: { email } },
      });
      expect([patch.status, patch.body]).toEqual([400, { error: `${reason}: bad request` }]);

      // With email not enabled as an identifier, it is a default attribute: the same rule applies.
      const settings = (enabledIdentifiers: string[]) =>
        t.gql(
          'mutation($d: IdentitySettingsInput!) { updateIdentitySettings(data: $d) { enabledIdentifiers } }',
          { d: { enabledIdentifiers } },
          admin.token,
        );
      await settings(['uuid', 'phone_number']);
      try {
        const attribute = await t.rest('post', '/api/user/v1/upsert', {
          headers: partner(),
          body: { users: [{ identifiers: { uuid: `u-${Date.now()}` }, attributes: { email } }] },
        });
        expect(attribute.body.data.fail.errors).toEqual({ 'users.0.attributes.email': [reason] });
      } finally {
        await settings(['uuid', 'email', 'phone_number']);
      }
    });

    it('signs in to nothing', async () => {
      await seedUser(t, { email: 'ada@example.com', password: PASSWORD }).catch(() => undefined);
      const res = await t.gql(SIGN_IN, { e: email, p: PASSWORD });
      expect(res.data.authenticateUserWithPassword).toEqual({ message: 'Authentication failed.' });
    });
  });

  it('stored addresses from before the change are rewritten to their NFKC form; look-alike duplicates are left and reported', async () => {
    const users = t.dataSource.getRepository(UserEntity);
    const ids: string[] = [];
    const insert = (email: string) => {
      ids.push(newId());
      return users.insert({ id: ids[ids.length - 1], email, onboardingStatus: 'not_started' });
    };
    await insert('ｂｏｂ@example.com'); // alone: rewritten
    await insert('cle\u0301ment@example.com'); // NFD, alone: rewritten
    await insert('dup@example.com');
    await insert('ｄｕｐ@example.com'); // its NFKC form is taken: left, reported
    await insert('zwsp\u200b@example.com'); // refused now: left, reported
    await insert('dot@example.com.'); // refused now: left, reported
    const [dupLookAlike, zwsp, dot] = ids.slice(3);
    // (by its id: CURRENT_TIMESTAMP has whole seconds on SQLite, so "the newest" could be another test's)
    const profile = { id: newId() };
    await t.dataSource.query(
      `INSERT INTO identity_profiles (id, created_at, updated_at) VALUES ('${profile.id}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
    );
    await t.dataSource.query(
      `INSERT INTO identity_identifiers (id, profile_id, type, value) VALUES ('${newId()}', '${profile.id}', 'email', 'ｂｏｂ@example.com')`,
    );

    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const runner = t.dataSource.createQueryRunner();
    let warnings: unknown[][];
    try {
      await (isPostgres() ? new PostgresMigration() : new SqliteMigration()).up(runner);
    } finally {
      warnings = [...warn.mock.calls];
      await runner.release();
      warn.mockRestore();
    }
    const emails = (await users.find({ where: { id: In(ids) }, order: { email: 'ASC' } })).map((u) => u.email);
    expect(emails).toEqual([
      'bob@example.com',
      'cl\u00e9ment@example.com',
      'dot@example.com.',
      'dup@example.com',
      'zwsp\u200b@example.com',
      'ｄｕｐ@example.com',
    ]);
    const identifiers = await t.dataSource.query(
      `SELECT value FROM identity_identifiers WHERE profile_id = '${profile.id}'`,
    );
    expect(identifiers).toEqual([{ value: 'bob@example.com' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0][0]).toContain(`users [${dupLookAlike}], identity_identifiers []`);
    const refusedNow = String(warnings[0][0]).split('; ')[1];
    expect(refusedNow).toMatch(/^these rows hold an address that is refused now/);
    expect(refusedNow).toContain(zwsp);
    expect(refusedNow).toContain(dot);
    expect(warnings[0][0]).not.toContain('@'); // ids only: no address in the log

    // and the rewritten account signs in with what its owner types
    await users.update(
      { email: 'bob@example.com' },
      { passwordHash: (await seedUser(t, { password: PASSWORD })).user.passwordHash },
    );
    const res = await t.gql(SIGN_IN, { e: 'ｂｏｂ@example.com', p: PASSWORD });
    expect(res.data.authenticateUserWithPassword.item?.email).toBe('bob@example.com');
  });
});
