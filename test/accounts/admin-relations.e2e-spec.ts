import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const USER_FIELDS = `id email addresses { address1 city isBilling country { iso2 } } customerGroups { name }`;

describe('admins manage a user with their groups and addresses (createUser / updateUser)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await seedUser(t, { permissions: 'all' })).token;
    for (const name of ['VIP', 'Wholesale', 'Newsletter']) {
      await t.gql(`mutation { createCustomerGroup(data: { name: "${name}" }) { id } }`, {}, admin);
    }
  });
  afterAll(() => t.close());

  it('creates a user in groups and with addresses, in one transaction', async () => {
    const res = await t.gql(
      `mutation($data: UserCreateInput!) { createUser(data: $data) { ${USER_FIELDS} } }`,
      {
        data: {
          name: 'Grouped',
          email: 'grouped@example.com',
          customerGroups: { connect: [{ name: 'VIP' }, { name: 'Wholesale' }] },
          addresses: {
            create: [
              { address1: '1 Main St', city: 'Helsinki', isBilling: true, country: { connect: { iso2: 'FI' } } },
            ],
          },
        },
      },
      admin,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.createUser).toMatchObject({
      email: 'grouped@example.com',
      addresses: [{ address1: '1 Main St', city: 'Helsinki', isBilling: true, country: { iso2: 'FI' } }],
    });
    expect(res.data.createUser.customerGroups.map((g: { name: string }) => g.name).sort()).toEqual([
      'VIP',
      'Wholesale',
    ]);
  });

  it('creates nothing when a group does not exist', async () => {
    const res = await t.gql(
      `mutation { createUser(data: { email: "half@example.com", customerGroups: { connect: [{ name: "VIP" }, { name: "Ghosts" }] } }) { id } }`,
      {},
      admin,
    );
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/Ghosts/);
    expect((await t.gql(`{ user(where: { email: "half@example.com" }) { id } }`, {}, admin)).data.user).toBeNull();
  });

  it('updates groups (set) and addresses (update, create, disconnect), and rolls all back on a bad one', async () => {
    const created = await t.gql(
      `mutation { createUser(data: { email: "moving@example.com", customerGroups: { connect: [{ name: "VIP" }] }, addresses: { create: [{ address1: "Old Road 1", city: "Turku" }] } }) { id addresses { id } } }`,
      {},
      admin,
    );
    const id = created.data.createUser.id;
    const addressId = created.data.createUser.addresses[0].id;
    const res = await t.gql(
      `mutation($id: ID!, $data: UserUpdateInput!) { updateUser(where: { id: $id }, data: $data) { ${USER_FIELDS} } }`,
      {
        id,
        data: {
          customerGroups: { set: [{ name: 'Newsletter' }] },
          addresses: {
            update: [{ where: { id: addressId }, data: { city: 'Tampere' } }],
            create: [{ address1: 'New Road 2', city: 'Oulu' }],
          },
        },
      },
      admin,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateUser.customerGroups).toEqual([{ name: 'Newsletter' }]);
    expect(res.data.updateUser.addresses.map((a: { city: string }) => a.city)).toEqual(['Tampere', 'Oulu']);

    const bad = await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { name: "Never", customerGroups: { connect: [{ name: "VIP" }] }, addresses: { disconnect: [{ id: "not-an-address" }] } }) { id } }`,
      { id },
      admin,
    );
    expect(bad.code).toBe('NOT_FOUND');
    expect(bad.errors?.[0].message).toBe('Address not found');
    const after = await t.gql(`{ user(where: { email: "moving@example.com" }) { name ${USER_FIELDS} } }`, {}, admin);
    expect(after.data.user.name).toBeNull();
    expect(after.data.user.customerGroups).toEqual([{ name: 'Newsletter' }]);
    expect(after.data.user.addresses).toHaveLength(2);
  });
});
