import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { startReceiver } from '../helpers/webhook-receiver';

const UPSERT = `mutation($email: String!) { upsertIdentity(identity: { email: $email }) { id } }`;

/** Merges, unmerges and erasures (SPEC §10) are audited and emit their webhook events (SPEC §9). */
describe('identity.merged, identity.unmerged and identity.erased webhooks', () => {
  let t: TestApp;
  let admin: SeededUser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    admin = await seedUser(t, { permissions: 'all' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('sends thin events; the erasure names its receipt, never the person', async () => {
    const created = await t.gql(
      `mutation { createWebhookEndpoint(data: { url: "${receiver.url}", events: ["identity.merged", "identity.unmerged", "identity.erased"] }) { endpoint { id } } }`,
      {},
      admin.token,
    );
    expect(created.errors).toBeUndefined();
    const a = (await t.gql(UPSERT, { email: 'merge-a@example.com' }, admin.token)).data.upsertIdentity.id as string;
    const b = (await t.gql(UPSERT, { email: 'merge-b@example.com' }, admin.token)).data.upsertIdentity.id as string;
    const deliver = async () => {
      const start = receiver.received.length;
      await t.app.get(OutboxWorker).runOnce();
      return receiver.received.slice(start).map((hook) => JSON.parse(hook.body));
    };

    const merged = await t.gql(
      `mutation { mergeIdentities(into: { email: "merge-a@example.com" }, from: [{ email: "merge-b@example.com" }]) { id } }`,
      {},
      admin.token,
    );
    expect(merged.errors).toBeUndefined();
    const mergeId = merged.data.mergeIdentities.id as string;
    expect(await deliver()).toEqual([
      { type: 'identity.merged', timestamp: expect.any(String), data: { id: a, changed: ['mergeId', 'mergedIds'] } },
    ]);

    const unmerged = await t.gql(
      `mutation($id: ID!) { unmergeIdentity(mergeId: $id) { id } }`,
      { id: mergeId },
      admin.token,
    );
    expect(unmerged.errors).toBeUndefined();
    expect(await deliver()).toEqual([
      {
        type: 'identity.unmerged',
        timestamp: expect.any(String),
        data: { id: a, changed: ['mergeId', 'restoredIds'] },
      },
    ]);

    const erased = await t.gql(
      `mutation { eraseIdentity(where: { email: "merge-b@example.com" }, suppress: true) { id } }`,
      {},
      admin.token,
    );
    expect(erased.errors).toBeUndefined();
    const events = await deliver();
    expect(events).toEqual([
      {
        type: 'identity.erased',
        timestamp: expect.any(String),
        data: { id: erased.data.eraseIdentity.id, changed: ['suppressed'] },
      },
    ]);
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${b}|merge-b`));

    // each is in the audit trail, with the actor who asked
    const trail = await t.gql(
      `{ auditEvents(where: { resourceId: "${a}" }) { action actor { kind id } } }`,
      {},
      admin.token,
    );
    expect(trail.errors).toBeUndefined();
    const session = { kind: 'session', id: admin.user.id };
    expect(trail.data.auditEvents).toEqual(
      expect.arrayContaining([
        { action: 'identity.merged', actor: session },
        { action: 'identity.unmerged', actor: session },
      ]),
    );
  });
});
