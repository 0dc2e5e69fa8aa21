import { sha256 } from '../../src/auth/tokens';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('no secret leaves the service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
  });
  afterAll(() => t.close());

  it('exposes no hash and no password field; the only tokens are the one-time ones', async () => {
    const res = await t.gql(`{ __schema { types { name kind fields { name } } } }`);
    const outputFields = (
      res.data.__schema.types as { name: string; kind: string; fields: { name: string }[] | null }[]
    )
      .filter((type) => type.kind === 'OBJECT' && !type.name.startsWith('__'))
      .flatMap((type) => (type.fields ?? []).map((f) => `${type.name}.${f.name}`));
    expect(outputFields.filter((f) => /hash/i.test(f))).toEqual([]);
    // operations may be about passwords (validateUserPasswordResetToken); no object type has a password field
    expect(
      outputFields.filter(
        (f) => /password/i.test(f.split('.')[1]) && !f.startsWith('Mutation.') && !f.startsWith('Query.'),
      ),
    ).toEqual([]);
    const tokenFields = outputFields.filter(
      (f) => /token/i.test(f.split('.')[1]) && !f.startsWith('Mutation.') && !f.startsWith('Query.'),
    );
    // one-time plaintext tokens, and the non-secret timestamp of the customer token
    expect(tokenFields.filter((f) => !['User.tokenGeneratedAt'].includes(f)).sort()).toEqual(
      expect.arrayContaining(['CustomerTokenResult.token', 'UserAuthenticationWithPasswordSuccess.sessionToken']),
    );
    for (const f of tokenFields) {
      expect([
        'User.tokenGeneratedAt',
        // Openfront's field, always null: only the customer token's hash is stored (test/clients/openfront)
        'User.customerToken',
        'Role.canManageApiTokens',
        'CustomerTokenResult.token',
        'UserAuthenticationWithPasswordSuccess.sessionToken',
        'CreatedApiToken.token',
        'CreatedApiToken.apiToken',
      ]).toContain(f);
    }
  });

  it('writes neither passwords nor tokens nor their hashes to the logs', async () => {
    const password = 'log-test passphrase 1';
    const newPassword = 'log-test passphrase 2';
    await t.gql(`mutation($data: UserRegisterInput!) { registerUser(data: $data) { id } }`, {
      data: { name: 'Logger', email: 'logger@example.com', password },
    });
    const signIn = await t.gql(
      `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) { ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
      { e: 'logger@example.com', p: password },
    );
    const session = signIn.data.authenticateUserWithPassword.sessionToken as string;
    const ctok = (await t.gql(`mutation { regenerateCustomerToken { token } }`, {}, session)).data
      .regenerateCustomerToken.token as string;
    await t.gql(
      `mutation($o: String!, $n: String!) { updateActiveUserPassword(oldPassword: $o, newPassword: $n, confirmPassword: $n) { id } }`,
      { o: password, n: newPassword },
      session,
    );
    await t.gql(
      `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) { __typename } }`,
      { e: 'logger@example.com', p: 'wrong guess passphrase' },
    );
    await t.gql(`{ authenticatedItem { id } }`, {}, ctok);
    await t.gql(`{ authenticatedItem { id } }`, {}, 'not-a-valid-token-at-all');
    const logs = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(5);
    for (const secret of [
      password,
      newPassword,
      'wrong guess passphrase',
      session,
      ctok,
      sha256(session),
      sha256(ctok),
      'not-a-valid-token-at-all',
    ]) {
      expect(logs).not.toContain(secret);
    }
    // and no response carried a hash
    const me = await t
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${ctok}`)
      .send({ query: '{ authenticatedItem { id email tokenGeneratedAt } }' });
    expect(JSON.stringify(me.body)).not.toContain(sha256(ctok));
  });
});
