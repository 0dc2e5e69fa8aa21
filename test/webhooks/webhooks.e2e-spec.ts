import { createHmac } from 'node:crypto';
import { Permission, Scope } from '../../src/auth/permissions';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { seedAddresses, seedApiToken, seedUser, SeededUser } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';
import { startReceiver } from '../helpers/webhook-receiver';

const CREATE = `mutation($data: WebhookEndpointCreateInput!) {
  createWebhookEndpoint(data: $data) { secret endpoint { id url events enabled description } }
}`;
const DELIVERIES = `query($where: WebhookDeliveryWhereInput) {
  webhookDeliveries(where: $where) { id endpointId eventId eventType status attempts lastError sentAt }
}`;

/** The Standard Webhooks signature, computed here from the spec's definition (not the service's code). */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describe('webhooks (SPEC §9)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const worker = () => t.app.get(OutboxWorker);

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true', PARTNER_NAME: 'mybrand' } });
    admin = await seedUser(t, { permissions: 'all' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const createEndpoint = async (events: string[], url = receiver.url) => {
    const res = await t.gql(CREATE, { data: { url, events, description: 'CRM sync' } }, admin.token);
    expect(res.errors).toBeUndefined();
    return res.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
  };
  const deleteEndpoint = (id: string) =>
    t.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`, { id }, admin.token);

  it('signs a thin payload the Standard Webhooks way (checked with an independent HMAC)', async () => {
    const { secret, endpoint } = await createEndpoint(['user.updated']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const customer = await seedUser(t, { name: 'Before' });
    const start = receiver.received.length;
    await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { name: "After", onboardingStatus: "completed" }) { id } }`,
      { id: customer.user.id },
      admin.token,
    );
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    const [hook] = receiver.received.slice(start);
    const id = hook.headers['webhook-id'] as string;
    const timestamp = hook.headers['webhook-timestamp'] as string;
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300);
    expect(hook.headers['webhook-signature']).toBe(expectedSignature(secret, id, timestamp, hook.body));
    expect(hook.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hook.body)).toEqual({
      type: 'user.updated',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { id: customer.user.id, changed: ['name', 'onboardingStatus'] },
    });
    // the secret is never answered again
    const listed = await t.gql(`{ webhookEndpoints { id url events enabled } }`, {}, admin.token);
    expect(listed.data.webhookEndpoints).toEqual([
      { id: endpoint.id, url: receiver.url, events: ['user.updated'], enabled: true },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));
    await deleteEndpoint(endpoint.id);
  });

  it('retries a failed delivery with the same webhook-id, and logs each attempt', async () => {
    const { endpoint } = await createEndpoint(['address.created']);
    const customer = await seedUser(t);
    receiver.statuses.push(500);
    const start = receiver.received.length;
    await t.gql(
      `mutation { createActiveUserAddress(data: { city: "Turku", country: { connect: { iso2: "FI" } } }) { id } }`,
      {},
      customer.token,
    );
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    const failed = await t.gql(DELIVERIES, { where: { endpointId: endpoint.id } }, admin.token);
    expect(failed.data.webhookDeliveries).toEqual([
      expect.objectContaining({ eventType: 'address.created', status: 'pending', attempts: 1, lastError: 'HTTP 500' }),
    ]);
    // nothing is due before the first retry delay (5 s ± 20 %)...
    expect(await worker().runOnce(new Date(Date.now() + 3_000))).toMatchObject({ claimed: 0 });
    // ...and the retry comes after it
    expect(await worker().runOnce(new Date(Date.now() + 6_100))).toMatchObject({ claimed: 1, sent: 1 });
    const [first, second] = receiver.received.slice(start);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    const sent = await t.gql(DELIVERIES, { where: { endpointId: endpoint.id, status: 'sent' } }, admin.token);
    expect(sent.data.webhookDeliveries).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 2, eventId: first.headers['webhook-id'] }),
    ]);

    // a manual retry sends it once more, with the same id; a test send is signed like any event
    const retried = await t.gql(
      `mutation($id: ID!) { retryWebhookDelivery(id: $id) { status attempts } }`,
      { id: sent.data.webhookDeliveries[0].id },
      admin.token,
    );
    expect(retried.data.retryWebhookDelivery).toEqual({ status: 'pending', attempts: 0 });
    const test = await t.gql(
      `mutation($id: ID!) { sendTestWebhook(id: $id) { eventType status } }`,
      { id: endpoint.id },
      admin.token,
    );
    expect(test.data.sendTestWebhook).toEqual({ eventType: 'webhook.test', status: 'pending' });
    expect(await worker().runOnce()).toMatchObject({ claimed: 2, sent: 2 });
    const later = receiver.received.slice(start + 2);
    expect(later.map((h) => h.headers['webhook-id'])).toContain(first.headers['webhook-id']);
    expect(later.map((h) => JSON.parse(h.body).type).sort()).toEqual(['address.created', 'webhook.test']);
    await deleteEndpoint(endpoint.id);
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const { endpoint } = await createEndpoint(['user.deleted']);
    const customer = await seedUser(t);
    receiver.statuses.push(410);
    await t.gql(`mutation($id: ID!) { deleteUser(where: { id: $id }) { id } }`, { id: customer.user.id }, admin.token);
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const { data } = await t.gql(`{ webhookEndpoints { id enabled disabledReason } }`, {}, admin.token);
    expect(data.webhookEndpoints).toEqual([
      { id: endpoint.id, enabled: false, disabledReason: 'The endpoint answered 410 Gone' },
    ]);
    const log = await t.gql(DELIVERIES, { where: { endpointId: endpoint.id } }, admin.token);
    expect(log.data.webhookDeliveries[0]).toMatchObject({
      status: 'failed',
      lastError: 'HTTP 410 Gone: the endpoint is disabled',
    });
    await deleteEndpoint(endpoint.id);
  });

  it('rotates the secret: both secrets sign during the overlap (each verifies), then only the new one', async () => {
    const { secret: old, endpoint } = await createEndpoint(['user.updated']);
    const rotated = await t.gql(
      `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }`,
      { id: endpoint.id },
      admin.token,
    );
    const secret = rotated.data.rotateWebhookSecret.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secret).not.toBe(old);
    expect(JSON.stringify(rotated.body)).not.toContain(old.slice(6)); // the previous secret is never answered
    const deliver = async (name: string) => {
      const start = receiver.received.length;
      await t.gql(`mutation($name: String!) { updateActiveUser(data: { name: $name }) { id } }`, { name }, admin.token);
      expect(await worker().runOnce()).toMatchObject({ claimed: 1, sent: 1 });
      const [hook] = receiver.received.slice(start);
      const { 'webhook-id': id, 'webhook-timestamp': ts } = hook.headers as Record<string, string>;
      const signatures = (hook.headers['webhook-signature'] as string).split(' ');
      return { signatures, signedWith: (key: string) => expectedSignature(key, id, ts, hook.body) };
    };

    // during the overlap (WEBHOOK_SECRET_OVERLAP_HOURS, 24 by default): the new secret's, then the old one's
    const during = await deliver('Rotated');
    expect(during.signatures).toEqual([during.signedWith(secret), during.signedWith(old)]);
    const [row] = await t.dataSource.query(
      `SELECT previous_secret_expires_at AS until FROM webhook_endpoints WHERE id = ${t.config.database.engine === 'postgres' ? '$1' : '?'}`,
      [endpoint.id],
    );
    const until = new Date(row.until instanceof Date ? row.until : `${String(row.until).replace(' ', 'T')}Z`);
    expect(until.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(until.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    const listed = await t.gql(`{ webhookEndpoints { id url events enabled updatedAt } }`, {}, admin.token);
    expect(JSON.stringify(listed.body)).not.toContain(old.slice(6));
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));

    // the overlap ends (its end moved to the past in the row): only the new secret signs
    const past = new Date(Date.now() - 60_000).toISOString().replace('T', ' ').replace('Z', '');
    await t.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret_expires_at = ${t.config.database.engine === 'postgres' ? '$1 WHERE id = $2' : '? WHERE id = ?'}`,
      [past, endpoint.id],
    );
    const after = await deliver('Overlap over');
    expect(after.signatures).toEqual([after.signedWith(secret)]);
    await deleteEndpoint(endpoint.id);
  });

  it('skip_hook: true on /upsert emits no events for that request; without it, one per profile', async () => {
    const { endpoint } = await createEndpoint(['identity.created', 'identity.updated']);
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    const headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
    const upsert = (users: unknown[], more = {}) =>
      t.rest('post', '/api/user/v1/upsert', { headers, body: { users, ...more } });
    expect((await upsert([{ identifiers: { email: 'quiet@example.com' } }], { skip_hook: true })).status).toBe(200);
    expect(
      (await t.gql(DELIVERIES, { where: { endpointId: endpoint.id } }, admin.token)).data.webhookDeliveries,
    ).toEqual([]);
    const bad = await upsert([{ identifiers: { email: 'x@example.com' } }], { skip_hook: 'yes' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('skip_hook must be true or false');
    expect(
      (
        await upsert([
          { identifiers: { email: 'loud@example.com' } },
          { identifiers: { email: 'quiet@example.com' }, attributes: { name: 'Q' } },
        ])
      ).status,
    ).toBe(200);
    const { data } = await t.gql(DELIVERIES, { where: { endpointId: endpoint.id } }, admin.token);
    expect(data.webhookDeliveries.map((d: { eventType: string }) => d.eventType).sort()).toEqual([
      'identity.created',
      'identity.updated',
    ]);
    await deleteEndpoint(endpoint.id);
  });

  it('lists the event types an endpoint can subscribe to (canManageWebhooks), each one accepted', async () => {
    const listed = await t.gql(`{ webhookEventTypes }`, {}, admin.token);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.webhookEventTypes).toEqual([
      'user.created',
      'user.updated',
      'user.deleted',
      'user.email_verified',
      'user.password_changed',
      'address.created',
      'address.updated',
      'address.deleted',
      'customer_group.member_added',
      'customer_group.member_removed',
      'identity.created',
      'identity.updated',
      'identity.deleted',
      'identity.merged',
      'identity.unmerged',
      'identity.erased',
      'identity.identifier_changed',
    ]);
    // what it lists is what createWebhookEndpoint accepts
    const { endpoint } = await createEndpoint(listed.data.webhookEventTypes);
    const stored = await t.gql(`{ webhookEndpoints { id events } }`, {}, admin.token);
    expect(stored.data.webhookEndpoints).toContainEqual({ id: endpoint.id, events: listed.data.webhookEventTypes });
    await deleteEndpoint(endpoint.id);

    const customer = await seedUser(t);
    const staff = await seedUser(t, { permissions: [Permission.CanManageUsers, Permission.CanManageIdentities] });
    const token = await seedApiToken(t, [Scope.IdentitiesWrite, Scope.Gdpr]);
    for (const credential of [customer.token, staff.token, { basic: token.token }]) {
      const res = await t.gql(`{ webhookEventTypes }`, {}, credential);
      expect([res.code, res.errors?.[0].message, res.body.data]).toEqual([
        'FORBIDDEN',
        'You do not have permission to perform this action',
        null,
      ]);
    }
  });

  it('needs canManageWebhooks, and refuses bad endpoints with a reason', async () => {
    const customer = await seedUser(t);
    const staff = await seedUser(t, { permissions: [Permission.CanManageUsers] });
    for (const who of [customer, staff]) {
      const res = await t.gql(`{ webhookEndpoints { id } }`, {}, who.token);
      expect(res.code).toBe('FORBIDDEN');
    }
    const unknown = await t.gql(CREATE, { data: { url: receiver.url, events: ['user.exploded'] } }, admin.token);
    expect(unknown.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0].message).toBe(
      'Unknown event type "user.exploded": the webhookEventTypes query lists them',
    );
    const none = await t.gql(CREATE, { data: { url: receiver.url, events: [] } }, admin.token);
    expect(none.errors?.[0].message).toBe('events must name at least one event type');
    const missing = await t.gql(
      `mutation { sendTestWebhook(id: "00000000-0000-0000-0000-000000000000") { id } }`,
      {},
      admin.token,
    );
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.errors?.[0].message).toBe('Webhook endpoint not found');
  });

  it('with an endpoint that wants them, concurrent self-service writes stay correct and queue one event per change', async () => {
    const { endpoint } = await createEndpoint(['address.created', 'user.updated']);
    const customer = await seedUser(t);
    await seedAddresses(t, customer.user.id, 99);
    // the transaction paths (an endpoint wants the events): five billing addresses at 99, one lands
    const adds = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        t.gql(
          `mutation($a: String!) { createActiveUserAddress(data: { address1: $a, isBilling: true }) { id } }`,
          { a: `Race ${i}` },
          customer.token,
        ),
      ),
    );
    expect(adds.filter((a) => !a.errors)).toHaveLength(1);
    expect(adds.filter((a) => a.errors).map((a) => a.errors?.[0].message)).toEqual(
      Array(4).fill('A user can have at most 100 addresses (this one has 100); delete one first'),
    );
    const updates = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) =>
        t.gql(
          `mutation($u: String!) { updateActiveUser(data: { orderWebhookUrl: $u }) { id } }`,
          { u: `https://shop-${i}.example.com/orders` },
          customer.token,
        ),
      ),
    );
    expect(updates.map((u) => u.errors)).toEqual(Array(6).fill(undefined));
    const queued = await t.gql(DELIVERIES, { where: { endpointId: endpoint.id } }, admin.token);
    expect(queued.data.webhookDeliveries.map((d: { eventType: string }) => d.eventType).sort()).toEqual([
      'address.created',
      ...Array(6).fill('user.updated'),
    ]);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*) AS n FROM addresses WHERE user_id = '${customer.user.id}' AND is_billing = ${isPostgres() ? 'true' : '1'}`,
    );
    expect(Number(n)).toBe(1);
    await deleteEndpoint(endpoint.id);
  });
});

describe('webhook endpoint URLs without WEBHOOK_ALLOW_PRIVATE (SSRF guard)', () => {
  let t: TestApp;
  let admin: SeededUser;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await seedUser(t, { permissions: 'all' });
  });
  afterAll(() => t.close());

  it.each([
    ['http://hooks.example.com/in', 'url must use https'],
    ['https://127.0.0.1/in', 'url must not point to a private or loopback address'],
    ['https://10.0.0.5/in', 'url must not point to a private or loopback address'],
    ['https://[::1]/in', 'url must not point to a private or loopback address'],
    ['https://localhost:8443/in', 'url must not point to a private or loopback address'],
  ])('%s is refused: %s', async (url, message) => {
    const res = await t.gql(CREATE, { data: { url, events: ['user.created'] } }, admin.token);
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toBe(message);
  });

  it('a public https URL is accepted', async () => {
    const ok = await t.gql(
      CREATE,
      { data: { url: 'https://hooks.example.com/in', events: ['user.created'] } },
      admin.token,
    );
    expect(ok.errors).toBeUndefined();
  });
});

/**
 * #15: the cap of 100 endpoints holds under concurrent creates (the count and the insert share one
 * transaction holding the table's write lock on PostgreSQL; SQLite's transactions run one at a time).
 */
describe('the webhook endpoint cap under concurrent creates', () => {
  let t: TestApp;
  let admin: SeededUser;
  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    admin = await seedUser(t, { permissions: 'all' });
  });
  afterAll(() => t.close());

  it('lets exactly the cap through; every other create gets the error it got before', async () => {
    const create = (i: number) =>
      t.gql(CREATE, { data: { url: `http://127.0.0.1:9/hooks/${i}`, events: ['user.created'] } }, admin.token);
    for (let i = 0; i < 90; i++) expect((await create(i)).errors).toBeUndefined();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => create(100 + i)));
    const created = answers.filter((a) => !a.errors);
    const refused = answers.filter((a) => a.errors);
    expect(created.length).toBe(10); // a count: their secrets stay out of a failure message
    expect(refused.map((a) => ({ code: a.code, message: a.errors?.[0].message }))).toEqual(
      Array.from({ length: 10 }, () => ({
        code: 'BAD_USER_INPUT',
        message: 'At most 100 webhook endpoints; delete one first',
      })),
    );
    const listed = await t.gql(`{ webhookEndpoints { id } }`, {}, admin.token);
    expect(listed.data.webhookEndpoints).toHaveLength(100);
    const [count] = await t.dataSource.query('SELECT COUNT(*) AS n FROM webhook_endpoints');
    expect(Number(count.n)).toBe(100);
  });
});
