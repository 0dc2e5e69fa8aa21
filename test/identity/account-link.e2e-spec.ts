import { EntityManager } from 'typeorm';
import { Permission, Scope } from '../../src/auth/permissions';
import { newId } from '../../src/database/columns';
import { TransactionService } from '../../src/database/transaction.service';
import {
  IdentityEventEntity,
  IdentityIdentifierEntity,
  IdentityProfileEntity,
} from '../../src/identity/identity.entity';
import { MERGE_ACTOR } from '../../src/identity/account-link.service';
import { IdentityMergeService } from '../../src/identity/merge.service';
import { ProfileStore } from '../../src/identity/profile-store';
import { AccountHooks } from '../../src/user/account-hooks';
import { UserEntity } from '../../src/user/user.entity';
import { verifyEmail } from '../helpers/account-mail';
import { seedApiToken, seedUser } from '../helpers/factories';
import { GqlResult, startTestApp, TestApp } from '../helpers/test-app';

const UPSERT = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email } }`;
const IDENTITY = `query($email: String!) { identity(email: $email) { id email identifiers { type value } attributes { name value } } }`;
const IDENTITY_USER = `query($email: String!) { identity(email: $email) { id user { id email } } }`;
const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email emailVerified identity { id email } } }`;
const ME = `{ authenticatedItem { id email emailVerified identity { id email identifiers { type value } attributes { name value } } } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;
const PASSWORD = 'a long passphrase 1';

/**
 * SPEC §7, accounts and profiles: an account is linked to the identity profile holding its email only once
 * the email is verified; until then it has none, and no account answer depends on the profiles that
 * integrations created.
 */
describe('accounts and identity profiles are one person, once the email is proved', () => {
  let t: TestApp;
  let token: string;
  let admin: string;
  const partner = () => ({ 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' });
  const register = (email: string, password = PASSWORD) => t.gql(REGISTER, { data: { email, password } });
  const signIn = async (email: string, password = PASSWORD) =>
    (await t.gql(SIGN_IN, { email, password })).data.authenticateUserWithPassword.sessionToken as string | undefined;
  const me = async (session: string) => (await t.gql(ME, {}, session)).data.authenticatedItem;
  const profileCount = async () => t.dataSource.getRepository(IdentityProfileEntity).count();
  const profile = (email: string) => t.gql(IDENTITY, { email }, { basic: token });
  /** a registered, signed-in account whose email is verified (and so linked) */
  const verifiedAccount = async (email: string) => {
    const reg = await register(email);
    await verifyEmail(t, email);
    const session = (await signIn(email))!;
    return { id: reg.data.registerUser.id as string, session, profileId: (await me(session)).identity.id as string };
  };

  beforeAll(async () => {
    t = await startTestApp();
    token = (await seedApiToken(t, [Scope.IdentitiesWrite, Scope.IdentitiesRead])).token;
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  describe('registration', () => {
    it('links no profile and reveals none, whether or not an integration created one for the address', async () => {
      const upserted = await t.gql(
        UPSERT,
        { identity: { email: 'shopper@example.com', attributes: [{ name: 'tier', value: 'Gold' }] } },
        { basic: token },
      );
      const before = await profileCount();
      const known = await register('Shopper@Example.com');
      const unknown = await register('nobody-knows@example.com');
      const shape = (r: GqlResult) => ({ errors: r.errors, ...r.data.registerUser, id: 'x', email: 'x' });
      expect(shape(known)).toEqual(shape(unknown));
      expect(known.data.registerUser).toEqual({
        id: expect.any(String),
        email: 'shopper@example.com',
        emailVerified: false,
        identity: null,
      });
      // no profile was created for the new address, and the integration's profile is untouched and unlinked
      expect(await profileCount()).toBe(before);
      const held = await t.gql(IDENTITY_USER, { email: 'shopper@example.com' }, admin);
      expect(held.data.identity).toEqual({ id: upserted.data.upsertIdentity.id, user: null });
      const session = (await signIn('shopper@example.com'))!;
      expect((await me(session)).identity).toBeNull();
    });

    it('answers the same for an address whose profile another account holds (an integration re-pointed it): no CONFLICT', async () => {
      const first = await verifiedAccount('first@example.com');
      const patch = await t.rest('patch', '/api/user/v1/identity', {
        headers: partner(),
        body: { old_identifier: { email: 'first@example.com' }, new_identifier: { email: 'repointed@example.com' } },
      });
      expect([patch.status, patch.body]).toEqual([200, {}]);
      const res = await register('repointed@example.com');
      expect(res.errors).toBeUndefined();
      expect(res.data.registerUser).toMatchObject({ email: 'repointed@example.com', identity: null });
      // verified: the address is proved, but another account's profile is never taken or merged
      await verifyEmail(t, 'repointed@example.com');
      const session = (await signIn('repointed@example.com'))!;
      expect(await me(session)).toMatchObject({ emailVerified: true, identity: null });
      const held = await t.gql(IDENTITY_USER, { email: 'repointed@example.com' }, admin);
      expect(held.data.identity).toEqual({ id: first.profileId, user: { id: first.id, email: 'first@example.com' } });
    });

    it('createUser (admin) makes an unverified account without a profile', async () => {
      const created = await t.gql(
        `mutation { createUser(data: { email: "fresh@example.com" }) { id emailVerified identity { id } } }`,
        {},
        admin,
      );
      expect(created.data.createUser).toEqual({ id: expect.any(String), emailVerified: false, identity: null });
    });
  });

  describe('verification', () => {
    it('links the profile holding the email, with its attributes', async () => {
      const upserted = await t.gql(
        UPSERT,
        { identity: { email: 'linker@example.com', attributes: [{ name: 'tier', value: 'Silver' }] } },
        { basic: token },
      );
      await register('linker@example.com');
      await verifyEmail(t, 'linker@example.com');
      const session = (await signIn('linker@example.com'))!;
      expect(await me(session)).toMatchObject({
        emailVerified: true,
        identity: {
          id: upserted.data.upsertIdentity.id,
          email: 'linker@example.com',
          attributes: [{ name: 'tier', value: 'Silver' }],
        },
      });
      const held = await t.gql(IDENTITY_USER, { email: 'linker@example.com' }, admin);
      expect(held.data.identity.user).toMatchObject({ email: 'linker@example.com' });
    });

    it('creates the profile when none holds the email', async () => {
      const before = await profileCount();
      await register('newcomer@example.com');
      await verifyEmail(t, 'newcomer@example.com');
      expect(await profileCount()).toBe(before + 1);
      const session = (await signIn('newcomer@example.com'))!;
      expect((await me(session)).identity).toMatchObject({
        email: 'newcomer@example.com',
        identifiers: [{ type: 'email', value: 'newcomer@example.com' }],
        attributes: [],
      });
    });

    it('an account made by an admin is linked once its owner verifies (here after signing in)', async () => {
      const created = await t.gql(
        `mutation { createUser(data: { email: "by-admin@example.com", password: "${PASSWORD}" }) { id } }`,
        {},
        admin,
      );
      const session = (await signIn('by-admin@example.com'))!;
      await verifyEmail(t, 'by-admin@example.com', session);
      expect(await me(session)).toMatchObject({
        id: created.data.createUser.id,
        emailVerified: true,
        identity: { email: 'by-admin@example.com' },
      });
    });
  });

  describe('email changes', () => {
    it("keep the account's profile as it is until the new address is verified, which moves the email identifier", async () => {
      const a = await verifiedAccount('mover@example.com');
      await t.gql(
        UPSERT,
        { identity: { email: 'mover@example.com', attributes: [{ name: 'kept', value: 'yes' }] } },
        { basic: token },
      );
      const changed = await t.gql(
        `mutation { updateActiveUser(data: { email: "Moved@example.com" }) { email emailVerified identity { id email } } }`,
        {},
        a.session,
      );
      expect(changed.data.updateActiveUser).toEqual({
        email: 'moved@example.com',
        emailVerified: false,
        identity: { id: a.profileId, email: 'mover@example.com' },
      });
      // the unverified address is in no profile: an integration writing it now creates a profile of its own
      expect((await profile('moved@example.com')).data.identity).toBeNull();

      await verifyEmail(t, 'moved@example.com');
      expect(await me(a.session)).toMatchObject({
        emailVerified: true,
        identity: { id: a.profileId, email: 'moved@example.com', attributes: [{ name: 'kept', value: 'yes' }] },
      });
      expect((await profile('mover@example.com')).data.identity).toBeNull();

      // by an admin: the same
      const byAdmin = await t.gql(
        `mutation { updateUser(where: { id: "${a.id}" }, data: { email: "moved2@example.com" }) { emailVerified identity { id email } } }`,
        {},
        admin,
      );
      expect(byAdmin.data.updateUser).toEqual({
        emailVerified: false,
        identity: { id: a.profileId, email: 'moved@example.com' },
      });
      await verifyEmail(t, 'moved2@example.com');
      expect((await profile('moved2@example.com')).data.identity.id).toBe(a.profileId);
    });

    it('to an address an unlinked profile holds answers as for a free one; verification merges that profile into the account’s', async () => {
      // the account's profile: a uuid and attributes of its own
      const a = await verifiedAccount('merger@example.com');
      const b = await verifiedAccount('bystander@example.com');
      let rest = await t.rest('post', '/api/user/v1/upsert', {
        headers: partner(),
        body: {
          users: [
            {
              identifiers: { email: 'merger@example.com', uuid: 'account-uuid' },
              attributes: { name: 'Mine', custom: { shared: 'mine', own: 'a' } },
            },
            {
              identifiers: { email: 'marketing@example.com', uuid: 'marketing-uuid', phone_number: '+358401234567' },
              attributes: { name: 'Theirs', surname: 'Known', custom: { shared: 'theirs', x: '1' } },
              events: [
                {
                  event_name: 'page_view',
                  timestamp: '2024-05-01T10:00:00Z',
                  event_params: { url: 'https://shop.example/a' },
                },
              ],
            },
          ],
        },
      });
      expect(rest.body).toEqual({ data: { successful: { count: 2 }, fail: {} } });
      const marketingId = (await profile('marketing@example.com')).data.identity.id as string;
      const snapshot = async (profileId: string) => ({
        identifiers: await t.dataSource
          .getRepository(IdentityIdentifierEntity)
          .find({ where: { profileId }, order: { type: 'ASC' } }),
        user: (await t.dataSource.getRepository(IdentityProfileEntity).findOneByOrFail({ id: profileId })).userId,
      });
      const marketingBefore = await snapshot(marketingId);

      const UPDATE = `mutation($email: String!) { updateActiveUser(data: { email: $email }) { id name email emailVerified phone hasAccount identity { id email } } }`;
      const held = await t.gql(UPDATE, { email: 'marketing@example.com' }, a.session);
      const free = await t.gql(UPDATE, { email: 'free-address@example.com' }, b.session);
      const shape = (r: GqlResult) => ({
        errors: r.errors,
        ...r.data.updateActiveUser,
        id: 'x',
        email: 'x',
        identity: { ...r.data.updateActiveUser.identity, id: 'x', email: 'x' },
      });
      expect(shape(held)).toEqual(shape(free));
      expect(held.data.updateActiveUser.identity).toEqual({ id: a.profileId, email: 'merger@example.com' });
      // nothing moves before the new address is proved
      expect(await snapshot(marketingId)).toEqual(marketingBefore);

      await verifyEmail(t, 'marketing@example.com');
      const after = await me(a.session);
      expect(after.identity).toEqual({
        id: a.profileId,
        email: 'marketing@example.com',
        // the account profile's uuid wins; the phone it lacked moves; the verified email replaces its old one
        identifiers: [
          { type: 'uuid', value: 'account-uuid' },
          { type: 'email', value: 'marketing@example.com' },
          { type: 'phone_number', value: '+358401234567' },
        ],
        // custom attributes: its own values win (shared), the others move (x)
        attributes: [
          { name: 'own', value: 'a' },
          { name: 'shared', value: 'mine' },
          { name: 'x', value: '1' },
        ],
      });
      expect(await t.dataSource.getRepository(IdentityProfileEntity).countBy({ id: marketingId })).toBe(0);
      expect((await profile('merger@example.com')).data.identity).toBeNull();
      // default attributes likewise (name is the account's, surname moves) and the events moved
      rest = await t.rest('post', '/api/user/v1/profile', {
        headers: partner(),
        body: {
          identifiers: { uuid: 'marketing-uuid' },
          attributes: ['name', 'surname'],
          events: { start_date: '2024-01-01T00:00:00Z', end_date: '2024-12-31T00:00:00Z', wanted: ['page_view'] },
        },
      });
      // the merged profile's uuid (the survivor has its own) is an alias of the survivor (SPEC §10)
      expect(rest.status).toBe(200);
      expect(rest.body.iid).toBe(a.profileId);
      rest = await t.rest('post', '/api/user/v1/profile', {
        headers: partner(),
        body: {
          identifiers: { phone_number: '+358401234567' },
          attributes: ['name', 'surname'],
          events: { start_date: '2024-01-01T00:00:00Z', end_date: '2024-12-31T00:00:00Z', wanted: ['page_view'] },
        },
      });
      expect(rest.body).toMatchObject({
        iid: a.profileId,
        attributes: { name: 'Mine', surname: 'Known' },
        events: { page_view: [{ url: 'https://shop.example/a', created_date: '2024-05-01T10:00:00Z' }] },
      });
    });

    it('an email another account has stays CONFLICT, and changes nothing', async () => {
      await verifiedAccount('account-holder@example.com');
      const d = await verifiedAccount('wants-it@example.com');
      const res = await t.gql(
        `mutation { updateActiveUser(data: { email: "account-holder@example.com" }) { id } }`,
        {},
        d.session,
      );
      expect([res.code, res.errors?.[0].message]).toEqual(['CONFLICT', 'A user with this email already exists']);
      expect(await me(d.session)).toMatchObject({ email: 'wants-it@example.com', emailVerified: true });
    });
  });

  it('the partner APIs never change sign-in credentials: upserting a linked profile keeps the account', async () => {
    await verifiedAccount('linked@example.com');
    await t.gql(
      UPSERT,
      { identity: { email: 'LINKED@example.com', attributes: [{ name: 'a', value: 'b' }] } },
      { basic: token },
    );
    expect(await signIn('linked@example.com')).toEqual(expect.any(String));
  });

  describe('Identity.user and User.identity', () => {
    it('Identity.user is account data: canReadUsers or the user themself, not an identity scope', async () => {
      const { id: userId, session, profileId } = await verifiedAccount('visible@example.com');
      const identitiesAdmin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
      const bothAdmin = (await seedUser(t, { permissions: [Permission.CanManageIdentities, Permission.CanReadUsers] }))
        .token;

      const byAdmin = await t.gql(IDENTITY_USER, { email: 'visible@example.com' }, bothAdmin);
      expect(byAdmin.errors).toBeUndefined();
      expect(byAdmin.data.identity.user).toEqual({ id: userId, email: 'visible@example.com' });

      for (const credential of [{ basic: token }, identitiesAdmin]) {
        const res = await t.gql(IDENTITY_USER, { email: 'visible@example.com' }, credential);
        expect(res.data.identity).toEqual({ id: profileId, user: null });
        expect([res.code, res.errors?.[0].message, res.errors?.[0].path]).toEqual([
          'FORBIDDEN',
          "Reading another user's account needs the canReadUsers or canManageUsers permission",
          ['identity', 'user'],
        ]);
      }
      // an unlinked profile simply has no user
      await t.gql(UPSERT, { identity: { email: 'unlinked@example.com' } }, { basic: token });
      const unlinked = await t.gql(IDENTITY_USER, { email: 'unlinked@example.com' }, { basic: token });
      expect([unlinked.errors, unlinked.data.identity.user]).toEqual([undefined, null]);

      const own = await t.gql(`{ authenticatedItem { identity { email user { id } } } }`, {}, session);
      expect(own.errors).toBeUndefined();
      expect(own.data.authenticatedItem.identity).toEqual({ email: 'visible@example.com', user: { id: userId } });
    });

    it('batches User.identity and Identity.user for a list (one query per field)', async () => {
      for (let i = 0; i < 5; i++) await verifiedAccount(`batch${i}@example.com`);
      const queries: string[] = [];
      const logger = t.dataSource.logger;
      const original = logger.logQuery.bind(logger);
      logger.logQuery = (q, p, r) => {
        queries.push(q);
        return original(q, p, r);
      };
      let res;
      try {
        res = await t.gql(`{ users(take: 100) { email identity { email user { id } } } }`, {}, admin);
      } finally {
        logger.logQuery = original;
      }
      expect(res.errors).toBeUndefined();
      const batched = res.data.users.filter((u: { email: string }) => u.email.startsWith('batch'));
      expect(batched).toHaveLength(5);
      for (const u of batched) expect(u.identity.email).toBe(u.email);
      // TypeORM quotes table names, ProfileStore's own SQL does not
      const identityQueries = queries.filter((q) => /FROM "?identity_profiles\b/.test(q));
      const identifierQueries = queries.filter((q) => /FROM "?identity_identifiers\b/.test(q));
      expect([identityQueries.length, identifierQueries.length]).toEqual([1, 1]);
    });
  });

  describe('the account hooks and the merge statements, called directly inside a transaction', () => {
    const run = <T>(work: (hooks: AccountHooks, manager: EntityManager) => Promise<T>) =>
      t.app.get(TransactionService).run((manager) => work(t.app.get(AccountHooks), manager));
    const linkedProfile = (userId: string) => t.dataSource.getRepository(IdentityProfileEntity).findOneBy({ userId });
    const emailOf = async (profileId: string) =>
      (await t.dataSource.getRepository(IdentityIdentifierEntity).findOneBy({ profileId, type: 'email' }))?.value ??
      null;
    const verified = (user: UserEntity, email = user.email) => ({ ...user, email, emailVerified: true }) as UserEntity;

    it('userCreated links nothing for an unverified account, and links a verified one', async () => {
      const { user } = await seedUser(t); // written straight to the database: no hook has run
      const count = await profileCount();
      await run((hooks, m) => hooks.userCreated(m, user));
      expect([await linkedProfile(user.id), await profileCount()]).toEqual([null, count]);
      await run((hooks, m) => hooks.userCreated(m, verified(user)));
      expect(await emailOf((await linkedProfile(user.id))!.id)).toBe(user.email);
    });

    it('emailChanged leaves every profile as it is', async () => {
      const { user } = await seedUser(t, { email: 'hook-move@example.com' });
      await run((hooks, m) => hooks.emailVerified(m, verified(user)));
      const profileId = (await linkedProfile(user.id))!.id;
      await run((hooks, m) =>
        hooks.emailChanged(m, { ...user, email: 'hook-moved@example.com' } as UserEntity, user.email),
      );
      expect(await emailOf(profileId)).toBe('hook-move@example.com');
    });

    it('emailVerified links or creates the profile; twice is harmless; it restores an email identifier an integration removed', async () => {
      const { user } = await seedUser(t, { email: 'hook-verify@example.com' });
      await run((hooks, m) => hooks.emailVerified(m, verified(user)));
      const profileId = (await linkedProfile(user.id))!.id;
      const count = await profileCount();
      await run((hooks, m) => hooks.emailVerified(m, verified(user)));
      expect([(await linkedProfile(user.id))!.id, await profileCount()]).toEqual([profileId, count]);

      await t.dataSource.getRepository(IdentityIdentifierEntity).delete({ profileId, type: 'email' });
      await run((hooks, m) => hooks.emailVerified(m, verified(user)));
      expect(await emailOf(profileId)).toBe('hook-verify@example.com');
    });

    it('a failure later in the transaction undoes the link and the merge', async () => {
      const { user } = await seedUser(t, { email: 'hook-rollback@example.com' });
      await run((hooks, m) => hooks.emailVerified(m, verified(user)));
      const own = (await linkedProfile(user.id))!.id;
      const other = await t.gql(
        UPSERT,
        { identity: { email: 'hook-other@example.com', attributes: [{ name: 'k', value: 'v' }] } },
        { basic: token },
      );
      const otherId = other.data.upsertIdentity.id as string;
      const count = await profileCount();
      await expect(
        run(async (hooks, m) => {
          await m.getRepository(IdentityProfileEntity).insert({ id: newId(), userId: null });
          await hooks.emailVerified(m, verified(user, 'hook-other@example.com'));
          throw new Error('the verification failed after all');
        }),
      ).rejects.toThrow('the verification failed after all');
      expect(await profileCount()).toBe(count);
      expect([await emailOf(own), await emailOf(otherId)]).toEqual([
        'hook-rollback@example.com',
        'hook-other@example.com',
      ]);
    });

    it('the merge of email verification (IdentityMergeService.mergeLocked) moves what the survivor lacks, keeps its own values, moves events, and records what it dropped', async () => {
      const rest = await t.rest('post', '/api/user/v1/upsert', {
        headers: partner(),
        body: {
          users: [
            {
              identifiers: { email: 'into@example.com', uuid: 'into-uuid' },
              attributes: { name: 'Into', custom: { both: 'into' } },
            },
            {
              identifiers: { email: 'from@example.com', uuid: 'from-uuid', phone_number: '+358501112222' },
              attributes: { surname: 'From', custom: { both: 'from', only: 'from' } },
              events: [
                { event_name: 'a', timestamp: '2024-01-01T00:00:00Z' },
                { event_name: 'b', timestamp: '2024-01-02T00:00:00Z' },
              ],
            },
          ],
        },
      });
      expect(rest.status).toBe(200);
      const into = (await profile('into@example.com')).data.identity.id as string;
      const from = (await profile('from@example.com')).data.identity.id as string;
      const merge = await t.app.get(TransactionService).run(async (m) => {
        await t.app.get(ProfileStore).takeProfiles(m, [into, from]);
        return t.app.get(IdentityMergeService).mergeLocked(m, into, [from], MERGE_ACTOR, 'test');
      });
      expect(merge).toMatchObject({ survivorId: into, mergedIds: [from], actor: 'system:email-verification' });
      expect(merge.conflicts).toEqual([
        {
          profileId: from,
          kind: 'identifier',
          name: 'email',
          value: 'from@example.com',
          kept: 'into@example.com',
          alias: true,
        },
        { profileId: from, kind: 'identifier', name: 'uuid', value: 'from-uuid', kept: 'into-uuid', alias: true },
        { profileId: from, kind: 'attribute', name: 'c_both', value: 'from', kept: 'into' },
      ]);
      expect((await profile('into@example.com')).data.identity.identifiers).toEqual([
        { type: 'uuid', value: 'into-uuid' },
        { type: 'email', value: 'into@example.com' },
        { type: 'phone_number', value: '+358501112222' },
      ]);
      expect(await t.dataSource.getRepository(IdentityEventEntity).countBy({ profileId: into })).toBe(2);
      expect(await t.dataSource.getRepository(IdentityProfileEntity).countBy({ id: from })).toBe(0);
      expect((await profile('into@example.com')).data.identity).toMatchObject({
        id: into,
        attributes: [
          { name: 'both', value: 'into' },
          { name: 'only', value: 'from' },
        ],
      });
    });
  });
});
