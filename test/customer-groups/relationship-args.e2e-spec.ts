import { AddressEntity } from '../../src/address/address.entity';
import { Permission } from '../../src/auth/permissions';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { newId } from '../../src/database/columns';
import { UserEntity } from '../../src/user/user.entity';
import { seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Issue 12 / SPEC §12: the to-many fields `User.addresses`, `User.customerGroups` and
 * `CustomerGroup.users` take Keystone's `where`, `orderBy`, `take` and `skip`; pages are counted per
 * parent, and every field is still one statement per request (per distinct set of arguments).
 */
describe('Keystone arguments on to-many relationship fields', () => {
  let t: TestApp;
  let reader: SeededUser;
  const statements: string[] = [];
  const groups: Record<string, string> = {};
  let created = Date.UTC(2024, 0, 1);

  async function group(name: string) {
    const at = new Date();
    const row = { id: newId(), name, metadata: null, createdAt: at, updatedAt: at };
    await t.dataSource.getRepository(CustomerGroupEntity).insert(row);
    groups[name] = row.id;
  }

  /** `count` customers `<prefix>-<i>@example.com`, named by `names`, each with three addresses. */
  async function customers(prefix: string, count: number, inGroups: (i: number) => string[]) {
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const { user } = await seedUser(t, {
        email: `${prefix}-${i}@example.com`,
        name: `${prefix} ${String.fromCharCode(90 - i)}`,
      });
      // accounts created a millisecond apart (SQLite's default timestamp has whole seconds)
      await t.dataSource.getRepository(UserEntity).update({ id: user.id }, { createdAt: new Date(created++) });
      await t.dataSource.getRepository(AddressEntity).insert(
        ['Helsinki', 'Espoo', 'Turku'].map((city, n) => ({
          id: newId(),
          userId: user.id,
          city: `${city} ${i}`,
          company: n === 1 ? null : `Company ${n}`,
          isBilling: n === 2,
          countryId: 'FI',
          createdAt: new Date(start + i * 10 + n),
          updatedAt: new Date(start + i * 10 + n),
        })),
      );
      const rows = inGroups(i).map((name) => ({ customerGroupId: groups[name], userId: user.id }));
      if (rows.length) await t.dataSource.getRepository(CustomerGroupUserEntity).insert(rows);
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    reader = await seedUser(t, { permissions: [Permission.CanReadUsers] });
    for (const name of ['Alpha', 'Beta', 'Gamma', 'Delta']) await group(name);
    await customers('small', 4, (i) => (i % 2 ? ['Alpha', 'Gamma'] : ['Alpha', 'Beta', 'Delta']));
    await customers('large', 40, (i) => (i % 2 ? ['Beta', 'Gamma'] : ['Beta', 'Delta']));
    const logger = t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, queryRunner) => {
      statements.push(query);
      return original(query, parameters, queryRunner);
    };
  });
  afterAll(() => t.close());

  async function ask(query: string, variables: Record<string, unknown> = {}) {
    const res = await t.gql(query, variables, reader.token);
    expect(res.errors).toBeUndefined();
    return res.data;
  }

  it('User.addresses: where, orderBy (NULLs last ascending, on both engines), take and skip per user', async () => {
    const data = await ask(`{
      users(where: { email: { startsWith: "small-" } }, orderBy: [{ email: asc }]) {
        email
        billingFirst: addresses(orderBy: [{ isBilling: desc }], take: 2) { city isBilling }
        byCompany: addresses(orderBy: [{ company: asc }]) { company }
        withCompany: addresses(where: { company: { startsWith: "company" } }, orderBy: [{ city: desc }], skip: 1) { city }
        billing: addresses(where: { isBilling: { equals: true } }) { city }
        none: addresses(take: 0) { city }
        billingAddress { city }
      }
    }`);
    expect(data.users).toHaveLength(4);
    data.users.forEach((user: any, i: number) => {
      expect(user).toEqual({
        email: `small-${i}@example.com`,
        billingFirst: [
          { city: `Turku ${i}`, isBilling: true },
          { city: `Helsinki ${i}`, isBilling: false },
        ],
        byCompany: [{ company: 'Company 0' }, { company: 'Company 2' }, { company: null }],
        withCompany: [{ city: `Helsinki ${i}` }],
        billing: [{ city: `Turku ${i}` }],
        none: [],
        billingAddress: { city: `Turku ${i}` },
      });
    });
  });

  it('CustomerGroup.users: where, orderBy, take and skip per group', async () => {
    const data = await ask(`{
      customerGroups(orderBy: [{ name: asc }]) {
        name
        usersCount
        users(where: { email: { startsWith: "small-" } }, orderBy: [{ name: desc }], take: 2, skip: 1) { email name }
        oldest: users(take: 1) { email }
      }
    }`);
    expect(data.customerGroups).toEqual([
      {
        name: 'Alpha',
        usersCount: 4,
        users: [
          { email: 'small-1@example.com', name: 'small Y' },
          { email: 'small-2@example.com', name: 'small X' },
        ],
        oldest: [{ email: 'small-0@example.com' }],
      },
      {
        name: 'Beta',
        usersCount: 42,
        users: [{ email: 'small-2@example.com', name: 'small X' }],
        oldest: [{ email: 'small-0@example.com' }],
      },
      {
        name: 'Delta',
        usersCount: 22,
        users: [{ email: 'small-2@example.com', name: 'small X' }],
        oldest: [{ email: 'small-0@example.com' }],
      },
      {
        name: 'Gamma',
        usersCount: 22,
        users: [{ email: 'small-3@example.com', name: 'small W' }],
        oldest: [{ email: 'small-1@example.com' }],
      },
    ]);
  });

  it('CustomerGroup.usersCount: counts the members matching where, per group, in one statement', async () => {
    statements.length = 0;
    const data = await ask(`{
      customerGroups(orderBy: [{ name: asc }]) {
        name
        all: usersCount
        small: usersCount(where: { email: { startsWith: "small-" } })
        smallOdd: usersCount(where: { name: { contains: "small Y" } })
        none: usersCount(where: { emailVerified: true })
      }
    }`);
    expect(data.customerGroups).toEqual([
      { name: 'Alpha', all: 4, small: 4, smallOdd: 1, none: 0 },
      { name: 'Beta', all: 42, small: 2, smallOdd: 0, none: 0 },
      { name: 'Delta', all: 22, small: 2, smallOdd: 0, none: 0 },
      { name: 'Gamma', all: 22, small: 2, smallOdd: 1, none: 0 },
    ]);
    // the groups, then one statement per set of arguments (four), whatever the number of groups
    expect(statements.filter((sql) => /COUNT\(\*\)/i.test(sql))).toHaveLength(4);
  });

  it('User.customerGroups: where, orderBy, take and skip per user', async () => {
    const data = await ask(`{
      users(where: { email: { startsWith: "small-" } }, orderBy: [{ email: asc }], take: 2) {
        email
        customerGroups { name }
        lastTwo: customerGroups(orderBy: [{ name: desc }], take: 2) { name }
        withA: customerGroups(where: { name: { contains: "a" } }, skip: 1) { name }
      }
    }`);
    expect(data.users).toEqual([
      {
        email: 'small-0@example.com',
        customerGroups: [{ name: 'Alpha' }, { name: 'Beta' }, { name: 'Delta' }],
        lastTwo: [{ name: 'Delta' }, { name: 'Beta' }],
        withA: [{ name: 'Beta' }, { name: 'Delta' }],
      },
      {
        email: 'small-1@example.com',
        customerGroups: [{ name: 'Alpha' }, { name: 'Gamma' }],
        lastTwo: [{ name: 'Gamma' }, { name: 'Alpha' }],
        withA: [{ name: 'Gamma' }],
      },
    ]);
  });

  it('costs one statement per field and set of arguments, for 40 members as for 4', async () => {
    const query = `query($group: String!) {
      customerGroups(where: { name: { equals: $group } }, take: 1) {
        users(orderBy: [{ email: asc }], take: 50) {
          email
          addresses(orderBy: [{ isBilling: desc }], take: 1) { city country { iso2 } }
          all: addresses { id }
          billingAddress { city }
          customerGroups(take: 1) { name }
        }
      }
    }`;
    const measure = async (group: string) => {
      statements.length = 0;
      const data = await ask(query, { group });
      return { users: data.customerGroups[0].users, sql: [...statements] };
    };
    await measure('Alpha'); // warm-up: the session and the country table are cached after this
    const four = await measure('Alpha');
    const forty = await measure('Gamma');
    expect(four.users).toHaveLength(4);
    expect(forty.users).toHaveLength(22);
    for (const user of forty.users) {
      const i = user.email.match(/-(\d+)@/)[1];
      expect(user.addresses).toEqual([{ city: `Turku ${i}`, country: { iso2: 'FI' } }]);
      expect(user.all).toHaveLength(3);
      expect(user.billingAddress).toEqual({ city: `Turku ${i}` });
    }
    // groups, users, addresses with arguments, addresses without (billingAddress shares it), groups
    expect(forty.sql).toHaveLength(four.sql.length);
    expect(forty.sql.length).toBeLessThanOrEqual(5);
  });

  it('refuses what Keystone refuses: two fields in one orderBy element, a take over 1000, a negative skip', async () => {
    const cases: [string, string][] = [
      [
        `{ users(take: 1) { addresses(orderBy: [{ city: asc, isBilling: desc }]) { id } } }`,
        'orderBy: each element takes exactly one field',
      ],
      [`{ users(take: 1) { customerGroups(take: 1001) { id } } }`, 'take must not be greater than 1000'],
      [`{ customerGroups(take: 1) { users(skip: -1) { id } } }`, 'skip must not be less than 0'],
    ];
    for (const [query, message] of cases) {
      const res = await t.gql(query, {}, reader.token);
      expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    }
  });
});
