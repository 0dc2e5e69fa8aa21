import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { AuditService } from '../../src/audit/audit.service';
import { Scope } from '../../src/auth/permissions';
import { tokenMailedTo } from '../helpers/account-mail';
import { seedApiToken, seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { OutboxWorker } from '../../src/outbox/outbox.worker';

/** Every mutation of the schema: the test refuses to pass while one is not exercised below. */
const SCHEMA_MUTATIONS = Object.keys(
  buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'))
    .getMutationType()
    ?.getFields() ?? {},
).sort();

/**
 * SPEC §9: the audit trail never holds a password, a token or a hash of one. Every mutation runs with
 * secrets the test knows (and the database then holds their hashes); then the whole audit table, as
 * text, is searched for each of them.
 */
describe('the audit trail holds no secret (SPEC §9)', () => {
  let t: TestApp;
  let admin: SeededUser;
  const secrets = new Set<string>();
  const exercised = new Set<string>();

  const run = async (name: string, query: string, variables: Record<string, unknown>, credential?: string) => {
    exercised.add(name);
    const res = await t.gql(query, variables, credential);
    expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
    return res.data;
  };
  const password = (label: string) => {
    const value = `Pw-${label}-${Math.random().toString(36).slice(2)}-long enough`;
    secrets.add(value);
    return value;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mybrand', WEBHOOK_ALLOW_PRIVATE: 'true' } });
    admin = await seedUser(t, { permissions: 'all' });
    secrets.add(admin.token);
  });
  afterAll(() => t.close());

  it('exercises every mutation, then finds none of the secrets in audit_events', async () => {
    const email = `secret-${Date.now()}@example.com`;
    const first = password('register');
    const registered = await run('registerUser', `mutation($d: UserRegisterInput!) { registerUser(data: $d) { id } }`, {
      d: { email, name: 'Sam Secret', password: first },
    });
    const userId: string = registered.registerUser.id;
    const signIn = async () => {
      const data = await run(
        'authenticateUserWithPassword',
        `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
           ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
        { e: email, p: current },
      );
      const token: string = data.authenticateUserWithPassword.sessionToken;
      secrets.add(token);
      return token;
    };
    let current = first;
    const session = await signIn();
    const second = await signIn();

    await run('updateActiveUser', `mutation { updateActiveUser(data: { name: "Sam Renamed" }) { id } }`, {}, session);
    await run('sendActiveUserEmailVerification', `mutation { sendActiveUserEmailVerification }`, {}, session);
    const verifyToken = await tokenMailedTo(t, email, 'email-verification');
    secrets.add(verifyToken);
    await run('verifyUserEmail', `mutation($t: String!) { verifyUserEmail(token: $t) { id } }`, { t: verifyToken });

    const next = password('change');
    await run(
      'updateActiveUserPassword',
      `mutation($o: String!, $n: String!) { updateActiveUserPassword(oldPassword: $o, newPassword: $n, confirmPassword: $n) { id } }`,
      { o: current, n: next },
      session,
    );
    current = next;
    const third = await signIn();
    const fourth = await signIn();
    await run(
      'revokeActiveUserSession',
      `mutation($id: ID!) { revokeActiveUserSession(id: $id) }`,
      {
        id:
          (await t.dataSource.query(`SELECT id FROM sessions WHERE user_id = '${userId}'`)).find(() => true)?.id ?? 'x',
      },
      third,
    );
    void second;
    await run('revokeOtherActiveUserSessions', `mutation { revokeOtherActiveUserSessions }`, {}, third);
    const ctok = await run('regenerateCustomerToken', `mutation { regenerateCustomerToken { token } }`, {}, third);
    secrets.add(ctok.regenerateCustomerToken.token);
    const address = await run(
      'createActiveUserAddress',
      `mutation { createActiveUserAddress(data: { city: "Espoo", address1: "Secret street 1", country: { connect: { iso2: "FI" } } }) { addresses { id } } }`,
      {},
      third,
    );
    const addressId: string = address.createActiveUserAddress.addresses[0].id;
    await run(
      'updateActiveUserAddress',
      `mutation($id: ID!) { updateActiveUserAddress(where: { id: $id }, data: { city: "Vantaa" }) { id } }`,
      { id: addressId },
      third,
    );
    await run(
      'deleteActiveUserAddress',
      `mutation($id: ID!) { deleteActiveUserAddress(where: { id: $id }) { id } }`,
      { id: addressId },
      third,
    );
    await run('endSession', `mutation { endSession }`, {}, third);
    void fourth;

    await run('sendUserPasswordResetLink', `mutation($e: String!) { sendUserPasswordResetLink(email: $e) }`, {
      e: email,
    });
    await t.app.get(AuditService).flush();
    // the link is queued after the answer: wait for it to be there
    let resetToken: string | undefined;
    for (let i = 0; i < 100 && !resetToken; i++) {
      resetToken = await tokenMailedTo(t, email, 'password-reset').catch(() => undefined);
      if (!resetToken) await new Promise((r) => setTimeout(r, 20));
    }
    secrets.add(resetToken!);
    const reset = password('reset');
    await run(
      'redeemUserPasswordResetToken',
      `mutation($e: String!, $t: String!, $p: String!) { redeemUserPasswordResetToken(email: $e, token: $t, password: $p) { code } }`,
      { e: email, t: resetToken, p: reset },
    );
    current = reset;

    // admin mutations
    const role = await run(
      'createRole',
      `mutation { createRole(data: { name: "Auditors", canReadAudit: true }) { id } }`,
      {},
      admin.token,
    );
    await run(
      'updateRole',
      `mutation($id: ID!) { updateRole(where: { id: $id }, data: { canReadUsers: true }) { id } }`,
      { id: role.createRole.id },
      admin.token,
    );
    const created = await run(
      'createUser',
      `mutation($p: String!) { createUser(data: { email: "made.by.admin@example.com", name: "Made", password: $p }) { id } }`,
      { p: password('create') },
      admin.token,
    );
    await run(
      'updateUser',
      `mutation($id: ID!, $p: String!) { updateUser(where: { id: $id }, data: { password: $p, phone: "+358401234567" }) { id } }`,
      { id: created.createUser.id, p: password('update') },
      admin.token,
    );
    const group = await run(
      'createCustomerGroup',
      `mutation($u: ID!) { createCustomerGroup(data: { name: "VIP", users: { connect: [{ id: $u }] } }) { id } }`,
      { u: userId },
      admin.token,
    );
    await run(
      'updateCustomerGroup',
      `mutation($id: ID!, $u: ID!) { updateCustomerGroup(where: { id: $id }, data: { users: { disconnect: [{ id: $u }] } }) { id } }`,
      { id: group.createCustomerGroup.id, u: userId },
      admin.token,
    );
    await run(
      'deleteCustomerGroup',
      `mutation($id: ID!) { deleteCustomerGroup(where: { id: $id }) { id } }`,
      { id: group.createCustomerGroup.id },
      admin.token,
    );
    await run(
      'revokeUserSessions',
      `mutation($id: ID!) { revokeUserSessions(where: { id: $id }) }`,
      { id: userId },
      admin.token,
    );
    const apiToken = await run(
      'createApiToken',
      `mutation { createApiToken(data: { name: "etl", scopes: ["identities:write"] }) { token apiToken { id } } }`,
      {},
      admin.token,
    );
    secrets.add(apiToken.createApiToken.token);
    await run(
      'revokeApiToken',
      `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
      { id: apiToken.createApiToken.apiToken.id },
      admin.token,
    );
    await run(
      'updateIdentitySettings',
      `mutation { updateIdentitySettings(data: { customIdentifiers: ["loyalty_id"] }) { customIdentifiers } }`,
      {},
      admin.token,
    );
    await run(
      'upsertIdentity',
      `mutation { upsertIdentity(identity: { email: "nosto.person@example.com", attributes: [{ name: "tier", value: "gold" }] }) { id } }`,
      {},
      admin.token,
    );
    // webhooks: their whsec_ secrets are secrets too
    const hook = await run(
      'createWebhookEndpoint',
      `mutation { createWebhookEndpoint(data: { url: "http://127.0.0.1:9/hooks?token=in-the-url", events: ["user.deleted"] }) { secret endpoint { id } } }`,
      {},
      admin.token,
    );
    const endpointId: string = hook.createWebhookEndpoint.endpoint.id;
    secrets.add(hook.createWebhookEndpoint.secret);
    secrets.add('in-the-url');
    await run(
      'updateWebhookEndpoint',
      `mutation($id: ID!) { updateWebhookEndpoint(id: $id, data: { description: "ERP", events: ["user.deleted", "user.created"] }) { id } }`,
      { id: endpointId },
      admin.token,
    );
    const rotated = await run(
      'rotateWebhookSecret',
      `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`,
      { id: endpointId },
      admin.token,
    );
    secrets.add(rotated.rotateWebhookSecret.secret);
    const test = await run(
      'sendTestWebhook',
      `mutation($id: ID!) { sendTestWebhook(id: $id) { id } }`,
      { id: endpointId },
      admin.token,
    );
    // port 9 refuses: the attempt fails and is retried; mark it failed to retry it by hand
    await t.app.get(OutboxWorker).runOnce();
    await t.dataSource.query(`UPDATE outbox SET status = 'failed' WHERE id = '${test.sendTestWebhook.id}'`);
    await run(
      'retryWebhookDelivery',
      `mutation($id: ID!) { retryWebhookDelivery(id: $id) { id } }`,
      { id: test.sendTestWebhook.id },
      admin.token,
    );

    await run(
      'deleteUser',
      `mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }`,
      { id: created.createUser.id },
      admin.token,
    );

    // the partner API, with a token the trail must not hold either
    const partner = await seedApiToken(t, [Scope.IdentitiesWrite]);
    secrets.add(partner.token);
    const res = await t.rest('post', '/api/user/v1/upsert', {
      headers: { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': partner.token, 'Content-Type': 'application/json' },
      body: { users: [{ identifiers: { email: 'partner.secret@example.com' }, attributes: { name: 'Pia' } }] },
    });
    expect(res.status).toBe(200);

    // identity merges and erasure (#16): audited, with no secret either
    const merged = await run(
      'mergeIdentities',
      `mutation { mergeIdentities(into: { email: "nosto.person@example.com" }, from: [{ email: "partner.secret@example.com" }], reason: "same person") { id } }`,
      {},
      admin.token,
    );
    await run(
      'unmergeIdentity',
      `mutation($id: ID!) { unmergeIdentity(mergeId: $id) { id } }`,
      { id: merged.mergeIdentities.id },
      admin.token,
    );
    await run(
      'eraseIdentity',
      `mutation { eraseIdentity(where: { email: "partner.secret@example.com" }, suppress: true) { id } }`,
      {},
      admin.token,
    );
    // every hash the database holds is a secret too (collected before the account closes)
    const hashes = [
      ...(await t.dataSource.query('SELECT password_hash AS h FROM users WHERE password_hash IS NOT NULL')),
      ...(await t.dataSource.query('SELECT customer_token_hash AS h FROM users WHERE customer_token_hash IS NOT NULL')),
      ...(await t.dataSource.query('SELECT token_hash AS h FROM sessions')),
      ...(await t.dataSource.query('SELECT token_hash AS h FROM api_tokens')),
      ...(await t.dataSource.query('SELECT token_hash AS h FROM account_tokens')),
      ...(await t.dataSource.query('SELECT secret AS h FROM webhook_endpoints')),
    ].map((r: { h: string }) => r.h);
    expect(hashes.length).toBeGreaterThan(5);
    for (const h of hashes) secrets.add(h);
    await run(
      'deleteActiveUser',
      `mutation($p: String!) { deleteActiveUser(password: $p) }`,
      { p: current },
      await signIn(),
    );

    await run(
      'deleteWebhookEndpoint',
      `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`,
      { id: endpointId },
      admin.token,
    );
    await t.app.get(AuditService).flush();
    expect(SCHEMA_MUTATIONS.filter((name) => !exercised.has(name))).toEqual([]);

    const rows: Record<string, unknown>[] = await t.dataSource.query('SELECT * FROM audit_events');
    expect(rows.length).toBeGreaterThan(SCHEMA_MUTATIONS.length);
    const dump = JSON.stringify(rows);
    const found = [...secrets].filter((secret) => dump.includes(secret));
    expect(found).toEqual([]);
    expect(dump).not.toMatch(/\$argon2/);
    expect(dump).not.toMatch(/[0-9a-f]{64}/i);
    // and the entries that name secret fields say only that they changed
    expect(dump).toContain('[redacted]');
  });
});
