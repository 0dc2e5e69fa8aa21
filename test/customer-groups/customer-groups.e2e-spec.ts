import { Permission } from '../../src/auth/permissions';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { seedApiToken, seedCustomerToken, seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

// The seed's documents (002_…, Openfront/KeystoneJS), sent as written.
const CREATE_GROUP = `mutation CreateCustomerGroup($data: CustomerGroupCreateInput!) {
createCustomerGroup(data: $data) {
id
name
metadata
users {
id
name
email
}
}
}`;

const UPDATE_GROUP = `mutation UpdateCustomerGroup(
$where: CustomerGroupWhereUniqueInput!
$data: CustomerGroupUpdateInput!
) {
updateCustomerGroup(where: $where, data: $data) {
id
name
users {
id
name
}
}
}`;

const addUsersToGroup = (groupId: string, userId1: string, userId2: string) => `mutation {
updateCustomerGroup(
where: { id: "${groupId}" }
data: {
users: {
connect: [
{ id: "${userId1}" }
{ id: "${userId2}" }
]
}
}
) {
id
name
users {
id
name
email
}
}
}`;

const GROUP = `query G($where: CustomerGroupWhereUniqueInput!) {
  customerGroup(where: $where) { id name metadata usersCount users { id email customerGroups { name } } }
}`;
const DELETE_GROUP = `mutation D($where: CustomerGroupWhereUniqueInput!) {
  deleteCustomerGroup(where: $where) { id name metadata }
}`;
const LIST = `query L($where: CustomerGroupWhereInput, $orderBy: [CustomerGroupOrderByInput!], $take: Int, $skip: Int) {
  customerGroups(where: $where, orderBy: $orderBy, take: $take, skip: $skip) { name usersCount }
  customerGroupsCount(where: $where)
}`;

describe('customer groups (SPEC §3.3)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let reader: SeededUser;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await seedUser(t, { permissions: [Permission.CanManageUsers] });
    reader = await seedUser(t, { permissions: [Permission.CanReadUsers] });
  });
  afterAll(() => t.close());

  const membersOf = async (groupId: string) =>
    (await t.dataSource.getRepository(CustomerGroupUserEntity).find({ where: { customerGroupId: groupId } }))
      .map((m) => m.userId)
      .sort();
  const groupRow = (name: string) => t.dataSource.getRepository(CustomerGroupEntity).findOne({ where: { name } });
  const byEmail = (list: { email: string }[]) => [...list].sort((a, b) => a.email.localeCompare(b.email));

  async function createGroup(data: Record<string, unknown>): Promise<{ id: string; name: string }> {
    const res = await t.gql(CREATE_GROUP, { data }, admin.token);
    expect(res.errors).toBeUndefined();
    return res.data.createCustomerGroup;
  }

  describe('the seed examples', () => {
    let alice: SeededUser;
    let bob: SeededUser;
    let carol: SeededUser;
    let groupId: string;
    beforeAll(async () => {
      alice = await seedUser(t, { name: 'Alice', email: 'alice@example.com' });
      bob = await seedUser(t, { name: 'Bob', email: 'bob@example.com' });
      carol = await seedUser(t, { name: 'Carol', email: 'carol@example.com' });
    });

    it('CreateCustomerGroup creates the group with metadata and users connected by id or email', async () => {
      const res = await t.gql(
        CREATE_GROUP,
        {
          data: {
            name: 'Wholesale',
            metadata: { discount: 15, tier: 'gold', tags: ['b2b'], nested: { net: 30 } },
            users: { connect: [{ id: alice.user.id }, { email: 'BOB@example.com' }] },
          },
        },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      groupId = res.data.createCustomerGroup.id;
      expect(res.data.createCustomerGroup).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Wholesale',
        metadata: { discount: 15, tier: 'gold', tags: ['b2b'], nested: { net: 30 } },
        users: expect.any(Array),
      });
      expect(byEmail(res.data.createCustomerGroup.users)).toEqual([
        { id: alice.user.id, name: 'Alice', email: 'alice@example.com' },
        { id: bob.user.id, name: 'Bob', email: 'bob@example.com' },
      ]);
      expect(await membersOf(groupId)).toEqual([alice.user.id, bob.user.id].sort());
    });

    it('UpdateCustomerGroup renames the group and changes its users', async () => {
      const res = await t.gql(
        UPDATE_GROUP,
        {
          where: { id: groupId },
          data: {
            name: 'Wholesale EU',
            users: { disconnect: [{ id: alice.user.id }], connect: [{ id: carol.user.id }] },
          },
        },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.updateCustomerGroup.id).toBe(groupId);
      expect(res.data.updateCustomerGroup.name).toBe('Wholesale EU');
      expect([...res.data.updateCustomerGroup.users].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { id: bob.user.id, name: 'Bob' },
        { id: carol.user.id, name: 'Carol' },
      ]);
      expect(await membersOf(groupId)).toEqual([bob.user.id, carol.user.id].sort());
    });

    it('"Add Users to Customer Group" connects users; connecting a member again is a no-op', async () => {
      const res = await t.gql(addUsersToGroup(groupId, alice.user.id, bob.user.id), undefined, admin.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.updateCustomerGroup.name).toBe('Wholesale EU');
      expect(byEmail(res.data.updateCustomerGroup.users)).toEqual([
        { id: alice.user.id, name: 'Alice', email: 'alice@example.com' },
        { id: bob.user.id, name: 'Bob', email: 'bob@example.com' },
        { id: carol.user.id, name: 'Carol', email: 'carol@example.com' },
      ]);
      expect(await membersOf(groupId)).toEqual([alice.user.id, bob.user.id, carol.user.id].sort());
    });

    it('customerGroup reads the group, its usersCount, and User.customerGroups the other way', async () => {
      const res = await t.gql(GROUP, { where: { name: 'Wholesale EU' } }, reader.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.customerGroup).toMatchObject({ id: groupId, name: 'Wholesale EU', usersCount: 3 });
      expect(byEmail(res.data.customerGroup.users)).toEqual([
        { id: alice.user.id, email: 'alice@example.com', customerGroups: [{ name: 'Wholesale EU' }] },
        { id: bob.user.id, email: 'bob@example.com', customerGroups: [{ name: 'Wholesale EU' }] },
        { id: carol.user.id, email: 'carol@example.com', customerGroups: [{ name: 'Wholesale EU' }] },
      ]);
    });
  });

  describe('relate-to-many', () => {
    it('set replaces the members with exactly the given users', async () => {
      const [a, b, c] = await Promise.all([seedUser(t), seedUser(t), seedUser(t)]);
      const group = await createGroup({ name: 'Set test', users: { connect: [{ id: a.user.id }, { id: b.user.id }] } });
      const res = await t.gql(
        UPDATE_GROUP,
        { where: { id: group.id }, data: { users: { set: [{ id: b.user.id }, { email: c.user.email }] } } },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      expect(await membersOf(group.id)).toEqual([b.user.id, c.user.id].sort());
      const empty = await t.gql(UPDATE_GROUP, { where: { id: group.id }, data: { users: { set: [] } } }, admin.token);
      expect(empty.errors).toBeUndefined();
      expect(empty.data.updateCustomerGroup.users).toEqual([]);
      expect(await membersOf(group.id)).toEqual([]);
    });

    it('set and disconnect cannot be given together', async () => {
      const group = await createGroup({ name: 'Set+disconnect' });
      const res = await t.gql(
        UPDATE_GROUP,
        { where: { id: group.id }, data: { users: { set: [], disconnect: [] } } },
        admin.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('users: set and disconnect cannot both be given');
    });

    it('disconnecting a user who is not a member (or does not exist) changes nothing', async () => {
      const [a, b] = await Promise.all([seedUser(t), seedUser(t)]);
      const group = await createGroup({ name: 'Disconnect test', users: { connect: [{ id: a.user.id }] } });
      const res = await t.gql(
        UPDATE_GROUP,
        {
          where: { id: group.id },
          data: { users: { disconnect: [{ id: b.user.id }, { email: 'nobody@example.com' }] } },
        },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      expect(await membersOf(group.id)).toEqual([a.user.id]);
    });

    it('a user reference needs exactly one of id or email', async () => {
      const res = await t.gql(CREATE_GROUP, { data: { name: 'Ref test', users: { connect: [{}] } } }, admin.token);
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('users.connect.0: give exactly one of id or email');
      expect(await groupRow('Ref test')).toBeNull();
    });
  });

  describe('atomicity: a connect to an unknown user changes nothing', () => {
    it('createCustomerGroup: BAD_USER_INPUT naming the user, and no group is created', async () => {
      const a = await seedUser(t);
      const res = await t.gql(
        CREATE_GROUP,
        { data: { name: 'Ghosts', users: { connect: [{ id: a.user.id }, { email: 'ghost@example.com' }] } } },
        admin.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('User not found: ghost@example.com');
      expect(await groupRow('Ghosts')).toBeNull();
    });

    it('updateCustomerGroup: BAD_USER_INPUT naming the user, and name, metadata and members are unchanged', async () => {
      const [a, b] = await Promise.all([seedUser(t), seedUser(t)]);
      const group = await createGroup({ name: 'Stable', metadata: { v: 1 }, users: { connect: [{ id: a.user.id }] } });
      const missingId = '00000000-0000-4000-8000-000000000001';
      const res = await t.gql(
        UPDATE_GROUP,
        {
          where: { id: group.id },
          data: {
            name: 'Renamed',
            metadata: { v: 2 },
            users: { disconnect: [{ id: a.user.id }], connect: [{ id: b.user.id }, { id: missingId }] },
          },
        },
        admin.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe(`User not found: ${missingId}`);
      const row = await groupRow('Stable');
      expect(row).toMatchObject({ id: group.id, name: 'Stable', metadata: { v: 1 } });
      expect(await groupRow('Renamed')).toBeNull();
      expect(await membersOf(group.id)).toEqual([a.user.id]);
    });

    it('names every unknown user in a set', async () => {
      const group = await createGroup({ name: 'Set ghosts' });
      const res = await t.gql(
        UPDATE_GROUP,
        { where: { id: group.id }, data: { users: { set: [{ email: 'x@example.com' }, { email: 'y@example.com' }] } } },
        admin.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('User not found: x@example.com, y@example.com');
    });
  });

  describe('names and metadata', () => {
    it('group names are unique: CONFLICT naming the name, on create and on rename', async () => {
      await createGroup({ name: 'VIP' });
      const dup = await t.gql(CREATE_GROUP, { data: { name: '  VIP  ' } }, admin.token);
      expect(dup.code).toBe('CONFLICT');
      expect(dup.errors?.[0].message).toBe('A customer group named "VIP" already exists');
      expect(dup.errors?.[0].extensions?.field).toBe('name');
      const other = await createGroup({ name: 'Regular' });
      const rename = await t.gql(UPDATE_GROUP, { where: { id: other.id }, data: { name: 'VIP' } }, admin.token);
      expect(rename.code).toBe('CONFLICT');
      expect(rename.errors?.[0].message).toBe('A customer group named "VIP" already exists');
      expect(await groupRow('Regular')).not.toBeNull();
      const same = await t.gql(UPDATE_GROUP, { where: { name: 'Regular' }, data: { name: 'Regular' } }, admin.token);
      expect(same.errors).toBeUndefined();
    });

    it('a name is required, non-empty and at most 100 characters', async () => {
      const empty = await t.gql(CREATE_GROUP, { data: { name: '   ' } }, admin.token);
      expect([empty.code, empty.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'name must not be empty']);
      const long = await t.gql(CREATE_GROUP, { data: { name: 'x'.repeat(101) } }, admin.token);
      expect([long.code, long.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'name must be shorter than or equal to 100 characters',
      ]);
      const missing = await t.gql(CREATE_GROUP, { data: {} }, admin.token);
      expect(missing.code).toBe('BAD_USER_INPUT');
      expect(missing.errors?.[0].message).toMatch(/Field "name" of required type "String!" was not provided/);
    });

    it('metadata must be a JSON object', async () => {
      for (const metadata of ['text', 42, [1, 2], true]) {
        const res = await t.gql(
          CREATE_GROUP,
          { data: { name: `Meta ${JSON.stringify(metadata)}`, metadata } },
          admin.token,
        );
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toBe('metadata must be a JSON object');
      }
      const inline = await t.gql(
        `mutation { createCustomerGroup(data: { name: "Inline", metadata: { a: [1, "two", null], b: { c: true } } }) { metadata } }`,
        undefined,
        admin.token,
      );
      expect(inline.errors).toBeUndefined();
      expect(inline.data.createCustomerGroup.metadata).toEqual({ a: [1, 'two', null], b: { c: true } });
    });

    it('metadata is at most 16 KB as JSON', async () => {
      const ok = { blob: 'x'.repeat(16 * 1024 - 20) };
      expect(await createGroup({ name: 'Big ok', metadata: ok })).toBeTruthy();
      const res = await t.gql(
        CREATE_GROUP,
        { data: { name: 'Too big', metadata: { blob: 'x'.repeat(16 * 1024) } } },
        admin.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('metadata must be at most 16384 bytes as JSON');
      expect(await groupRow('Too big')).toBeNull();
    });

    it('metadata: null clears it; leaving it out keeps it', async () => {
      const group = await createGroup({ name: 'Meta keep', metadata: { a: 1 } });
      await t.gql(UPDATE_GROUP, { where: { id: group.id }, data: { name: 'Meta kept' } }, admin.token);
      expect((await groupRow('Meta kept'))?.metadata).toEqual({ a: 1 });
      await t.gql(UPDATE_GROUP, { where: { id: group.id }, data: { metadata: null } }, admin.token);
      expect((await groupRow('Meta kept'))?.metadata).toBeNull();
    });
  });

  describe('queries and delete', () => {
    it('customerGroup is null for an unknown group; where needs exactly one of id or name', async () => {
      const res = await t.gql(GROUP, { where: { name: 'No such group' } }, reader.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.customerGroup).toBeNull();
      const both = await t.gql(GROUP, { where: { id: 'x', name: 'y' } }, reader.token);
      expect([both.code, both.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'where: give exactly one of id or name',
      ]);
    });

    it('customerGroups filters, orders and pages; customerGroupsCount counts', async () => {
      const u = await seedUser(t);
      for (const name of ['List Alpha', 'List Beta', 'List Gamma', 'Other 50% off']) {
        await createGroup({ name, users: { connect: name === 'List Beta' ? [{ id: u.user.id }] : [] } });
      }
      const all = await t.gql(LIST, { where: { name: { startsWith: 'list ' } } }, reader.token);
      expect(all.errors).toBeUndefined();
      expect(all.data.customerGroups).toEqual([
        { name: 'List Alpha', usersCount: 0 },
        { name: 'List Beta', usersCount: 1 },
        { name: 'List Gamma', usersCount: 0 },
      ]);
      expect(all.data.customerGroupsCount).toBe(3);
      const paged = await t.gql(
        LIST,
        { where: { name: { contains: 'LIST' } }, orderBy: [{ name: 'desc' }], take: 2, skip: 1 },
        reader.token,
      );
      expect(paged.data.customerGroups.map((g: { name: string }) => g.name)).toEqual(['List Beta', 'List Alpha']);
      const percent = await t.gql(LIST, { where: { name: { contains: '50%' } } }, reader.token);
      expect(percent.data.customerGroups.map((g: { name: string }) => g.name)).toEqual(['Other 50% off']);
      const exact = await t.gql(LIST, { where: { name: { in: ['List Alpha', 'Nope'] } } }, reader.token);
      expect(exact.data.customerGroupsCount).toBe(1);
    });

    it('list arguments are validated', async () => {
      const take = await t.gql(LIST, { take: 1001 }, reader.token);
      expect([take.code, take.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'take must not be greater than 1000']);
      const skip = await t.gql(LIST, { skip: -1 }, reader.token);
      expect([skip.code, skip.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'skip must not be less than 0']);
      const order = await t.gql(LIST, { orderBy: [{ name: 'asc', id: 'desc' }] }, reader.token);
      expect([order.code, order.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'orderBy: each element takes exactly one field',
      ]);
    });

    it('deleteCustomerGroup returns the group as it was and removes its memberships, not its users', async () => {
      const a = await seedUser(t);
      const group = await createGroup({ name: 'Doomed', metadata: { x: 1 }, users: { connect: [{ id: a.user.id }] } });
      const res = await t.gql(DELETE_GROUP, { where: { name: 'Doomed' } }, admin.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.deleteCustomerGroup).toEqual({ id: group.id, name: 'Doomed', metadata: { x: 1 } });
      expect(await groupRow('Doomed')).toBeNull();
      expect(await membersOf(group.id)).toEqual([]);
      const again = await t.gql(DELETE_GROUP, { where: { id: group.id } }, admin.token);
      expect([again.code, again.errors?.[0].message]).toEqual(['NOT_FOUND', 'Customer group not found']);
    });

    it('updating an unknown group is NOT_FOUND', async () => {
      const res = await t.gql(UPDATE_GROUP, { where: { name: 'Nope' }, data: { name: 'X' } }, admin.token);
      expect([res.code, res.errors?.[0].message]).toEqual(['NOT_FOUND', 'Customer group not found']);
    });
  });

  describe('access', () => {
    const mutations: [string, string, Record<string, unknown>][] = [
      ['create', CREATE_GROUP, { data: { name: 'Nope' } }],
      ['update', UPDATE_GROUP, { where: { name: 'VIP' }, data: { name: 'Nope' } }],
      ['delete', DELETE_GROUP, { where: { name: 'VIP' } }],
    ];
    const queries: [string, string, Record<string, unknown>][] = [
      ['customerGroup', GROUP, { where: { name: 'VIP' } }],
      ['customerGroups', LIST, {}],
    ];

    it('anonymous callers are UNAUTHENTICATED', async () => {
      for (const [, query, variables] of [...mutations, ...queries]) {
        const res = await t.gql(query, variables);
        expect([res.code, res.errors?.[0].message]).toEqual(['UNAUTHENTICATED', 'Authentication required']);
      }
    });

    it('customers (session or customer token) are FORBIDDEN', async () => {
      const customer = await seedUser(t);
      const ctok = await seedCustomerToken(t, customer.user.id);
      for (const credential of [customer.token, ctok]) {
        for (const [, query, variables] of [...mutations, ...queries]) {
          const res = await t.gql(query, variables, credential);
          expect([res.code, res.errors?.[0].message]).toEqual([
            'FORBIDDEN',
            'You do not have permission to perform this action',
          ]);
        }
      }
    });

    it("an admin's customer token never carries the admin's permissions", async () => {
      const ctok = await seedCustomerToken(t, admin.user.id);
      const res = await t.gql(CREATE_GROUP, { data: { name: 'Via ctok' } }, ctok);
      expect(res.code).toBe('FORBIDDEN');
    });

    it('API tokens are refused, whatever their scopes', async () => {
      const { token } = await seedApiToken(t, ['identities:read', 'identities:write', 'gdpr']);
      for (const [, query, variables] of [...mutations, ...queries]) {
        const res = await t.gql(query, variables, { basic: token });
        expect(res.code).toBe('FORBIDDEN');
      }
    });

    it('canReadUsers reads but cannot change', async () => {
      const read = await t.gql(GROUP, { where: { name: 'VIP' } }, reader.token);
      expect(read.errors).toBeUndefined();
      expect(read.data.customerGroup.name).toBe('VIP');
      for (const [, query, variables] of mutations) {
        const res = await t.gql(query, variables, reader.token);
        expect(res.code).toBe('FORBIDDEN');
      }
      expect(await groupRow('VIP')).not.toBeNull();
    });

    it('canManageUsers also reads', async () => {
      const res = await t.gql(LIST, { where: { name: { equals: 'VIP' } } }, admin.token);
      expect(res.data.customerGroups).toEqual([{ name: 'VIP', usersCount: 0 }]);
    });
  });

  describe('staff in groups (SPEC §6): putting a user who has a role into a group needs canManageRoles', () => {
    let staff: SeededUser;
    let customer: SeededUser;
    let roleManager: SeededUser;
    const staffMessage = (path: string) =>
      `${path}: putting a user who has a role into a customer group needs the canManageRoles permission`;
    const UPDATE_USER = `mutation($where: UserWhereUniqueInput!, $data: UserUpdateInput!) { updateUser(where: $where, data: $data) { id } }`;
    beforeAll(async () => {
      // a role with no permission at all still makes its holder staff
      staff = await seedUser(t, { permissions: [], email: 'staff-member@example.com' });
      customer = await seedUser(t, { email: 'plain-customer@example.com' });
      roleManager = await seedUser(t, { permissions: [Permission.CanManageUsers, Permission.CanManageRoles] });
    });

    it('createCustomerGroup: FORBIDDEN for a staff member in users.connect (by id or email), and no group', async () => {
      for (const ref of [{ id: staff.user.id }, { email: 'STAFF-member@example.com' }]) {
        const res = await t.gql(
          CREATE_GROUP,
          { data: { name: 'With staff', users: { connect: [{ id: customer.user.id }, ref] } } },
          admin.token,
        );
        expect([res.code, res.errors?.[0].message]).toEqual(['FORBIDDEN', staffMessage('users.connect')]);
        expect(res.data.createCustomerGroup).toBeNull();
        expect(await groupRow('With staff')).toBeNull();
      }
    });

    it('updateCustomerGroup: FORBIDDEN for a staff member in connect or set, and nothing changes', async () => {
      const group = await createGroup({ name: 'Customers only', users: { connect: [{ id: customer.user.id }] } });
      for (const [path, users] of [
        ['users.connect', { connect: [{ id: staff.user.id }] }],
        ['users.set', { set: [{ id: customer.user.id }, { email: 'staff-member@example.com' }] }],
      ] as const) {
        const res = await t.gql(
          UPDATE_GROUP,
          { where: { id: group.id }, data: { name: 'Renamed with staff', users } },
          admin.token,
        );
        expect([res.code, res.errors?.[0].message]).toEqual(['FORBIDDEN', staffMessage(path)]);
        expect((await groupRow('Customers only'))?.id).toBe(group.id);
        expect(await membersOf(group.id)).toEqual([customer.user.id]);
      }
      // customers are still a user manager's to add and remove
      const other = await seedUser(t);
      const res = await t.gql(
        UPDATE_GROUP,
        { where: { id: group.id }, data: { users: { connect: [{ id: other.user.id }] } } },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      expect(await membersOf(group.id)).toEqual([customer.user.id, other.user.id].sort());
    });

    it('canManageRoles may put staff into a group', async () => {
      const res = await t.gql(
        CREATE_GROUP,
        { data: { name: 'Staff picks', users: { connect: [{ id: staff.user.id }] } } },
        roleManager.token,
      );
      expect(res.errors).toBeUndefined();
      expect(await membersOf(res.data.createCustomerGroup.id)).toEqual([staff.user.id]);
    });

    it('updateUser customerGroups: FORBIDDEN for another staff member, and for oneself', async () => {
      const group = await createGroup({ name: 'Self service staff' });
      const connect = { customerGroups: { connect: [{ id: group.id }] } };
      const other = await t.gql(UPDATE_USER, { where: { id: staff.user.id }, data: connect }, admin.token);
      expect([other.code, other.errors?.[0].message]).toEqual([
        'FORBIDDEN',
        'Changing a user who has a role needs the canManageRoles permission',
      ]);
      for (const data of [connect, { customerGroups: { set: [{ id: group.id }] } }]) {
        const self = await t.gql(UPDATE_USER, { where: { id: admin.user.id }, data }, admin.token);
        expect([self.code, self.errors?.[0].message]).toEqual([
          'FORBIDDEN',
          'customerGroups: putting a user who has a role into a customer group needs the canManageRoles permission',
        ]);
      }
      expect(await membersOf(group.id)).toEqual([]);
      // a customer is connected as before; a role manager connects staff
      const customerRes = await t.gql(UPDATE_USER, { where: { id: customer.user.id }, data: connect }, admin.token);
      expect(customerRes.errors).toBeUndefined();
      const byRoles = await t.gql(UPDATE_USER, { where: { id: staff.user.id }, data: connect }, roleManager.token);
      expect(byRoles.errors).toBeUndefined();
      expect(await membersOf(group.id)).toEqual([customer.user.id, staff.user.id].sort());
    });
  });
});
