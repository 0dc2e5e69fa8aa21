import { AppError } from '../../src/common/app-error';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { CustomerGroupService } from '../../src/customer-group/customer-group.service';
import { newId } from '../../src/database/columns';
import { TransactionService } from '../../src/database/transaction.service';
import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The user side of the relation: CustomerGroupService.applyUserGroups is what createUser / updateUser
 * call with `customerGroups: { connect, disconnect, set }`, inside their own transaction. Until the
 * accounts module wires it into those mutations, it is exercised here through the service.
 */
describe("a user's customer groups (CustomerGroupService.applyUserGroups)", () => {
  let t: TestApp;
  let groups: CustomerGroupService;
  let tx: TransactionService;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp();
    groups = t.app.get(CustomerGroupService);
    tx = t.app.get(TransactionService);
    for (const name of ['Gold', 'Silver', 'Bronze']) {
      ids[name] = newId();
      await t.dataSource
        .getRepository(CustomerGroupEntity)
        .insert({ id: ids[name], name, createdAt: new Date(), updatedAt: new Date() });
    }
  });
  afterAll(() => t.close());

  const apply = (userId: string, input: Parameters<CustomerGroupService['applyUserGroups']>[2]) =>
    tx.run((manager) => groups.applyUserGroups(manager, userId, input));
  const groupsOf = async (userId: string) => {
    const rows = await t.dataSource
      .getRepository(CustomerGroupUserEntity)
      .find({ where: { userId }, relations: { group: true } });
    return rows.map((r) => r.group!.name).sort();
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: AppError) => ({ code: e.code, message: e.message }),
    );

  it('connects by id or name; connecting again is a no-op', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, { connect: [{ id: ids.Gold }, { name: 'Silver' }] });
    await apply(user.id, { connect: [{ name: 'Gold' }] });
    expect(await groupsOf(user.id)).toEqual(['Gold', 'Silver']);
  });

  it('disconnects, and set replaces the groups', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, { connect: [{ name: 'Gold' }, { name: 'Silver' }] });
    await apply(user.id, { disconnect: [{ name: 'Gold' }] });
    expect(await groupsOf(user.id)).toEqual(['Silver']);
    await apply(user.id, { set: [{ name: 'Bronze' }, { id: ids.Gold }] });
    expect(await groupsOf(user.id)).toEqual(['Bronze', 'Gold']);
    await apply(user.id, { set: [] });
    expect(await groupsOf(user.id)).toEqual([]);
  });

  it('an unknown group is BAD_USER_INPUT naming it, and nothing changes', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, { connect: [{ name: 'Gold' }] });
    expect(
      await failure(
        apply(user.id, { disconnect: [{ name: 'Gold' }], connect: [{ name: 'Silver' }, { name: 'Platinum' }] }),
      ),
    ).toEqual({ code: 'BAD_USER_INPUT', message: 'Customer group not found: Platinum' });
    expect(await groupsOf(user.id)).toEqual(['Gold']);
  });

  it('a reference needs exactly one of id or name; set and disconnect do not mix', async () => {
    const { user } = await seedUser(t);
    // the reference rule is the input's (CustomerGroupWhereUniqueInput), so it is asserted through updateUser
    const admin = await seedUser(t, { permissions: 'all' });
    const both = await t.gql(
      'mutation($w: UserWhereUniqueInput!, $d: UserUpdateInput!) { updateUser(where: $w, data: $d) { id } }',
      { w: { id: user.id }, d: { customerGroups: { connect: [{ id: ids.Gold, name: 'Gold' }] } } },
      admin.token,
    );
    expect([both.code, both.errors?.[0].message, both.errors?.[0].extensions?.field]).toEqual([
      'BAD_USER_INPUT',
      'customerGroups.connect.0: give exactly one of id or name',
      'customerGroups.connect.0',
    ]);
    expect(await groupsOf(user.id)).toEqual([]);
    expect(await failure(apply(user.id, { set: [], disconnect: [] }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'customerGroups: set and disconnect cannot both be given',
    });
  });
});
