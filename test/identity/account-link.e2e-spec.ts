import { EntityManager } from 'typeorm';
import { Permission, Scope } from '../../src/auth/permissions';
import { newId } from '../../src/database/columns';
import { TransactionService } from '../../src/database/transaction.service';
import { IdentityIdentifierEntity, IdentityProfileEntity } from '../../src/identity/identity.entity';
import { AccountHooks } from '../../src/user/account-hooks';
import { UserEntity } from '../../src/user/user.entity';
import { seedApiToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const UPSERT = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email } }`;
const IDENTITY = `query($email: String!) { identity(email: $email) { id email identifiers { type value } attributes { name value } } }`;
const IDENTITY_USER = `query($email: String!) { identity(email: $email) { id user { id email } } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;

describe('accounts and identity profiles are one person', () => {
  let t: TestApp;
  let token: string;
  let admin: string;
  const register = async (email: string, password = 'a long passphrase 1') => {
    const res = await t.gql(
      `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email identity { id email } } }`,
      { data: { email, password } },
    );
    return res;
  };
  const signIn = async (email: string, password = 'a long passphrase 1') =>
    (await t.gql(SIGN_IN, { email, password })).data.authenticateUserWithPassword.sessionToken as string;
  const profileCount = async () => t.dataSource.getRepository(IdentityProfileEntity).count();

  beforeAll(async () => {
    t = await startTestApp();
    token = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  describe('through the account mutations', () => {
    it('registering links the existing profile of that email, keeping its attributes', async () => {
      const before = await t.gql(
        UPSERT,
        { identity: { email: 'shopper@example.com', attributes: [{ name: 'tier', value: 'Gold' }] } },
        { basic: token },
      );
      const reg = await t.gql(
        `mutation { registerUser(data: { name: "Shopper", email: "Shopper@Example.com", password: "shopper passphrase" }) { id identity { id email attributes { name value } } } }`,
      );
      expect(reg.errors).toBeUndefined();
      expect(reg.data.registerUser.identity).toEqual({
        id: before.data.upsertIdentity.id,
        email: 'shopper@example.com',
        attributes: [{ name: 'tier', value: 'Gold' }],
      });
      const after = await t.gql(IDENTITY_USER, { email: 'shopper@example.com' }, admin);
      expect(after.data.identity.user).toEqual({ id: reg.data.registerUser.id, email: 'shopper@example.com' });
    });

    it('registering or creating a user creates its profile when none exists', async () => {
      const reg = await register('newcomer@example.com');
      expect(reg.data.registerUser.identity).toEqual({ id: expect.any(String), email: 'newcomer@example.com' });
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

    it("moves the profile's email identifier when the account's email changes (updateActiveUser, updateUser)", async () => {
      const reg = await register('mover@example.com');
      const profileId = reg.data.registerUser.identity.id;
      await t.gql(
        UPSERT,
        { identity: { email: 'mover@example.com', attributes: [{ name: 'kept', value: 'yes' }] } },
        { basic: token },
      );
      const session = await signIn('mover@example.com');
      const moved = await t.gql(
        `mutation { updateActiveUser(data: { email: "Moved@example.com" }) { email identity { id email attributes { name value } } } }`,
        {},
        session,
      );
      expect(moved.data.updateActiveUser).toEqual({
        email: 'moved@example.com',
        identity: { id: profileId, email: 'moved@example.com', attributes: [{ name: 'kept', value: 'yes' }] },
      });
      expect((await t.gql(IDENTITY, { email: 'mover@example.com' }, { basic: token })).data.identity).toBeNull();
      const byAdmin = await t.gql(
        `mutation { updateUser(where: { email: "moved@example.com" }, data: { email: "moved2@example.com" }) { identity { id email } } }`,
        {},
        admin,
      );
      expect(byAdmin.data.updateUser.identity).toEqual({ id: profileId, email: 'moved2@example.com' });
      expect((await t.gql(IDENTITY, { email: 'moved2@example.com' }, { basic: token })).data.identity.id).toBe(
        profileId,
      );
      expect(await t.dataSource.getRepository(IdentityProfileEntity).countBy({ id: profileId })).toBe(1);
    });

    it('an email change to an email another profile holds answers as for a free one and touches no profile (updateUser)', async () => {
      const other = await t.gql(UPSERT, { identity: { email: 'someone-else@example.com' } }, { basic: token });
      const reg = await register('owner@example.com');
      const id = reg.data.registerUser.id;
      const res = await t.gql(
        `mutation { updateUser(where: { id: "${id}" }, data: { email: "someone-else@example.com", name: "Changed" }) { id email name } }`,
        {},
        admin,
      );
      expect([res.errors, res.data.updateUser]).toEqual([
        undefined,
        { id, email: 'someone-else@example.com', name: 'Changed' },
      ]);
      // the account keeps its profile as it was; the other profile stays unlinked (SPEC §7 merges on verification)
      const user = await t.gql(`{ user(where: { id: "${id}" }) { email identity { id email } } }`, {}, admin);
      expect(user.data.user).toEqual({
        email: 'someone-else@example.com',
        identity: { id: reg.data.registerUser.identity.id, email: 'owner@example.com' },
      });
      const held = await t.gql(IDENTITY_USER, { email: 'someone-else@example.com' }, admin);
      expect(held.data.identity).toEqual({ id: other.data.upsertIdentity.id, user: null });
    });

    it('an email change to an email another profile holds answers as for a free one and touches no profile (updateActiveUser)', async () => {
      await t.gql(
        UPSERT,
        { identity: { email: 'taken-by-profile@example.com', attributes: [{ name: 'x', value: '1' }] } },
        { basic: token },
      );
      await register('self@example.com');
      const session = await signIn('self@example.com');
      const res = await t.gql(
        `mutation { updateActiveUser(data: { email: "taken-by-profile@example.com", name: "Changed" }) { email name } }`,
        {},
        session,
      );
      expect([res.errors, res.data.updateActiveUser]).toEqual([
        undefined,
        { email: 'taken-by-profile@example.com', name: 'Changed' },
      ]);
      const me = await t.gql(`{ authenticatedItem { email name identity { email } } }`, {}, session);
      expect(me.data.authenticatedItem).toEqual({
        email: 'taken-by-profile@example.com',
        name: 'Changed',
        identity: { email: 'self@example.com' },
      });
      // the other profile is untouched
      expect(
        (await t.gql(IDENTITY, { email: 'taken-by-profile@example.com' }, { basic: token })).data.identity,
      ).toMatchObject({
        identifiers: [{ type: 'email', value: 'taken-by-profile@example.com' }],
        attributes: [{ name: 'x', value: '1' }],
      });
      // the account signs in with its new email, not the old one
      expect(await signIn('taken-by-profile@example.com')).toEqual(expect.any(String));
      expect(await signIn('self@example.com')).toBeUndefined();
    });

    it('a new account is CONFLICT when the profile of its email belongs to another account (an integration moved it)', async () => {
      const first = await register('first@example.com');
      // the Insider API re-points the linked profile's email; the account's sign-in email stays
      const patch = await t.rest('patch', '/api/user/v1/identity', {
        headers: { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' },
        body: { old_identifier: { email: 'first@example.com' }, new_identifier: { email: 'repointed@example.com' } },
      });
      expect([patch.status, patch.body]).toEqual([200, {}]);
      expect(await signIn('first@example.com')).toEqual(expect.any(String));
      const users = await t.dataSource.getRepository(UserEntity).count();
      const res = await register('repointed@example.com');
      expect([res.code, res.errors?.[0].message]).toEqual([
        'CONFLICT',
        'The identity profile of repointed@example.com belongs to another account',
      ]);
      expect(await t.dataSource.getRepository(UserEntity).count()).toBe(users);
      const profile = await t.gql(IDENTITY_USER, { email: 'repointed@example.com' }, admin);
      expect(profile.data.identity.user).toEqual({ id: first.data.registerUser.id, email: 'first@example.com' });
    });

    it('the partner APIs never change sign-in credentials: upserting a linked profile keeps the account', async () => {
      await register('linked@example.com', 'linked passphrase');
      await t.gql(
        UPSERT,
        { identity: { email: 'LINKED@example.com', attributes: [{ name: 'a', value: 'b' }] } },
        { basic: token },
      );
      expect(await signIn('linked@example.com', 'linked passphrase')).toEqual(expect.any(String));
    });
  });

  describe('Identity.user and User.identity', () => {
    it('Identity.user is account data: canReadUsers or the user themself, not an identity scope', async () => {
      const reg = await register('visible@example.com');
      const userId = reg.data.registerUser.id;
      const session = await signIn('visible@example.com');
      const identitiesAdmin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
      const bothAdmin = (await seedUser(t, { permissions: [Permission.CanManageIdentities, Permission.CanReadUsers] }))
        .token;

      const byAdmin = await t.gql(IDENTITY_USER, { email: 'visible@example.com' }, bothAdmin);
      expect(byAdmin.errors).toBeUndefined();
      expect(byAdmin.data.identity.user).toEqual({ id: userId, email: 'visible@example.com' });

      for (const credential of [{ basic: token }, identitiesAdmin]) {
        const res = await t.gql(IDENTITY_USER, { email: 'visible@example.com' }, credential);
        expect(res.data.identity).toEqual({ id: reg.data.registerUser.identity.id, user: null });
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
      for (let i = 0; i < 5; i++) await register(`batch${i}@example.com`);
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

  describe('the account hook, called directly inside a transaction', () => {
    const run = <T>(work: (hooks: AccountHooks, manager: EntityManager) => Promise<T>) =>
      t.app.get(TransactionService).run((manager) => work(t.app.get(AccountHooks), manager));
    const linkedProfile = (userId: string) => t.dataSource.getRepository(IdentityProfileEntity).findOneBy({ userId });
    const emailOf = async (profileId: string) =>
      (await t.dataSource.getRepository(IdentityIdentifierEntity).findOneBy({ profileId, type: 'email' }))?.value ??
      null;

    it('userCreated creates and links a profile, or links the one holding the email; twice is harmless', async () => {
      const { user } = await seedUser(t); // written straight to the database: no hook has run
      expect(await linkedProfile(user.id)).toBeNull();
      await run((hooks, m) => hooks.userCreated(m, user));
      const profile = await linkedProfile(user.id);
      expect(await emailOf(profile!.id)).toBe(user.email);
      const count = await profileCount();
      await run((hooks, m) => hooks.userCreated(m, user));
      expect([(await linkedProfile(user.id))!.id, await profileCount()]).toEqual([profile!.id, count]);

      const existing = await t.gql(UPSERT, { identity: { email: 'hook-existing@example.com' } }, { basic: token });
      const { user: second } = await seedUser(t, { email: 'hook-existing@example.com' });
      await run((hooks, m) => hooks.userCreated(m, second));
      expect((await linkedProfile(second.id))!.id).toBe(existing.data.upsertIdentity.id);
    });

    it('userCreated is CONFLICT when the profile of the email belongs to another user, and rolls back', async () => {
      const { user: owner } = await seedUser(t, { email: 'hook-owner@example.com' });
      await run((hooks, m) => hooks.userCreated(m, owner));
      const intruder = { ...owner, id: (await seedUser(t)).user.id } as UserEntity;
      const marker = await profileCount();
      await expect(
        run(async (hooks, m) => {
          // a write earlier in the same transaction must be undone too
          await m.getRepository(IdentityProfileEntity).insert({ id: newId(), userId: null });
          await hooks.userCreated(m, intruder);
        }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'The identity profile of hook-owner@example.com belongs to another account',
      });
      expect(await profileCount()).toBe(marker);
      expect(await linkedProfile(intruder.id)).toBeNull();
    });

    it('emailChanged moves the email identifier; when another profile holds it, neither profile changes', async () => {
      const { user } = await seedUser(t, { email: 'hook-move@example.com' });
      await run((hooks, m) => hooks.userCreated(m, user));
      const profileId = (await linkedProfile(user.id))!.id;
      const changed = { ...user, email: 'hook-moved@example.com' } as UserEntity;
      await run((hooks, m) => hooks.emailChanged(m, changed, 'hook-move@example.com'));
      expect(await emailOf(profileId)).toBe('hook-moved@example.com');

      const taken = await t.gql(UPSERT, { identity: { email: 'hook-taken@example.com' } }, { basic: token });
      const takenId = taken.data.upsertIdentity.id as string;
      const clash = { ...user, email: 'hook-taken@example.com' } as UserEntity;
      await run((hooks, m) => hooks.emailChanged(m, clash, 'hook-moved@example.com'));
      expect(await emailOf(profileId)).toBe('hook-moved@example.com');
      expect(await emailOf(takenId)).toBe('hook-taken@example.com');
      expect(
        (await t.dataSource.getRepository(IdentityProfileEntity).findOneByOrFail({ id: takenId })).userId,
      ).toBeNull();

      // an account without a profile is not linked to the profile holding its new email either
      const { user: bare } = await seedUser(t, { email: 'hook-bare@example.com' });
      await run((hooks, m) =>
        hooks.emailChanged(m, { ...bare, email: 'hook-taken@example.com' } as UserEntity, bare.email),
      );
      expect(await linkedProfile(bare.id)).toBeNull();
      expect(
        (await t.dataSource.getRepository(IdentityProfileEntity).findOneByOrFail({ id: takenId })).userId,
      ).toBeNull();
    });

    it('emailChanged links a user that had no profile, and restores an email identifier an integration removed', async () => {
      const { user } = await seedUser(t, { email: 'hook-unlinked@example.com' });
      const changed = { ...user, email: 'hook-late@example.com' } as UserEntity;
      await run((hooks, m) => hooks.emailChanged(m, changed, user.email));
      const profile = await linkedProfile(user.id);
      expect(await emailOf(profile!.id)).toBe('hook-late@example.com');

      await t.dataSource.getRepository(IdentityIdentifierEntity).delete({ profileId: profile!.id, type: 'email' });
      const again = { ...user, email: 'hook-later@example.com' } as UserEntity;
      await run((hooks, m) => hooks.emailChanged(m, again, 'hook-late@example.com'));
      expect(await emailOf(profile!.id)).toBe('hook-later@example.com');
    });
  });
});
