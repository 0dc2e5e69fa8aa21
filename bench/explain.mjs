#!/usr/bin/env node
// The statements behind each API request and their PostgreSQL plans at the bench's size: what does not
// depend on the machine's load (node bench/explain.mjs, after npm run build).
//
// It builds the service in this process (dist/app.js; a throughput figure from here would mean nothing,
// none is taken), seeds a schema like `npm run bench` does (plus events and users, see below), and sends
// each request once to warm up and once recorded. While recording, every statement the service sends is
// first run as EXPLAIN (ANALYZE, BUFFERS) on the same connection, in the same transaction, and undone
// (ROLLBACK TO SAVEPOINT, or a transaction of its own that is rolled back), then sent for real: each plan
// is the plan of what that statement met at that moment. It prints, per request, the number of statements
// (round trips) and per statement its plan (nodes and indexes), rows and server-side execution time.
//
//   DATABASE_URL     postgres://… (required)
//   BENCH_PROFILES   seeded profiles (default 100000)
//   BENCH_USERS      accounts seeded besides (default: as many as profiles), for the users lists
//   BENCH_EVENTS     events per profile (default 2), plus 5,000 on one profile (a heavy reader's range)
//   BENCH_SCHEMA     reuse this schema when it holds a seed (made with BENCH_KEEP=1); else a new one
//   BENCH_ANALYZE=0  no VACUUM (ANALYZE) after seeding (the statistics a bulk load leaves behind)
//   BENCH_KEEP=1     keep the schema at the end (its name is printed), to run again without seeding
//   BENCH_OUT        also write the results as JSON here
//   DIST             the built service (default dist/), e.g. a build of another commit to compare
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { int, ROOT } from './lib.mjs';
import { PostgresBenchDb, REGIONS } from './seed.mjs';

const require = createRequire(import.meta.url);
const DIST = resolve(ROOT, process.env.DIST || 'dist');
const PROFILES = int('BENCH_PROFILES', 100_000, 1000);
const USERS = int('BENCH_USERS', PROFILES, 0);
const EVENTS = int('BENCH_EVENTS', 2, 0);
const KEEP = process.env.BENCH_KEEP === '1';
const PG_URL = process.env.DATABASE_URL;
if (!/^postgres(ql)?:\/\//.test(PG_URL ?? '')) {
  console.error('bench/explain.mjs needs DATABASE_URL=postgres://…');
  process.exit(2);
}
const base = (() => {
  const url = new URL(PG_URL);
  url.searchParams.delete('schema');
  return url.toString();
})();
const log = (line) => console.error(line);
const sha256hex = (text) => require('node:crypto').createHash('sha256').update(text).digest('hex');

/** Events and accounts besides the bench's profiles (the bench itself needs neither). */
async function seedMore(client) {
  await client.query('BEGIN');
  await client.query('SET LOCAL session_replication_role = replica').catch(() => {});
  if (EVENTS) {
    // EVENTS per profile over the past year, and 5,000 on profile b7 (its uuid identifier)
    await client.query(
      `INSERT INTO identity_events (id, profile_id, event_name, timestamp, params, created_at)
       SELECT gen_random_uuid()::text, profile_id, (ARRAY['page_view','item_added_to_cart','purchase'])[1 + n % 3],
              now() - make_interval(secs => (n * 7919 + length(profile_id) * 31) % 31536000), '{"product_id":"p1"}', now()
       FROM (SELECT profile_id, generate_series(1, ${EVENTS}) AS n FROM identity_identifiers WHERE type = 'uuid') s`,
    );
    await client.query(
      `INSERT INTO identity_events (id, profile_id, event_name, timestamp, params, created_at)
       SELECT gen_random_uuid()::text, (SELECT profile_id FROM identity_identifiers WHERE type = 'uuid' AND value = 'b7'),
              (ARRAY['page_view','item_added_to_cart','purchase'])[1 + n % 3], now() - make_interval(secs => n * 6007 % 31536000),
              '{"product_id":"p1"}', now()
       FROM generate_series(1, 5000) AS n`,
    );
  }
  if (USERS) {
    await client.query(
      `INSERT INTO users (id, name, email, password_hash, created_at, updated_at)
       SELECT gen_random_uuid()::text, 'User ' || md5(i::text), 'user' || i || '@example' || (i % 100) || '.com', NULL,
              now() - make_interval(secs => i), now()
       FROM generate_series(1, ${USERS}) AS i`,
    );
  }
  await client.query('COMMIT');
}

