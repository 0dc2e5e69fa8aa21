import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * On the cluster scripts/dev-cluster.sh starts (haproxy → instances A and B → pgbouncer → primary and a
 * streaming replica, Redis): skipped unless DEV_CLUSTER_LB is set (`eval "$(scripts/dev-cluster.sh env)"`;
 * .ci/run does it). Everything goes over HTTP, as a client would see it.
 */
const env = process.env;
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'dev-cluster.sh');
const PASSWORD = 'a customer passphrase';

interface Gql<T> {
  status: number;
  data: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql<T = Record<string, any>>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Gql<T>> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Gql<T>['errors'] };
  return { status: res.status, data: body.data as T, errors: body.errors };
}

async function signIn(base: string, email: string, password: string): Promise<{ token: string; id: string }> {
  const res = await gql<{ authenticateUserWithPassword: { sessionToken: string; item: { id: string } } }>(
    base,
    `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
      ... on UserAuthenticationWithPasswordSuccess { sessionToken item { id } } } }`,
    { e: email, p: password },
  );
  expect(res.errors).toBeUndefined();
  return {
    token: res.data.authenticateUserWithPassword.sessionToken,
    id: res.data.authenticateUserWithPassword.item.id,
  };
}

/** One counter of an instance's /metrics (0 when it has not been counted yet). */
async function metric(base: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function onDatabase<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

const ME = '{ authenticatedItem { id name } }';
const UPDATE_NAME = 'mutation($n: String!) { updateActiveUser(data: { name: $n }) { name } }';
const USER_NAME = 'query($id: ID!) { user(where: { id: $id }) { name } }';
const SEGMENT = `query($q: String!) {
  identities(where: { attributes: { some: { name: "tier", value: $q } } }, take: 100) { email }
  identitiesCount(where: { attributes: { some: { name: "tier", value: $q } } }) }`;

(env.DEV_CLUSTER_LB ? describe : describe.skip)(
  'the dev cluster: two instances, pgbouncer, primary and replica',
  () => {
    const lb = env.DEV_CLUSTER_LB!;
    const a = env.DEV_CLUSTER_A!;
    const b = env.DEV_CLUSTER_B!;
    const replica = env.DEV_CLUSTER_REPLICA!;
    const tag = `scale${Date.now().toString(36)}`;
    let admin: { token: string; id: string };
    let customer: { token: string; id: string };
    let apiToken = '';
    let replicaStopped = false;
    const partnerEmail = `${tag}-partner@example.com`;
    const partner = (base: string, path: string, body: unknown) =>
      fetch(`${base}/api/user/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-name': 'default', 'x-request-token': apiToken },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      admin = await signIn(lb, env.DEV_CLUSTER_ADMIN_EMAIL!, env.DEV_CLUSTER_ADMIN_PASSWORD!);
      const email = `${tag}@example.com`;
      const registered = await gql(
        a,
        'mutation($e: String!, $p: String!, $n: String!) { registerUser(data: { email: $e, password: $p, name: $n }) { id } }',
        { e: email, p: PASSWORD, n: `${tag} first` },
      );
      expect(registered.errors).toBeUndefined();
      customer = await signIn(a, email, PASSWORD);
      const created = await gql<{ createApiToken: { token: string } }>(
        lb,
        `mutation { createApiToken(data: { name: "${tag}", scopes: ["identities:write"] }) { token } }`,
        {},
        admin.token,
      );
      expect(created.errors).toBeUndefined();
      apiToken = created.data.createApiToken.token;
      await sleep(2100); // past REPLICA_STICKY_MS (2,000) of the sign-ins and the token's creation: their reads may go to the replica again
    });

    afterAll(async () => {
      if (replicaStopped) execFileSync(SCRIPT, ['start-replica'], { stdio: 'ignore' }); // leave the cluster as it was
      await onDatabase(replica, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
    });

    it('both instances report the replica in use on /health/ready', async () => {
      for (const base of [a, b]) {
        const res = await fetch(`${base}/health/ready`);
        const body = (await res.json()) as { status: string; details: Record<string, { status: string }> };
        expect([res.status, body.status, body.details.replica_1.status]).toEqual([200, 'ok', 'up']);
      }
    });

    it('a customer updates the profile through A and at once reads it through B, while the replica is behind; a replica too far behind is skipped', async () => {
      // The replica stops replaying WAL: anything written from now on is on the primary only.
      await onDatabase(replica, 'SELECT pg_wal_replay_pause()');
      try {
        const stickyBefore = await metric(b, 'identity_hub_read_routing_total', 'to="sticky"');
        const updated = await gql<{ updateActiveUser: { name: string } }>(
          a,
          UPDATE_NAME,
          { n: `${tag} second` },
          customer.token,
        );
        expect(updated.data.updateActiveUser.name).toBe(`${tag} second`);

        const read = await gql<{ authenticatedItem: { id: string; name: string } }>(b, ME, {}, customer.token);
        expect(read.data.authenticatedItem).toEqual({ id: customer.id, name: `${tag} second` });
        // B sent it to the primary because of A's write (Redis), not because the replica was unusable
        expect(await metric(b, 'identity_hub_read_routing_total', 'to="sticky"')).toBe(stickyBefore + 1);

        // Someone who did not write (the admin) reads from the replica, which still has the old name.
        const other = await gql<{ user: { name: string } }>(b, USER_NAME, { id: customer.id }, admin.token);
        expect(other.data.user).toEqual({ name: `${tag} first` });

        // Still paused, it falls further behind than REPLICA_MAX_LAG_MS (5 s): skipped, and the same
        // read by the admin now comes from the primary.
        await until('the replica reported lagging', async () => {
          const body = (await (await fetch(`${b}/health/ready`)).json()) as { details: Record<string, any> };
          return body.details.replica_1?.reason === 'lagging';
        });
        const skipped = await gql<{ user: { name: string } }>(b, USER_NAME, { id: customer.id }, admin.token);
        expect(skipped.data.user).toEqual({ name: `${tag} second` });
      } finally {
        await onDatabase(replica, 'SELECT pg_wal_replay_resume()');
      }
      await until('the replica caught up', async () => {
        const other = await gql<{ user: { name: string } }>(lb, USER_NAME, { id: customer.id }, admin.token);
        return other.data.user?.name === `${tag} second`;
      });
      for (const base of [a, b]) {
        await until(`${base} uses the replica again`, async () => {
          const body = (await (await fetch(`${base}/health/ready`)).json()) as { details: Record<string, any> };
          return body.details.replica_1?.status === 'up';
        });
      }
    });

    it('the partner API: an upsert through A, and at once the profile read through B (sticky to the primary)', async () => {
      const stickyBefore = await metric(b, 'identity_hub_read_routing_total', 'to="sticky"');
      const up = await partner(a, 'upsert', {
        users: [{ identifiers: { email: partnerEmail }, attributes: { custom: { tier: tag } } }],
      });
      expect([up.status, ((await up.json()) as { data: unknown }).data]).toEqual([
        200,
        { successful: { count: 1 }, fail: {} },
      ]);
      const read = await partner(b, 'profile', {
        identifiers: { email: partnerEmail },
        attributes: ['email', 'c_tier'],
      });
      const body = (await read.json()) as { attributes: Record<string, unknown> };
      expect(read.status).toBe(200);
      expect(body.attributes).toMatchObject({ email: partnerEmail, c_tier: tag });
      expect(await metric(b, 'identity_hub_read_routing_total', 'to="sticky"')).toBe(stickyBefore + 1);
    });

    it('a segment query is served by the replica (its pg_stat_activity and the instances’ metrics)', async () => {
      const expected = { identities: [{ email: partnerEmail }], identitiesCount: 1 };
      await until('the replica has the profile', async () => {
        const res = await gql(lb, SEGMENT, { q: tag }, admin.token);
        return JSON.stringify(res.data) === JSON.stringify(expected);
      });
      const replicaReads = async () =>
        (await metric(a, 'identity_hub_read_routing_total', 'to="replica"')) +
        (await metric(b, 'identity_hub_read_routing_total', 'to="replica"'));
      const before = await replicaReads();
      for (let i = 0; i < 2; i++) {
        const res = await gql(lb, SEGMENT, { q: tag }, admin.token);
        expect(res.errors).toBeUndefined();
        expect(res.data).toEqual(expected);
      }
      expect((await replicaReads()) - before).toBe(2);
      // pgbouncer's server connections on the replica show the last statement they ran
      const seen = await onDatabase<{ n: string }>(
        replica,
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'identity' AND backend_type = 'client backend' AND query ILIKE '%identity_attributes%'`,
      );
      expect(Number(seen[0].n)).toBeGreaterThan(0);
    });

    it('the replica stopped mid-run changes nothing for clients; health says so and the instances stay ready', async () => {
      const failures: string[] = [];
      let answered = 0;
      let stopped = false;
      const load = (async () => {
        while (!stopped || answered < 60) {
          const [segment, me] = await Promise.all([
            gql<{ identitiesCount: number }>(lb, SEGMENT, { q: tag }, admin.token),
            gql<{ authenticatedItem: { name: string } }>(lb, ME, {}, customer.token),
          ]);
          if (segment.status !== 200 || segment.data?.identitiesCount !== 1) failures.push(JSON.stringify(segment));
          if (me.status !== 200 || me.data?.authenticatedItem?.name !== `${tag} second`)
            failures.push(JSON.stringify(me));
          answered++;
          if (answered > 400) break;
        }
      })();
      await until('some answers before the stop', async () => answered >= 10);
      execFileSync(SCRIPT, ['stop-replica'], { stdio: 'ignore' });
      replicaStopped = true;
      stopped = true;
      await load;
      expect(failures).toEqual([]);

      for (const base of [a, b]) {
        await until(`${base} reports the replica down`, async () => {
          const body = (await (await fetch(`${base}/health/ready`)).json()) as { details: Record<string, any> };
          return body.details.replica_1?.status === 'down';
        });
        const res = await fetch(`${base}/health/ready`);
        const body = (await res.json()) as { status: string; details: Record<string, unknown> };
        expect([res.status, body.status, body.details.replica_1]).toEqual([
          200,
          'ok',
          { status: 'down', reason: 'down' },
        ]);
      }
      const read = await gql<{ identitiesCount: number }>(lb, SEGMENT, { q: tag }, admin.token);
      expect(read.data.identitiesCount).toBe(1);
      const profile = await partner(lb, 'profile', { identifiers: { email: partnerEmail }, attributes: ['c_tier'] });
      expect([profile.status, ((await profile.json()) as { attributes: unknown }).attributes]).toEqual([
        200,
        expect.objectContaining({ c_tier: tag }),
      ]);

      execFileSync(SCRIPT, ['start-replica'], { stdio: 'ignore' });
      replicaStopped = false;
      await until('the replica in use again', async () => {
        const body = (await (await fetch(`${a}/health/ready`)).json()) as { details: Record<string, any> };
        return body.details.replica_1?.status === 'up';
      });
    });
  },
);
