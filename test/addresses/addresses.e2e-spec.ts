import { AddressEntity } from '../../src/address/address.entity';
import { seedAddresses, seedApiToken, seedCustomerToken, seedUser, SeededUser } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

// The seed's documents (002_…, Openfront/KeystoneJS), sent as written.
const CREATE_ADDRESS = `mutation CreateActiveUserAddress($data: AddressCreateInput!) {
createActiveUserAddress(data: $data) {
id
addresses {
id
firstName
lastName
address1
address2
city
province
postalCode
country {
iso2
name
}
phone
}
}
}`;

const UPDATE_ADDRESS = `mutation UpdateActiveUserAddress(
$where: AddressWhereUniqueInput!
$data: AddressUpdateInput!
) {
updateActiveUserAddress(where: $where, data: $data) {
id
addresses {
id
firstName
lastName
address1
city
}
}
}`;

const DELETE_ADDRESS = `mutation DeleteActiveUserAddress($where: AddressWhereUniqueInput!) {
deleteActiveUserAddress(where: $where) {
id
address1
city
}
}`;

const FULL = `mutation Create($data: AddressCreateInput!) {
  createActiveUserAddress(data: $data) {
    id
    addresses { id firstName lastName company address1 address2 city province postalCode phone isBilling
      country { id iso2 iso3 name } user { id email } }
  }
}`;

const MY_ADDRESSES = `mutation Touch($where: AddressWhereUniqueInput!) {
  updateActiveUserAddress(where: $where, data: {}) { id addresses { id address1 isBilling } }
}`;

