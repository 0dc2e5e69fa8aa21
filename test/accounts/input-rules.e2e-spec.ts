import { RoleEntity } from '../../src/user/role.entity';
import { UserEntity } from '../../src/user/user.entity';
import { seedRole, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The account inputs' own rules (the DTOs': @ExactlyOneOf and the field rules in src/common), as a
 * client sees them: the message, its `field`, and that nothing was written.
 */
describe('account input rules (DTO validation)', () => {
  let t: TestApp;
  let admin: string;
  const UPDATE_ME = 'mutation($d: UserUpdateProfileInput!) { updateActiveUser(data: $d) { id } }';
  const UPDATE_USER =
    'mutation($w: UserWhereUniqueInput!, $d: UserUpdateInput!) { updateUser(where: $w, data: $d) { id } }';
  const CREATE_USER = 'mutation($d: UserCreateInput!) { createUser(data: $d) { id } }';
  const refusal = (res: { code?: string; errors?: { message: string; extensions?: Record<string, unknown> }[] }) => [
    res.code,
    res.errors?.[0].message,
    res.errors?.[0].extensions?.field,
  ];
  const row = (id: string) => t.dataSource.getRepository(UserEntity).findOneByOrFail({ id });

  beforeAll(async () => {
    t = await startTestApp();
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  describe('exactly one of id, email or name', () => {
    it.each([
      ['neither', {}],
      ['both', { id: 'x', email: 'x@example.com' }],
    ])('user(where) with %s is refused, named "where"', async (_label, where) => {
      const res = await t.gql('query($w: UserWhereUniqueInput!) { user(where: $w) { id } }', { w: where }, admin);
      expect(refusal(res)).toEqual(['BAD_USER_INPUT', 'where: give exactly one of id or email', 'where']);
    });

    it('a null key is not given; an empty one is', async () => {
      const { user } = await seedUser(t);
      const one = await t.gql(
        'query($w: UserWhereUniqueInput!) { user(where: $w) { id } }',
        { w: { id: user.id, email: null } },
        admin,
      );
      expect(one.data.user).toEqual({ id: user.id });
      const empty = await t.gql(
        'query($w: UserWhereUniqueInput!) { user(where: $w) { id } }',
        { w: { id: '' } },
        admin,
      );
      expect([empty.errors, empty.data.user]).toEqual([undefined, null]);
    });

    it('deleteUser and updateRole name their where; nothing is deleted or changed', async () => {
      const { user } = await seedUser(t);
      const deleted = await t.gql(
        'mutation($w: UserWhereUniqueInput!) { deleteUser(where: $w) { id } }',
        { w: { id: user.id, email: user.email } },
        admin,
      );
      expect(refusal(deleted)).toEqual(['BAD_USER_INPUT', 'where: give exactly one of id or email', 'where']);
      expect(await row(user.id)).toBeTruthy();
      const role = await t.gql(
        'mutation($w: RoleWhereUniqueInput!) { updateRole(where: $w, data: { canReadUsers: true }) { id } }',
        { w: {} },
        admin,
      );
      expect(refusal(role)).toEqual(['BAD_USER_INPUT', 'where: give exactly one of id or name', 'where']);
    });

    it('an empty role id finds no role (it used to fall through to "any role")', async () => {
      await seedRole(t, []);
      const roles = () => t.dataSource.getRepository(RoleEntity).find({ order: { id: 'ASC' } });
      const before = await roles();
      const updated = await t.gql(
        'mutation { updateRole(where: { id: "" }, data: { canManageRoles: true }) { id } }',
        {},
        admin,
      );
      expect([updated.code, updated.errors?.[0].message]).toEqual(['NOT_FOUND', 'Role not found']);
      expect(await roles()).toEqual(before);
      const created = await t.gql(
        CREATE_USER,
        { d: { email: 'no-role@example.com', role: { connect: { id: '' } } } },
        admin,
      );
      expect([created.code, created.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'Role not found: ']);
    });

    it('a role connect is named "role"', async () => {
      const res = await t.gql(
        CREATE_USER,
        { d: { email: 'two-roles@example.com', role: { connect: { id: 'a', name: 'b' } } } },
        admin,
      );
      expect(refusal(res)).toEqual(['BAD_USER_INPUT', 'role: give exactly one of id or name', 'role']);
      const none = await t.gql('{ user(where: { email: "two-roles@example.com" }) { id } }', {}, admin);
      expect(none.data.user).toBeNull();
    });

    it('a reference in a list carries its index; every bad one is named', async () => {
      const { user } = await seedUser(t);
      const res = await t.gql(
        'mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { id } }',
        { d: { name: 'Indexed', users: { connect: [{ id: user.id }, {}, { id: user.id, email: user.email }] } } },
        admin,
      );
      expect(refusal(res)).toEqual([
        'BAD_USER_INPUT',
        'users.connect.1: give exactly one of id or email; users.connect.2: give exactly one of id or email',
        'users.connect.1',
      ]);
    });

    it("a nested address's country connect is named by its path", async () => {
      const { user } = await seedUser(t);
      const res = await t.gql(
        UPDATE_USER,
        { w: { id: user.id }, d: { addresses: { create: [{ city: 'A' }, { country: { connect: {} } }] } } },
        admin,
      );
      expect(refusal(res)).toEqual([
        'BAD_USER_INPUT',
        'addresses.create.1.country.connect: give exactly one of id or iso2',
        'addresses.create.1.country.connect',
      ]);
    });
  });

  describe('profile fields', () => {
    it('null email is refused; null phone and webhook clear; null onboardingStatus is refused', async () => {
      const { user, token } = await seedUser(t);
      const set = await t.gql(
        UPDATE_ME,
        { d: { phone: ' +358 (40) 123-4567 ', orderWebhookUrl: ' https://shop.example.com/hook ' } },
        token,
      );
      expect(set.errors).toBeUndefined();
      expect(await row(user.id)).toMatchObject({
        phone: '+358401234567',
        orderWebhookUrl: 'https://shop.example.com/hook',
      });
      const noEmail = await t.gql(UPDATE_ME, { d: { email: null } }, token);
      expect(refusal(noEmail)).toEqual(['BAD_USER_INPUT', 'email cannot be empty', 'email']);
      const noStatus = await t.gql(UPDATE_ME, { d: { onboardingStatus: null } }, token);
      expect(refusal(noStatus)).toEqual(['BAD_USER_INPUT', 'onboardingStatus cannot be null', 'onboardingStatus']);
      const cleared = await t.gql(UPDATE_ME, { d: { phone: null, orderWebhookUrl: '  ' } }, token);
      expect(cleared.errors).toBeUndefined();
      expect(await row(user.id)).toMatchObject({ email: user.email, phone: null, orderWebhookUrl: null });
    });

    it('an email is stored normalised, a phone in E.164, by admins too', async () => {
      const res = await t.gql(
        'mutation($d: UserCreateInput!) { createUser(data: $d) { id email phone onboardingStatus } }',
        { d: { email: '  Ｍixed@Example.COM ', phone: '+44 (0)20 7946 0958' } },
        admin,
      );
      expect(res.data.createUser).toMatchObject({
        email: 'mixed@example.com',
        phone: '+442079460958',
        onboardingStatus: 'not_started',
      });
      const updated = await t.gql(
        UPDATE_USER,
        { w: { id: res.data.createUser.id }, d: { email: 'RENAMED@example.com', phone: '12345' } },
        admin,
      );
      expect(refusal(updated)).toEqual([
        'BAD_USER_INPUT',
        'phone must be an E.164 number: "+" and 7 to 15 digits, e.g. +358401234567',
        'phone',
      ]);
      expect((await row(res.data.createUser.id)).email).toBe('mixed@example.com');
    });

    it('a phone over 40 characters is refused by its length, whatever it normalises to', async () => {
      const { token } = await seedUser(t);
      const res = await t.gql(UPDATE_ME, { d: { phone: `+358 ${' '.repeat(30)}401234567` } }, token);
      expect(refusal(res)).toEqual(['BAD_USER_INPUT', 'phone must be shorter than or equal to 40 characters', 'phone']);
    });

    it('a webhook on a host without a top-level domain is an absolute https URL', async () => {
      const { token } = await seedUser(t);
      const res = await t.gql(UPDATE_ME, { d: { orderWebhookUrl: 'https://hooks.internal:8443/orders' } }, token);
      expect(res.errors).toBeUndefined();
      const bad = await t.gql(UPDATE_ME, { d: { orderWebhookUrl: 'https://' } }, token);
      expect(refusal(bad)).toEqual([
        'BAD_USER_INPUT',
        'orderWebhookUrl must be an absolute https URL',
        'orderWebhookUrl',
      ]);
    });
  });
});