async function schemaHoldsSeed(schema) {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'identity_profiles'",
      [schema],
    );
    if (!rows.length) return false;
    const seeded = await client.query(`SELECT 1 FROM "${schema}".identity_identifiers WHERE value = 'b0'`);
    return seeded.rows.length > 0;
  } finally {
    await client.end();
  }
}

/** A short form of a plan: its nodes, outermost first, with the index or table each reads (repeats folded). */
function planSummary(node, depth = 0, out = []) {
  const target = node['Index Name'] ?? node['Relation Name'];
  const rows = node['Actual Rows'] * (node['Actual Loops'] ?? 1);
  out.push(`${'  '.repeat(depth)}${node['Node Type']}${target ? ` ${target}` : ''} (${rows} rows)`);
  const children = (node.Plans ?? []).map((child) => planSummary(child, depth + 1, []));
  for (let i = 0; i < children.length;) {
    let j = i + 1;
    while (j < children.length && children[j].join('\n') === children[i].join('\n')) j++;
    out.push(...children[i]);
    if (j - i > 1) out[out.length - children[i].length] += ` ×${j - i}`;
    i = j;
  }
  return out;
}

/**
 * While `recording` is set, every statement a pg client sends is first EXPLAINed (ANALYZE, BUFFERS) on
 * that client and undone, then sent: a savepoint inside the service's transaction, or a transaction of
 * its own outside one.
 */
const recorded = [];
let recording = false;
const originalQuery = pg.Client.prototype.query;
const CONTROL = /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
pg.Client.prototype.query = function (config, values, callback) {
  if (!recording || typeof config !== 'string' || callback || this.explaining) {
    return originalQuery.call(this, config, values, callback);
  }
  const text = config;
  if (CONTROL.test(text)) {
    if (/^\s*(START TRANSACTION|BEGIN)\b/i.test(text)) this.inTransaction = true;
    else if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(text)) this.inTransaction = false;
    recorded.push({ sql: oneLine(text), control: true });
    return originalQuery.call(this, config, values);
  }
  return (async () => {
    const entry = { sql: oneLine(text) };
    recorded.push(entry);
    this.explaining = true;
    const inside = this.inTransaction;
    try {
      await originalQuery.call(this, inside ? 'SAVEPOINT explain_probe' : 'BEGIN');
      try {
        const { rows } = await originalQuery.call(this, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
        const [plan] = rows[0]['QUERY PLAN'];
        Object.assign(entry, {
          executionMs: plan['Execution Time'],
          planningMs: plan['Planning Time'],
          sharedHit: plan.Plan['Shared Hit Blocks'],
          sharedRead: plan.Plan['Shared Read Blocks'],
          plan: planSummary(plan.Plan),
        });
      } catch (e) {
        entry.error = e.message;
      } finally {
        await originalQuery.call(this, inside ? 'ROLLBACK TO SAVEPOINT explain_probe' : 'ROLLBACK');
      }
    } finally {
      this.explaining = false;
    }
    return originalQuery.call(this, text, values);
  })();
};

const oneLine = (sql) => sql.replace(/\s+/g, ' ').trim();
const short = (sql, n = 140) => (sql.length > n ? `${sql.slice(0, n)}…` : sql);

