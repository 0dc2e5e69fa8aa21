import { AuthService } from '../../src/auth/auth.service';
import { Actor } from '../../src/auth/actor';
import { UserEntity } from '../../src/user/user.entity';
import { seedCustomerToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * `authenticatedItem` reads its user with a statement written once from the entity's metadata (not
 * TypeORM's findOne, which builds a query on every call): it must answer exactly what findOne reads,
 * every column, whatever columns the entity gains.
 */
describe('authenticatedItem: the user as stored', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const actorOf = (userId: string): Actor => ({ kind: 'session', userId, permissions: new Set(), scopes: new Set() });

  it('reads every column as findOne does (nulls, dates, the role id)', async () => {
    const staff = await seedUser(t, { permissions: 'all', password: 'a-long-enough-password-1', name: 'Staff' });
    await seedCustomerToken(t, staff.user.id);
    await t.dataSource
      .getRepository(UserEntity)
      .update({ id: staff.user.id }, { phone: '+358401234567', orderWebhookUrl: 'https://example.com/hook' });
    const bare = await seedUser(t, {}); // no password, no role, no token
    for (const id of [staff.user.id, bare.user.id]) {
      const expected = await t.dataSource.getRepository(UserEntity).findOne({ where: { id } });
      const read = await t.app.get(AuthService).me(actorOf(id));
      expect(read).toBeInstanceOf(UserEntity);
      expect(read).toEqual(expected);
    }
  });

  it('answers null for a user that is not there, and over GraphQL the signed-in user', async () => {
    expect(await t.app.get(AuthService).me(actorOf('no-such-user'))).toBeNull();
    const { user, token } = await seedUser(t, { name: 'Signed In' });
    const res = await t.gql('{ authenticatedItem { id name email hasAccount } }', {}, token);
    expect(res.data.authenticatedItem).toEqual({
      id: user.id,
      name: 'Signed In',
      email: user.email,
      hasAccount: false,
    });
  });
});