describe('addresses (SPEC §3.2)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const repo = () => t.dataSource.getRepository(AddressEntity);
  const rowsOf = (userId: string) => repo().find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });

  async function addAddress(token: string, data: Record<string, unknown>): Promise<string> {
    const res = await t.gql(FULL, { data }, token);
    expect(res.errors).toBeUndefined();
    const list = res.data.createActiveUserAddress.addresses;
    return list[list.length - 1].id;
  }

  describe('the seed examples', () => {
    let customer: SeededUser;
    let addressId: string;
    beforeAll(async () => {
      customer = await seedUser(t, { name: 'John Doe' });
    });

    it('CreateActiveUserAddress adds an address and returns the signed-in user with its addresses', async () => {
      const res = await t.gql(
        CREATE_ADDRESS,
        {
          data: {
            firstName: 'John',
            lastName: 'Doe',
            address1: '123 Main St',
            address2: 'Apt 4B',
            city: 'New York',
            province: 'NY',
            postalCode: '10001',
            country: { connect: { iso2: 'US' } },
            phone: '+1234567890',
          },
        },
        customer.token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.createActiveUserAddress.id).toBe(customer.user.id);
      const addresses = res.data.createActiveUserAddress.addresses;
      expect(addresses).toHaveLength(1);
      addressId = addresses[0].id;
      expect(addresses[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        firstName: 'John',
        lastName: 'Doe',
        address1: '123 Main St',
        address2: 'Apt 4B',
        city: 'New York',
        province: 'NY',
        postalCode: '10001',
        country: { iso2: 'US', name: 'United States of America' },
        phone: '+1234567890',
      });
      const [row] = await rowsOf(customer.user.id);
      expect(row).toMatchObject({ id: addressId, countryId: 'US', isBilling: false, phone: '+1234567890' });
    });

    it('UpdateActiveUserAddress changes the fields given and returns the user with its addresses', async () => {
      const res = await t.gql(
        UPDATE_ADDRESS,
        { where: { id: addressId }, data: { address1: '456 Oak Ave', city: 'Brooklyn' } },
        customer.token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.updateActiveUserAddress).toEqual({
        id: customer.user.id,
        addresses: [{ id: addressId, firstName: 'John', lastName: 'Doe', address1: '456 Oak Ave', city: 'Brooklyn' }],
      });
      const [row] = await rowsOf(customer.user.id);
      expect(row).toMatchObject({ address2: 'Apt 4B', postalCode: '10001', countryId: 'US' });
    });

    it('DeleteActiveUserAddress removes the address and returns it as it was', async () => {
      const res = await t.gql(DELETE_ADDRESS, { where: { id: addressId } }, customer.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.deleteActiveUserAddress).toEqual({ id: addressId, address1: '456 Oak Ave', city: 'Brooklyn' });
      expect(await rowsOf(customer.user.id)).toEqual([]);
    });

    it('works the same with a customer token (ctok_…)', async () => {
      const ctok = await seedCustomerToken(t, customer.user.id);
      const res = await t.gql(
        CREATE_ADDRESS,
        { data: { address1: 'Mannerheimintie 1', city: 'Helsinki', country: { connect: { iso2: 'FI' } } } },
        ctok,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.createActiveUserAddress.addresses).toEqual([
        expect.objectContaining({ address1: 'Mannerheimintie 1', country: { iso2: 'FI', name: 'Finland' } }),
      ]);
      const del = await t.gql(
        DELETE_ADDRESS,
        { where: { id: res.data.createActiveUserAddress.addresses[0].id } },
        ctok,
      );
      expect(del.errors).toBeUndefined();
    });
  });

  describe('fields', () => {
    it('stores company and isBilling, resolves country by id or lower-case iso2, and links the user', async () => {
      const { user, token } = await seedUser(t);
      const res = await t.gql(
        FULL,
        {
          data: {
            firstName: '  Anna  ',
            company: 'Acme Oy',
            address1: 'Aleksanterinkatu 52',
            city: 'Helsinki',
            postalCode: '00100',
            phone: '+358 (40) 123-4567',
            isBilling: true,
            country: { connect: { id: 'FI' } },
          },
        },
        token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.createActiveUserAddress.addresses).toEqual([
        {
          id: expect.any(String),
          firstName: 'Anna',
          lastName: null,
          company: 'Acme Oy',
          address1: 'Aleksanterinkatu 52',
          address2: null,
          city: 'Helsinki',
          province: null,
          postalCode: '00100',
          phone: '+358401234567',
          isBilling: true,
          country: { id: 'FI', iso2: 'FI', iso3: 'FIN', name: 'Finland' },
          user: { id: user.id, email: user.email },
        },
      ]);
      const second = await t.gql(FULL, { data: { country: { connect: { iso2: 'se' } } } }, token);
      expect(second.errors).toBeUndefined();
      expect(second.data.createActiveUserAddress.addresses[1].country.iso2).toBe('SE');
    });

    it('lists addresses in the order they were added', async () => {
      const { user, token } = await seedUser(t);
      const ids: string[] = [];
      for (const n of [1, 2, 3, 4, 5]) ids.push(await addAddress(token, { address1: `Street ${n}` }));
      const res = await t.gql(MY_ADDRESSES, { where: { id: ids[2] } }, token);
      expect(res.data.updateActiveUserAddress.addresses.map((a: { id: string }) => a.id)).toEqual(ids);
      expect((await rowsOf(user.id)).map((r) => r.address1)).toEqual([1, 2, 3, 4, 5].map((n) => `Street ${n}`));
    });

    it('clears a field given as null or "", leaves the others, and can disconnect the country', async () => {
      const { user, token } = await seedUser(t);
      const id = await addAddress(token, {
        firstName: 'A',
        lastName: 'B',
        city: 'Oulu',
        phone: '+358401111111',
        country: { connect: { iso2: 'FI' } },
      });
      const res = await t.gql(
        UPDATE_ADDRESS,
        { where: { id }, data: { firstName: null, lastName: '', phone: null, country: { disconnect: true } } },
        token,
      );
      expect(res.errors).toBeUndefined();
      const [row] = await rowsOf(user.id);
      expect(row).toMatchObject({ firstName: null, lastName: null, city: 'Oulu', phone: null, countryId: null });
    });

    it('changes the country of an address', async () => {
      const { user, token } = await seedUser(t);
      const id = await addAddress(token, { country: { connect: { iso2: 'FI' } } });
      const res = await t.gql(UPDATE_ADDRESS, { where: { id }, data: { country: { connect: { iso2: 'DE' } } } }, token);
      expect(res.errors).toBeUndefined();
      expect((await rowsOf(user.id))[0].countryId).toBe('DE');
    });
  });

  describe('isBilling', () => {
    it('marking one address as billing clears it on the user’s others, and only theirs', async () => {
      const me = await seedUser(t);
      const other = await seedUser(t);
      const theirs = await addAddress(other.token, { address1: 'Their billing', isBilling: true });
      const first = await addAddress(me.token, { address1: 'First', isBilling: true });
      const second = await addAddress(me.token, { address1: 'Second', isBilling: true });
      let rows = await rowsOf(me.user.id);
      expect(rows.map((r) => [r.id, r.isBilling])).toEqual([
        [first, false],
        [second, true],
      ]);
      const res = await t.gql(
        `mutation U($where: AddressWhereUniqueInput!) {
          updateActiveUserAddress(where: $where, data: { isBilling: true }) { addresses { id isBilling } }
        }`,
        { where: { id: first } },
        me.token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.updateActiveUserAddress.addresses).toEqual([
        { id: first, isBilling: true },
        { id: second, isBilling: false },
      ]);
      rows = await rowsOf(me.user.id);
      expect(rows.filter((r) => r.isBilling).map((r) => r.id)).toEqual([first]);
      expect((await rowsOf(other.user.id)).map((r) => [r.id, r.isBilling])).toEqual([[theirs, true]]);
    });

    it('concurrent billing addresses still leave exactly one billing address', async () => {
      const me = await seedUser(t);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.gql(FULL, { data: { address1: `Race ${i}`, isBilling: true } }, me.token),
        ),
      );
      for (const res of results) expect(res.errors).toBeUndefined();
      const rows = await rowsOf(me.user.id);
      expect(rows).toHaveLength(6);
      expect(rows.filter((r) => r.isBilling)).toHaveLength(1);
    });

    it('a failed update leaves the billing flag where it was (one transaction)', async () => {
      const me = await seedUser(t);
      const first = await addAddress(me.token, { address1: 'First', isBilling: true });
      const second = await addAddress(me.token, { address1: 'Second' });
      const res = await t.gql(
        UPDATE_ADDRESS,
        { where: { id: second }, data: { isBilling: true, country: { connect: { iso2: 'ZZ' } } } },
        me.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      const rows = await rowsOf(me.user.id);
      expect(rows.map((r) => [r.id, r.isBilling])).toEqual([
        [first, true],
        [second, false],
      ]);
    });
  });

  describe('ownership', () => {
    let a: SeededUser;
    let b: SeededUser;
    let bAddress: string;
    beforeAll(async () => {
      a = await seedUser(t);
      b = await seedUser(t);
      await addAddress(a.token, { address1: 'A street' });
      bAddress = await addAddress(b.token, { address1: 'B street', city: 'B city', isBilling: true });
    });

    it("customer A cannot update B's address: NOT_FOUND, and B's address is unchanged", async () => {
      const before = await rowsOf(b.user.id);
      const res = await t.gql(UPDATE_ADDRESS, { where: { id: bAddress }, data: { address1: 'Hijacked' } }, a.token);
      expect(res.code).toBe('NOT_FOUND');
      expect(res.errors?.[0].message).toBe('Address not found');
      expect(res.data.updateActiveUserAddress ?? null).toBeNull();
      expect(await rowsOf(b.user.id)).toEqual(before);
    });

    it("nor through A's customer token: B's billing flag stays", async () => {
      const res = await t.gql(
        UPDATE_ADDRESS,
        { where: { id: bAddress }, data: { isBilling: false } },
        await seedCustomerToken(t, a.user.id),
      );
      expect(res.code).toBe('NOT_FOUND');
      expect((await rowsOf(b.user.id))[0].isBilling).toBe(true);
    });

    it("customer A cannot delete B's address: NOT_FOUND, and it is still there", async () => {
      const res = await t.gql(DELETE_ADDRESS, { where: { id: bAddress } }, a.token);
      expect(res.code).toBe('NOT_FOUND');
      expect(res.errors?.[0].message).toBe('Address not found');
      expect((await rowsOf(b.user.id)).map((r) => r.id)).toEqual([bAddress]);
    });

    it('a missing address is NOT_FOUND "Address not found" for update and delete', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const upd = await t.gql(UPDATE_ADDRESS, { where: { id }, data: { city: 'X' } }, a.token);
        expect([upd.code, upd.errors?.[0].message]).toEqual(['NOT_FOUND', 'Address not found']);
        const del = await t.gql(DELETE_ADDRESS, { where: { id } }, a.token);
        expect([del.code, del.errors?.[0].message]).toEqual(['NOT_FOUND', 'Address not found']);
      }
    });

    it("B's addresses never show up in A's user", async () => {
      const res = await t.gql(CREATE_ADDRESS, { data: { address1: 'A second' } }, a.token);
      const streets = res.data.createActiveUserAddress.addresses.map((x: { address1: string }) => x.address1);
      expect(streets).toEqual(['A street', 'A second']);
    });
  });

  describe('validation', () => {
    let me: SeededUser;
    beforeAll(async () => {
      me = await seedUser(t);
    });

    it('an unknown country is BAD_USER_INPUT naming it, and nothing is created', async () => {
      const res = await t.gql(
        CREATE_ADDRESS,
        { data: { address1: 'X', country: { connect: { iso2: 'XX' } } } },
        me.token,
      );
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe('Country not found: XX');
      const byId = await t.gql(CREATE_ADDRESS, { data: { country: { connect: { id: 'QQ' } } } }, me.token);
      expect([byId.code, byId.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'Country not found: QQ']);
      expect(await rowsOf(me.user.id)).toEqual([]);
    });

    it('a country connect needs exactly one of id or iso2', async () => {
      for (const connect of [{}, { id: 'FI', iso2: 'FI' }]) {
        const res = await t.gql(CREATE_ADDRESS, { data: { country: { connect } } }, me.token);
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toBe('country.connect: give exactly one of id or iso2');
      }
    });

    it('field lengths are bounded by the columns, with a message naming the field', async () => {
      const cases: [string, number][] = [
        ['firstName', 100],
        ['lastName', 100],
        ['company', 200],
        ['address1', 200],
        ['address2', 200],
        ['city', 100],
        ['province', 100],
        ['postalCode', 20],
      ];
      for (const [field, max] of cases) {
        const ok = await t.gql(CREATE_ADDRESS, { data: { [field]: 'x'.repeat(max) } }, me.token);
        expect(ok.errors).toBeUndefined();
        const res = await t.gql(CREATE_ADDRESS, { data: { [field]: 'x'.repeat(max + 1) } }, me.token);
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toBe(`${field} must be shorter than or equal to ${max} characters`);
      }
      await t.dataSource.getRepository(AddressEntity).delete({ userId: me.user.id });
    });

    it('an invalid phone is BAD_USER_INPUT naming the field', async () => {
      for (const phone of ['12345', 'call me', '+0123456789', `+1${'2'.repeat(20)}`]) {
        const res = await t.gql(CREATE_ADDRESS, { data: { phone } }, me.token);
        expect(res.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toMatch(
          /^phone must be (an international number|shorter than or equal to 32 characters)/,
        );
      }
      expect(await rowsOf(me.user.id)).toEqual([]);
    });

    it('wrong types and unknown fields are refused by the schema', async () => {
      const res = await t.gql(CREATE_ADDRESS, { data: { city: 12 } }, me.token);
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/String cannot represent a non string value/);
      const unknown = await t.gql(CREATE_ADDRESS, { data: { street: 'x' } }, me.token);
      expect(unknown.code).toBe('BAD_USER_INPUT');
      expect(unknown.errors?.[0].message).toMatch(/Field "street" is not defined by type "AddressCreateInput"/);
      const noWhere = await t.gql(UPDATE_ADDRESS, { where: {}, data: {} }, me.token);
      expect(noWhere.code).toBe('BAD_USER_INPUT');
      expect(noWhere.errors?.[0].message).toMatch(/Field "id" of required type "ID!" was not provided/);
    });

    it('a user has at most 100 addresses', async () => {
      const { user, token } = await seedUser(t);
      await seedAddresses(t, user.id, 100);
      const res = await t.gql(CREATE_ADDRESS, { data: { address1: 'One too many' } }, token);
      expect(res.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toBe(
        'A user can have at most 100 addresses (this one has 100); delete one first',
      );
      expect(await repo().count({ where: { userId: user.id } })).toBe(100);
    });

    it('at 99 addresses, five billing addresses at once: one is added, four refused, nothing else changes', async () => {
      const { user, token } = await seedUser(t);
      await seedAddresses(t, user.id, 99, { billingFirst: true });
      const audited = () =>
        t.dataSource.query(
          `SELECT count(*) AS n FROM audit_events WHERE user_id = ${isPostgres() ? '$1' : '?'} AND action = 'address.created'`,
          [user.id],
        );
      const [{ n: before }] = await audited();
      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => t.gql(CREATE_ADDRESS, { data: { address1: `Race ${i}`, isBilling: true } }, token)),
      );
      const added = answers.filter((a) => !a.errors);
      const refused = answers.filter((a) => a.errors);
      expect(added).toHaveLength(1);
      expect(refused.map((a) => [a.code, a.errors?.[0].message])).toEqual(
        Array(4).fill(['BAD_USER_INPUT', 'A user can have at most 100 addresses (this one has 100); delete one first']),
      );
      const rows = await repo().find({ where: { userId: user.id } });
      expect(rows).toHaveLength(100);
      // the one added is the only billing address; the refused ones cleared nothing
      expect(rows.filter((r) => r.isBilling).map((r) => r.address1)).toEqual([expect.stringMatching(/^Race [1-5]$/)]);
      expect(added[0].data.createActiveUserAddress.addresses).toHaveLength(100);
      const [{ n: after }] = await audited();
      expect(Number(after) - Number(before)).toBe(1);
    });
  });

  describe('access', () => {
    it('anonymous callers are UNAUTHENTICATED', async () => {
      for (const [query, variables] of [
        [CREATE_ADDRESS, { data: { city: 'X' } }],
        [UPDATE_ADDRESS, { where: { id: 'x' }, data: {} }],
        [DELETE_ADDRESS, { where: { id: 'x' } }],
      ] as const) {
        const res = await t.gql(query, variables);
        expect(res.code).toBe('UNAUTHENTICATED');
        expect(res.errors?.[0].message).toBe('Authentication required');
      }
    });

    it('API tokens are refused (an integration has no own account)', async () => {
      const { token } = await seedApiToken(t, ['identities:read', 'identities:write', 'gdpr']);
      for (const credential of [{ basic: token }, { requestToken: token }]) {
        const res = await t.gql(CREATE_ADDRESS, { data: { city: 'X' } }, credential);
        expect(res.code).toBe('FORBIDDEN');
      }
    });

    it('a wrong bearer token is UNAUTHENTICATED, never anonymous', async () => {
      const res = await t.gql(CREATE_ADDRESS, { data: { city: 'X' } }, 'not-a-session');
      expect(res.code).toBe('UNAUTHENTICATED');
    });
  });
});
