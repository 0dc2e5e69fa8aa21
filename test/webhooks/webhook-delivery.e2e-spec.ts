import { createHmac, randomBytes } from 'node:crypto';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { Scope } from '../../src/auth/permissions';
import { randomToken, sha256 } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config/app-config';
import { newId } from '../../src/database/columns';
import { createDataSource } from '../../src/database/data-source';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { seedApiToken, seedUser } from '../helpers/factories';
import { ensureBuilt, freePort, startServer } from '../helpers/server-process';
import { freshDatabase, isPostgres, startTestApp } from '../helpers/test-app';
import { startReceiver } from '../helpers/webhook-receiver';

/**
 * At least once across crashes, once across instances (SPEC §9): the outbox row is committed with the
 * change, so a process killed before delivering leaves it for the next one; instances claim rows with
 * FOR UPDATE SKIP LOCKED (PostgreSQL), so two workers never take the same row.
 */
beforeAll(() => ensureBuilt(), 120_000);

const redisEnv = (): Record<string, string> =>
  process.env.REDIS_URL
    ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `ih-test-${randomBytes(4).toString('hex')}:` }
    : {};

const ADMIN = { email: 'crash.admin@example.com', password: 'a long enough admin passphrase' };

async function gql(port: number, query: string, token?: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe('a server killed between commit and delivery', () => {
  it('leaves the event in the outbox, and the next process delivers it, signed', async () => {
    const db = await freshDatabase();
    const receiver = await startReceiver();
    const env = {
      DATABASE_URL: db.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      ...redisEnv(),
    };
    // the first process never delivers (OUTBOX_POLL_MS=0): it dies with the event committed and not sent
    const first = await startServer({ ...env, PORT: String(await freePort()), OUTBOX_POLL_MS: '0' });
    let second: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const signIn = await gql(
        first.port,
        `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
           ... on UserAuthenticationWithPasswordSuccess { sessionToken item { id } } } }`,
        undefined,
        { e: ADMIN.email, p: ADMIN.password },
      );
      const { sessionToken: token, item } = signIn.authenticateUserWithPassword;
      const created = await gql(
        first.port,
        `mutation($url: String!) { createWebhookEndpoint(data: { url: $url, events: ["user.updated"] }) { secret } }`,
        token,
        { url: receiver.url },
      );
      const secret: string = created.createWebhookEndpoint.secret;
      await gql(first.port, `mutation { updateActiveUser(data: { name: "Crash Test" }) { id } }`, token);
      first.kill(); // SIGKILL: no shutdown hook runs
      await first.exited;
      expect(receiver.received).toHaveLength(0);

      second = await startServer({ ...env, PORT: String(await freePort()), OUTBOX_POLL_MS: '100' });
      await receiver.waitFor(1);
      const [hook] = receiver.received;
      const { 'webhook-id': id, 'webhook-timestamp': ts } = hook.headers as Record<string, string>;
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const mac = createHmac('sha256', key).update(`${id}.${ts}.${hook.body}`).digest('base64');
      expect(hook.headers['webhook-signature']).toBe(`v1,${mac}`);
      expect(JSON.parse(hook.body)).toMatchObject({ type: 'user.updated', data: { id: item.id, changed: ['name'] } });
    } finally {
      first.kill();
      second?.kill();
      await receiver.close();
      await db.drop();
    }
  });

  it('SIGTERM writes the buffered audit entries of the partner API before exiting', async () => {
    const db = await freshDatabase();
    const server = await startServer({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      PARTNER_NAME: 'mybrand',
      // the longest interval allowed: SIGTERM follows the answer within milliseconds, so it is almost
      // always the shutdown's flush that writes the entry (the timer's is the other way it can get there)
      AUDIT_FLUSH_MS: '1000',
      ...redisEnv(),
    });
    const ds = createDataSource(loadConfig({ DATABASE_URL: db.url }));
    await ds.initialize();
    try {
      const token = randomToken();
      const tokenId = newId();
      await ds.getRepository(ApiTokenEntity).insert({
        id: tokenId,
        name: 'etl',
        scopes: [Scope.IdentitiesWrite],
        tokenHash: sha256(token),
        lastUsedAt: null,
        revokedAt: null,
      });
      const res = await fetch(`http://127.0.0.1:${server.port}/api/user/v1/upsert`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-name': 'mybrand', 'x-request-token': token },
        body: JSON.stringify({ users: [{ identifiers: { email: 'flushed@example.com' } }] }),
      });
      expect(res.status).toBe(200);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      const rows: { action: string; actor_id: string }[] = await ds.query(
        `SELECT action, actor_id FROM audit_events WHERE actor_kind = 'api-token'`,
      );
      expect(rows).toEqual([{ action: 'identity.created', actor_id: tokenId }]);
    } finally {
      server.kill();
      await ds.destroy();
      await db.drop();
    }
  });
});

// Two processes on one SQLite file are not a supported deployment (one writer): PostgreSQL only.
(isPostgres() ? describe : describe.skip)('two instances on one PostgreSQL database', () => {
  it('deliver each event once', async () => {
    const db = await freshDatabase();
    const receiver = await startReceiver();
    const env = { WEBHOOK_ALLOW_PRIVATE: 'true', PARTNER_NAME: 'mybrand', OUTBOX_BATCH_SIZE: '4' };
    const a = await startTestApp({ databaseUrl: db.url, env });
    const b = await startTestApp({ databaseUrl: db.url, env });
    try {
      const admin = await seedUser(a, { permissions: 'all' });
      const created = await a.gql(
        `mutation($url: String!) { createWebhookEndpoint(data: { url: $url, events: ["identity.created"] }) { secret } }`,
        { url: receiver.url },
        admin.token,
      );
      expect(created.errors).toBeUndefined();
      const { token } = await seedApiToken(a, [Scope.IdentitiesWrite]);
      const users = Array.from({ length: 30 }, (_, i) => ({ identifiers: { email: `twice-${i}@example.com` } }));
      // written through the instance that created the endpoint (its cache knows it at once); both deliver
      const res = await a.rest('post', '/api/user/v1/upsert', {
        headers: { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' },
        body: { users },
      });
      expect(res.status).toBe(200);

      // both workers claim at the same time, pass after pass, until nothing is left
      let claimed = 0;
      for (;;) {
        const [ra, rb] = await Promise.all([a.app.get(OutboxWorker).runOnce(), b.app.get(OutboxWorker).runOnce()]);
        claimed += ra.claimed + rb.claimed;
        if (ra.claimed === 0 && rb.claimed === 0) break;
      }
      expect(claimed).toBe(30);
      const ids = receiver.received.map((h) => h.headers['webhook-id']);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      const profiles = receiver.received.map((h) => JSON.parse(h.body).data.id as string);
      expect(new Set(profiles).size).toBe(30);
    } finally {
      await receiver.close();
      await a.app.close();
      await b.app.close();
      await db.drop();
    }
  });
});