async function main() {
  const reuse = process.env.BENCH_SCHEMA && (await schemaHoldsSeed(process.env.BENCH_SCHEMA));
  const schema = process.env.BENCH_SCHEMA || `explain_${Date.now().toString(36)}_${process.pid}`;
  const db = new PostgresBenchDb(base, schema);
  if (!reuse) await db.createSchema();
  else {
    db.client = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
    await db.client.connect();
  }
  // a scratch schema's admin: the same password on every run, so a reused schema signs in again
  const admin = { email: 'admin@explain.example', password: `explain-admin-${schema}` };
  const { loadConfig } = require(join(DIST, 'config/app-config.js'));
  const { createApp } = require(join(DIST, 'app.js'));
  const config = loadConfig({
    DATABASE_URL: `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    OUTBOX_POLL_MS: '0',
    BOOTSTRAP_ADMIN_EMAIL: admin.email,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    RATE_LIMIT_PARTNER_PROFILE: '1000000',
    // cached credentials for the whole run: a session read would otherwise appear every 30 s
    CREDENTIAL_CACHE_MS: '3600000',
  });
  log(`schema ${schema}${reuse ? ' (reused)' : ''}: starting the service (${DIST})`);
  const app = await createApp(config);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  try {
    if (!reuse) {
      let t = performance.now();
      log(
        `seeding ${PROFILES.toLocaleString('en-US')} profiles, ${EVENTS} events each, ${USERS.toLocaleString('en-US')} users`,
      );
      await db.seed(PROFILES);
      await seedMore(db.client);
      log(`  seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      if (process.env.BENCH_ANALYZE !== '0') {
        t = performance.now();
        await db.analyze();
        log(`  VACUUM (ANALYZE) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
    }
    const inject = async (options) => {
      const res = await fastify.inject(options);
      if (res.statusCode >= 300)
        throw new Error(`${options.method} ${options.url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      const body = res.json();
      if (body.errors) throw new Error(`${options.url}: ${JSON.stringify(body.errors).slice(0, 300)}`);
      return body;
    };
    const gql = (query, variables, headers = {}) =>
      inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', ...headers },
        payload: { query, variables },
      });

    // credentials: the admin's session, an API token, a customer's session
    const signIn = async (email, password) => {
      const r = await gql(
        'mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) { ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }',
        { e: email, p: password },
      );
      return r.data.authenticateUserWithPassword.sessionToken;
    };
    const adminSession = await signIn(admin.email, admin.password);
    const token = (
      await gql(
        'mutation { createApiToken(data: { name: "explain", scopes: ["identities:read", "identities:write"] }) { token } }',
        {},
        { authorization: `Bearer ${adminSession}` },
      )
    ).data.createApiToken.token;
    const customer = {
      email: `customer-${randomBytes(4).toString('hex')}@explain.example`,
      password: `c-${randomBytes(12).toString('hex')}`,
    };
    await gql('mutation($d: UserRegisterInput!) { registerUser(data: $d) { id } }', {
      d: { ...customer, name: 'Explain' },
    });
    const customerSession = await signIn(customer.email, customer.password);

    const partner = {
      'content-type': 'application/json',
      'x-partner-name': config.partnerName,
      'x-request-token': token,
    };
    const nosto = { authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` };
    const staff = { authorization: `Bearer ${adminSession}` };
    const self = { authorization: `Bearer ${customerSession}` };
    const rest =
      (url, payload, method = 'POST') =>
      () =>
        inject({ method, url, headers: partner, payload });
    const silverNorth = `{ AND: [{ attributes: { some: { name: "tier", value: "Silver" } } }, { attributes: { some: { name: "region", value: "${REGIONS[0]}" } } }] }`;
    const silver = '{ attributes: { some: { name: "tier", value: "Silver" } } }';
    const deep = Math.floor(PROFILES * 0.3);
    // the id at 30 % of the Silver segment: a cursor as a client holds it after paging that far
    const cursorRow = await db.client.query(
      `SELECT profile_id FROM identity_attributes WHERE key = 'c_tier' AND value_key = $1 ORDER BY profile_id OFFSET ${Math.floor(deep * 0.3)} LIMIT 1`,
      [sha256hex('Silver')],
    );
    const cursor = cursorRow.rows[0]?.profile_id ?? '';
    let moves = Math.floor(Math.random() * (PROFILES / 2 - 1000));
    const batchTag = randomBytes(4).toString('hex');
    let batches = 0;

    const probes = [
      [
        'REST PATCH /identity',
        () =>
          rest(
            '/api/user/v1/identity',
            { old_identifier: { uuid: `b${11 + moves}` }, new_identifier: { uuid: `b${11 + moves++}.x` } },
            'PATCH',
          )(),
      ],
      [
        'REST /profile (identifiers, attributes, events of a year)',
        rest('/api/user/v1/profile', {
          identifiers: { uuid: 'b7' },
          attributes: ['email', 'name', 'c_tier'],
          events: {
            start_date: Math.floor(Date.now() / 1000) - 365 * 86400,
            end_date: Math.floor(Date.now() / 1000),
            wanted: [{ event_name: 'purchase', params: ['product_id'] }],
          },
        }),
      ],
      [
        'REST /upsert, 1 existing user',
        rest('/api/user/v1/upsert', {
          users: [{ identifiers: { email: 'u5@bench.example' }, attributes: { custom: { score: 7 } } }],
        }),
      ],
      [
        'REST /upsert, 1,000 new users',
        () =>
          rest('/api/user/v1/upsert', {
            users: Array.from({ length: 1000 }, (_, i) => ({
              identifiers: { email: `new-${batchTag}-${batches}-${i}@explain.example` },
              attributes: { name: 'New', custom: { tier: 'Gold' } },
            })),
          })().finally(() => batches++),
      ],
      [
        'GraphQL identity(email)',
        () => gql('{ identity(email: "u123@bench.example") { id email attributes { name value } } }', {}, nosto),
      ],
      [
        'GraphQL upsertIdentity (existing)',
        () =>
          gql(
            'mutation { upsertIdentity(identity: { email: "u9@bench.example", attributes: [{ name: "tier", value: "Gold" }] }) { id } }',
            {},
            nosto,
          ),
      ],
      [
        'GraphQL identities: one condition, take 100',
        () => gql(`{ identities(where: ${silver}, take: 100) { id } }`, {}, nosto),
      ],
      [
        'GraphQL identities: AND of two, take 100',
        () => gql(`{ identities(where: ${silverNorth}, take: 100) { id } }`, {}, nosto),
      ],
      [
        `GraphQL identities: one condition, skip ${deep.toLocaleString('en-US')}`,
        () => gql(`{ identities(where: ${silver}, take: 100, skip: ${deep}) { id } }`, {}, nosto),
      ],
      [
        'GraphQL identities: one condition, after a deep cursor',
        () => gql(`{ identities(where: ${silver}, take: 100, after: "${cursor}") { id } }`, {}, nosto),
        true,
      ],
      [
        'GraphQL identities: AND of two, after a deep cursor',
        () => gql(`{ identities(where: ${silverNorth}, take: 100, after: "${cursor}") { id } }`, {}, nosto),
        true,
      ],
      ['GraphQL identitiesCount: one condition', () => gql(`{ identitiesCount(where: ${silver}) }`, {}, nosto), true],
      ['GraphQL identitiesCount: AND of two', () => gql(`{ identitiesCount(where: ${silverNorth}) }`, {}, nosto), true],
      [
        'GraphQL identities with attributes and identifiers, take 100',
        () =>
          gql(
            `{ identities(where: ${silver}, take: 100) { id email attributes { name value } identifiers { type value } } }`,
            {},
            nosto,
          ),
      ],
      ['GraphQL authenticatedItem { id }', () => gql('{ authenticatedItem { id } }', {}, self)],
      [
        'GraphQL updateActiveUser(name)',
        () => gql('mutation { updateActiveUser(data: { name: "Explained" }) { id } }', {}, self),
      ],
      [
        'GraphQL users: email startsWith',
        () => gql('{ users(where: { email: { startsWith: "user12345" } }, take: 50) { id } }', {}, staff),
      ],
      [
        'GraphQL users: name contains',
        () => gql('{ users(where: { name: { contains: "abcdef" } }, take: 50) { id } }', {}, staff),
      ],
      [
        'GraphQL users: orderBy createdAt desc',
        () => gql('{ users(orderBy: [{ createdAt: desc }], take: 50) { id } }', {}, staff),
      ],
      [
        'GraphQL usersCount: email startsWith',
        () => gql('{ usersCount(where: { email: { startsWith: "user12345" } }) }', {}, staff),
      ],
    ];

    const results = [];
    for (const [name, send, optional] of probes) {
      try {
        await send(); // warm: caches, statement plans, pages
      } catch (e) {
        if (optional) {
          log(`skipped (this build has no such query): ${name}`);
          continue;
        }
        throw e;
      }
      recorded.length = 0;
      recording = true;
      try {
        await send();
      } finally {
        recording = false;
      }
      const statements = recorded.splice(0);
      results.push({ name, statements });
      log(`${name}: ${statements.filter((st) => !st.control).length} statements`);
    }

    const lines = [
      `Statements and plans, PostgreSQL, ${PROFILES.toLocaleString('en-US')} profiles, ${EVENTS} events each (+5,000 on one), ` +
        `${USERS.toLocaleString('en-US')} users; ${DIST.replace(`${ROOT}/`, '')}; ${new Date().toISOString()}`,
      '',
      '| request | statements (+ BEGIN, COMMIT) | slowest statement, ms (server) | sum, ms | plan of the slowest |',
      '| --- | ---: | ---: | ---: | --- |',
    ];
    for (const r of results) {
      const timed = r.statements.filter((s) => s.executionMs !== undefined);
      const control = r.statements.filter((s) => s.control).length;
      const count = `${r.statements.length - control}${control ? ` (+${control})` : ''}`;
      const slowest = timed.reduce((a, b) => (b.executionMs > (a?.executionMs ?? -1) ? b : a), null);
      const sum = timed.reduce((a, s) => a + s.executionMs, 0);
      const shape = slowest ? slowest.plan.map((l) => l.trim()).join(' ← ') : '';
      lines.push(
        `| ${r.name} | ${count} | ${slowest ? slowest.executionMs.toFixed(2) : '—'} | ${sum.toFixed(2)} | ${short(shape, 220)} |`,
      );
    }
    lines.push('', 'Every statement:');
    for (const r of results) {
      lines.push('', `### ${r.name}`);
      for (const s of r.statements) {
        if (s.control) lines.push(`- ${s.sql}`);
        else if (s.error) lines.push(`- ${short(s.sql)}\n  EXPLAIN failed: ${s.error}`);
        else {
          lines.push(`- ${short(s.sql)}`);
          lines.push(
            `  ${s.executionMs.toFixed(2)} ms (+${s.planningMs.toFixed(2)} planning), buffers hit ${s.sharedHit} read ${s.sharedRead}`,
          );
          for (const l of s.plan) lines.push(`    ${l}`);
        }
      }
    }
    console.log(lines.join('\n'));
    if (process.env.BENCH_OUT)
      writeFileSync(
        resolve(ROOT, process.env.BENCH_OUT),
        `${JSON.stringify({ profiles: PROFILES, results }, null, 2)}\n`,
      );
  } finally {
    await app.close();
    if (KEEP) {
      await db.client.end();
      log(`kept schema ${schema}: BENCH_SCHEMA=${schema} runs again without seeding`);
    } else {
      await db.drop();
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`explain failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
