import { AddressEntity } from '../../src/address/address.entity';
import { AddressService } from '../../src/address/address.service';
import { AppError } from '../../src/common/app-error';
import { TransactionService } from '../../src/database/transaction.service';
import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The admin path: AddressService.applyForUser is what updateUser / createUser call, inside their own
 * transaction, with the nested `addresses: { disconnect, update, create }` input. Until the accounts
 * module wires it into those mutations, it is exercised here through the service, in a transaction
 * exactly as the mutation will run it.
 */
describe('admin address management (AddressService.applyForUser)', () => {
  let t: TestApp;
  let addresses: AddressService;
  let tx: TransactionService;
  beforeAll(async () => {
    t = await startTestApp();
    addresses = t.app.get(AddressService);
    tx = t.app.get(TransactionService);
  });
  afterAll(() => t.close());

  const rowsOf = (userId: string) =>
    t.dataSource.getRepository(AddressEntity).find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const apply = (userId: string, input: Parameters<AddressService['applyForUser']>[2]) =>
    tx.run((manager) => addresses.applyForUser(manager, userId, input));
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: AppError) => ({ code: e.code, message: e.message }),
    );

  it('creates several addresses for any user, in order, the last billing one winning', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, {
      create: [
        { address1: 'One', isBilling: true, country: { connect: { iso2: 'FI' } } },
        { address1: 'Two', phone: '+358 40 111 2222' },
        { address1: 'Three', isBilling: true },
      ],
    });
    const rows = await rowsOf(user.id);
    expect(rows.map((r) => [r.address1, r.isBilling, r.countryId, r.phone])).toEqual([
      ['One', false, 'FI', null],
      ['Two', false, null, '+358401112222'],
      ['Three', true, null, null],
    ]);
  });

  it('disconnects (deletes), updates and creates in one go', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, { create: [{ address1: 'Keep' }, { address1: 'Drop' }] });
    const [keep, drop] = await rowsOf(user.id);
    await apply(user.id, {
      disconnect: [{ id: drop.id }],
      update: [{ where: { id: keep.id }, data: { city: 'Tampere', isBilling: true } }],
      create: [{ address1: 'New' }],
    });
    const rows = await rowsOf(user.id);
    expect(rows.map((r) => [r.id === keep.id, r.address1, r.city, r.isBilling])).toEqual([
      [true, 'Keep', 'Tampere', true],
      [false, 'New', null, false],
    ]);
  });

  it("another user's address is NOT_FOUND and the whole input is rolled back", async () => {
    const { user } = await seedUser(t);
    const other = await seedUser(t);
    await apply(user.id, { create: [{ address1: 'Mine' }] });
    await apply(other.user.id, { create: [{ address1: 'Theirs' }] });
    const [mine] = await rowsOf(user.id);
    const [theirs] = await rowsOf(other.user.id);
    expect(
      await failure(
        apply(user.id, {
          disconnect: [{ id: mine.id }],
          update: [{ where: { id: theirs.id }, data: { city: 'Hijacked' } }],
        }),
      ),
    ).toEqual({ code: 'NOT_FOUND', message: 'Address not found' });
    expect((await rowsOf(user.id)).map((r) => r.id)).toEqual([mine.id]);
    expect((await rowsOf(other.user.id))[0]).toMatchObject({ id: theirs.id, city: null });
  });

  it('an unknown country in any created address creates none of them', async () => {
    const { user } = await seedUser(t);
    expect(
      await failure(apply(user.id, { create: [{ address1: 'Fine' }, { country: { connect: { iso2: 'XY' } } }] })),
    ).toEqual({ code: 'BAD_USER_INPUT', message: 'Country not found: XY' });
    expect(await rowsOf(user.id)).toEqual([]);
  });

  it('the cap of 100 addresses holds for admins too', async () => {
    const { user } = await seedUser(t);
    await apply(user.id, { create: Array.from({ length: 99 }, (_, i) => ({ address1: `S${i}` })) });
    expect(await failure(apply(user.id, { create: [{ address1: 'a' }, { address1: 'b' }] }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'A user can have at most 100 addresses (this one has 99); delete one first',
    });
    expect(await t.dataSource.getRepository(AddressEntity).count({ where: { userId: user.id } })).toBe(99);
  });
});
