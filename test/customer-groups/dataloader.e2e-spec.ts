import { AddressEntity } from '../../src/address/address.entity';
import { Permission } from '../../src/auth/permissions';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { newId } from '../../src/database/columns';
import { seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Issue 4, item 4: nested fields go through per-request DataLoaders, so reading a group's users with
 * their addresses, countries and groups costs the same number of SQL statements for 5 users as for 50.
 */
const MEMBERS = `query Members($where: CustomerGroupWhereUniqueInput!) {
  customerGroup(where: $where) {
    id
    name
    usersCount
    users {
      id
      email
      addresses { id city country { iso2 name } user { id } }
      customerGroups { name usersCount }
    }
  }
}`;

const COUNTRIES = ['FI', 'SE', 'DE', 'US', 'JP'];

describe('nested fields are batched (DataLoader)', () => {
  let t: TestApp;
  let reader: SeededUser;
  const statements: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    reader = await seedUser(t, { permissions: [Permission.CanReadUsers] });
    const everyone = await group('Everyone');
    for (const [name, size] of [
      ['Five', 5],
      ['Fifty', 50],
    ] as const) {
      const own = await group(name);
      for (let i = 0; i < size; i++) {
        const { user } = await seedUser(t, { email: `${name.toLowerCase()}-${i}@example.com` });
        const now = Date.now();
        await t.dataSource.getRepository(AddressEntity).insert(
          [0, 1].map((n) => ({
            id: newId(),
            userId: user.id,
            city: `City ${i}.${n}`,
            countryId: COUNTRIES[(i + n) % COUNTRIES.length],
            createdAt: new Date(now + n),
            updatedAt: new Date(now + n),
          })),
        );
        const memberships = [{ customerGroupId: own.id, userId: user.id }];
        if (i % 2 === 0) memberships.push({ customerGroupId: everyone.id, userId: user.id });
        await t.dataSource.getRepository(CustomerGroupUserEntity).insert(memberships);
      }
    }
    // Count every statement TypeORM sends, whatever the engine.
    const logger = t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, queryRunner) => {
      statements.push(query);
      return original(query, parameters, queryRunner);
    };
  });
  afterAll(() => t.close());

  async function group(name: string) {
    const row = { id: newId(), name, metadata: null, createdAt: new Date(), updatedAt: new Date() };
    await t.dataSource.getRepository(CustomerGroupEntity).insert(row);
    return row;
  }

  async function measure(name: string) {
    statements.length = 0;
    const res = await t.gql(MEMBERS, { where: { name } }, reader.token);
    expect(res.errors).toBeUndefined();
    return { group: res.data.customerGroup, sql: [...statements] };
  }

  it('reads 50 users with addresses, countries and groups in as many statements as 5 users', async () => {
    await measure('Five'); // warm-up: the session lookup and the country table are cached after this

    const five = await measure('Five');
    const fifty = await measure('Fifty');

    expect(five.group.users).toHaveLength(5);
    expect(fifty.group.users).toHaveLength(50);
    expect(fifty.group.usersCount).toBe(50);
    for (const user of fifty.group.users) {
      expect(user.addresses).toHaveLength(2);
      for (const address of user.addresses) {
        expect(COUNTRIES).toContain(address.country.iso2);
        expect(address.user.id).toBe(user.id);
      }
      const i = Number(user.email.match(/-(\d+)@/)[1]);
      expect(user.customerGroups).toEqual(
        i % 2 === 0
          ? [
              { name: 'Everyone', usersCount: 28 },
              { name: 'Fifty', usersCount: 50 },
            ]
          : [{ name: 'Fifty', usersCount: 50 }],
      );
    }

    // One statement per level of nesting, not per user: group, usersCount, users, addresses,
    // Address.user, User.customerGroups, and the nested groups' usersCount (countries come from memory).
    expect(fifty.sql).toHaveLength(five.sql.length);
    expect(fifty.sql.length).toBeLessThanOrEqual(7);
  });
});
