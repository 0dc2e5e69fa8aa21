#!/usr/bin/env node
// npm run bench (build, then this): the hot paths as a client sees them (DESIGN.md "Performance budget").
//
// This process only orchestrates. It starts the built service (node dist/main.js) and each floor as
// separate processes and drives every scenario from a separate load-generator process (bench/load.mjs,
// autocannon); while a scenario runs it only waits, reads the server's RSS and CPU time from /proc and, between
// windows of the address scenario, deletes the bench customers' addresses.
//
//   DATABASE_URL       postgres://… (the measured method: floors and ratios); unset or sqlite: a temp
//                      SQLite file, the same scenarios without floors
//   BENCH_PROFILES     seeded profiles (default 100000; 1000000 for the million)
//   BENCH_SECONDS      measured seconds per scenario (default 10), after BENCH_WARMUP (default 2)
//   BENCH_CONNECTIONS  concurrent connections (default 32); as many customers for the session scenarios
//   BENCH_SEGMENT_CONNECTIONS  connections of the segment scenarios (default 2: their targets are latencies)
//   BENCH_BATCH_RUNS   timed /upsert requests of 1,000 new users (default 5, after one warm-up request)
//   BENCH_ROUNDS       times the whole list runs (default 1); each figure is then the median of the rounds,
//                      each ratio the median of the rounds' ratios (on a busy machine, use 3)
//   BENCH_RATE         requests per second of every scenario (autocannon's overallRate) instead of as many
//                      as the server answers: then req/s and their ratios mean nothing, but each process's
//                      CPU ms per request is measured unsaturated (on a loaded machine, the steadier figure)
//   BENCH_ONLY         comma-separated scenario ids to run (floors are only needed for their ratios)
//   BENCH_OUT          the JSON results (default bench/results/latest.json); compare two with
//                      node bench/compare.mjs before.json after.json
//   BENCH_ANALYZE=0    no VACUUM (ANALYZE) after seeding: the statistics a bulk load leaves when nothing
//                      refreshes them (autovacuum is off on these machines), to see which plans depend on them
//   BENCH_DIST         the service build to run (default dist/), e.g. a build of another commit to compare
//   BENCH_CPU_PROF     a folder: a CPU profile of the service per scenario's measured period,
//                      <folder>/<scenario>.cpuprofile (node bench/profile-summary.mjs <file>); the
//                      profiler slows the service, so such a run's figures are not for comparison
// Every other variable of the environment (REDIS_URL, PARTNER_NAME, a RATE_LIMIT_*) reaches the service.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  cpuSeconds,
  storeCpuSeconds,
  fmtInt,
  fmtMs,
  fmtPct,
  freePort,
  git,
  int,
  killAllChildrenNow,
  ROOT,
  sampleRss,
  startChild,
  stopAllChildren,
  stopChild,
  waitForHttp,
  waitForReady,
} from './lib.mjs';
import { PostgresBenchDb, SqliteBenchDb } from './seed.mjs';

const SECONDS = int('BENCH_SECONDS', 10);
const WARMUP = int('BENCH_WARMUP', 2, 0);
const CONNECTIONS = int('BENCH_CONNECTIONS', 32);
const PROFILES = int('BENCH_PROFILES', 100_000, 1000);
const BATCH_RUNS = int('BENCH_BATCH_RUNS', 5);
const ROUNDS = int('BENCH_ROUNDS', 1);
const OUT = resolve(ROOT, process.env.BENCH_OUT || 'bench/results/latest.json');
const ONLY = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PG_URL = postgresUrl(process.env.DATABASE_URL);
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(ROOT, process.env.BENCH_CPU_PROF) : null;
const DIST = resolve(ROOT, process.env.BENCH_DIST || 'dist');
const ANALYZE = process.env.BENCH_ANALYZE !== '0';
const RUN_ID = `${Date.now().toString(36)}_${process.pid}`;
/** Addresses a bench customer may hold is capped at 100 (MAX_ADDRESSES_PER_USER): windows stay below. */
const ADDRESSES_PER_WINDOW = 90;
/** The partner API's limits and the sign-in/registration limits, raised out of the way (the config's maximum). */
const RAISED_LIMITS = Object.fromEntries(
  [
    'RATE_LIMIT_PARTNER_IDENTITY',
    'RATE_LIMIT_PARTNER_UPSERT',
    'RATE_LIMIT_SIGNIN_PER_EMAIL',
    'RATE_LIMIT_SIGNIN_PER_ADDRESS',
    'RATE_LIMIT_REGISTER_PER_ADDRESS',
  ].map((name) => [name, '10000000']),
);

/** DATABASE_URL when it is PostgreSQL, without a `schema` parameter (the bench uses a schema of its own). */
function postgresUrl(raw) {
  if (!/^postgres(ql)?:\/\//.test(raw ?? '')) return null;
  const url = new URL(raw);
  url.searchParams.delete('schema');
  return url.toString();
}

let db = null;
let tmp = null;
let cleaning = null;

/** Stops every child, drops the bench's schema, removes its temp files: once, on any way out. */
function cleanup() {
  cleaning ??= (async () => {
    await stopAllChildren();
    if (db) await db.drop().catch((e) => console.error(`could not drop the bench schema: ${e.message}`));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the children and dropping the bench schema`);
    cleanup().finally(() => process.exit(code));
  });
}
process.on('exit', killAllChildrenNow);

const log = (line) => console.error(line);

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

function graphqlClient(base) {
  return async (query, variables, headers) => {
    const { status, body } = await post(`${base}/graphql`, { query, variables }, headers);
    if (status !== 200 || body.errors)
      throw new Error(`GraphQL ${status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
    return body.data;
  };
}

/** Runs `work` over `items`, `width` at a time (argon2 at registration and sign-in is the cost here). */
async function inTurn(items, width, work) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i], i);
      }
    }),
  );
  return out;
}

const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken item { id } }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;

async function signIn(gql, email, password) {
  const result = (await gql(SIGN_IN, { email, password })).authenticateUserWithPassword;
  if (!result?.sessionToken) throw new Error(`sign-in of ${email} failed: ${result?.message ?? 'no answer'}`);
  return { id: result.item.id, session: result.sessionToken };
}

/** The service, its data and its credentials: everything the scenarios need, made before any is measured. */
async function startService() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let databaseUrl;
  if (PG_URL) {
    db = new PostgresBenchDb(PG_URL, `bench_${RUN_ID}`);
    databaseUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${db.schema}`;
  } else {
    tmp = mkdtempSync(join(tmpdir(), 'ih-bench-'));
    db = new SqliteBenchDb(join(tmp, 'bench.sqlite'));
    databaseUrl = `sqlite:${db.file}`;
  }
  await db.createSchema();
  const admin = { email: 'admin@bench.example', password: `bench-admin-${randomBytes(12).toString('hex')}` };
  const env = {
    NODE_ENV: 'production',
    ...RAISED_LIMITS,
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    BOOTSTRAP_ADMIN_EMAIL: admin.email,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    REDIS_KEY_PREFIX: `bench-${RUN_ID}:`,
  };
  log(`starting the service (${db.engine}${process.env.REDIS_URL ? ' + Redis' : ''}) on ${base}`);
  const preload = CPU_PROF ? [join(ROOT, 'bench/profile.cjs')] : [];
  const service = startChild(
    'the service',
    join(DIST, 'main.js'),
    [],
    { ...env, BENCH_CPU_PROF: CPU_PROF ?? '' },
    preload,
  );
  await waitForHttp(service, `${base}/health`);

  let started = performance.now();
  log(`seeding ${PROFILES.toLocaleString('en-US')} profiles (2 identifiers and 5 attributes each)`);
  await db.seed(PROFILES);
  log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const gql = graphqlClient(base);
  const adminSession = await signIn(gql, admin.email, admin.password);
  const { createApiToken } = await gql(
    'mutation { createApiToken(data: { name: "bench", scopes: ["identities:read", "identities:write"] }) { token } }',
    {},
    { authorization: `Bearer ${adminSession.session}` },
  );
  started = performance.now();
  log(`registering and signing in ${CONNECTIONS} customers (one per connection)`);
  const password = `bench-customer-${randomBytes(12).toString('hex')}`;
  const customers = await inTurn(
    Array.from({ length: CONNECTIONS }, (_, k) => `customer${k}@customers.bench.example`),
    4,
    async (email) => {
      await gql('mutation($data: UserRegisterInput!) { registerUser(data: $data) { id } }', {
        data: { email, password, name: 'Bench Customer' },
      });
      return signIn(gql, email, password);
    },
  );
  log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // The service reads its country table once, lazily, on the pool but from inside an address write's
  // transaction: cold, the first burst of address creations (more than the pool's 20) holds every pool
  // connection while waiting for that read, and nothing moves again. One request first, as a running
  // service has had; without it, the scenario stalls (load.mjs reports it).
  await gql('{ countries { id } }');
  if (ANALYZE) await db.analyze();
  else log('no VACUUM (ANALYZE) after seeding (BENCH_ANALYZE=0)');
  // A client that paged 30 % into the Silver segment holds this cursor.
  const segmentCursor = await db.segmentCursor('c_tier', 'Silver', 0.3);
  return { service, base, token: createApiToken.token, customers, segmentCursor };
}

// ---- scenarios ---------------------------------------------------------------------------------------

const AUTHENTICATED_ITEM = JSON.stringify({ query: '{ authenticatedItem { id } }' });
const UPDATE_NAME = (name) =>
  JSON.stringify({ query: `mutation { updateActiveUser(data: { name: "${name}" }) { id } }` });
const CREATE_ADDRESS = JSON.stringify({
  query: `mutation { createActiveUserAddress(data: {
    firstName: "Bench", lastName: "Customer", address1: "1 Bench Street", city: "Helsinki", postalCode: "00100",
    country: { connect: { iso2: "FI" } } }) { id } }`,
});
const JSON_HEADERS = { 'content-type': 'application/json' };
const SILVER = '{ attributes: { some: { name: "tier", value: "Silver" } } }';
const SILVER_NORTH = `{ AND: [${SILVER}, { attributes: { some: { name: "region", value: "North" } } }] }`;
const SEGMENT_CONNECTIONS = int('BENCH_SEGMENT_CONNECTIONS', 2);

/**
 * Every scenario, in the order run: each floor right before the paths measured against it. `target` is
 * issue 14's, as a ratio to the node:http + pg PATCH floor of the same run (or a time, for the batch).
 */
function scenarios({ base, token, customers, segmentCursor }, round) {
  // Each round moves its own slice of the seeded uuids, so every PATCH names a value that is there.
  const half = Math.floor(PROFILES / 2);
  const serviceSlice = Math.floor(half / ROUNDS);
  const floorSlice = Math.floor((PROFILES - half) / (2 * ROUNDS));
  const partner = {
    ...JSON_HEADERS,
    'x-partner-name': process.env.PARTNER_NAME || 'default',
    'x-request-token': token,
  };
  const nosto = { ...JSON_HEADERS, authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` };
  const clients = customers.map((c) => ({ headers: { authorization: `Bearer ${c.session}` } }));
  const common = { seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS };
  // The PATCH floor moves the second half of the seeded uuids (its own namespace, so it and the service
  // always succeed): one slice at the start of a round, another when it runs again at its end.
  const patchFloor = (id, name, from, count) => ({
    id,
    name,
    floor: 'patch',
    load: (url) => ({
      ...common,
      url,
      method: 'PATCH',
      path: '/',
      headers: JSON_HEADERS,
      check: 'status',
      generate: { type: 'patch', prefix: 'b', from, count },
    }),
  });
  const graphqlFloor = (id, name) => ({
    id,
    name,
    floor: 'graphql',
    load: (url) => ({
      ...common,
      url,
      method: 'POST',
      path: '/graphql',
      headers: JSON_HEADERS,
      body: AUTHENTICATED_ITEM,
      check: 'graphql',
    }),
  });
  return [
    patchFloor('floor-patch', 'floor: `node:http` + `pg`, same UPDATE', half + 2 * round * floorSlice, floorSlice),
    {
      id: 'patch',
      name: '`PATCH /api/user/v1/identity`',
      target: { ratio: 0.75, p99OfFloor: 1.5 },
      load: () => ({
        ...common,
        url: base,
        method: 'PATCH',
        path: '/api/user/v1/identity',
        headers: partner,
        check: 'status',
        generate: { type: 'patch', prefix: 'b', from: round * serviceSlice, count: serviceSlice },
      }),
    },
    graphqlFloor('floor-graphql', 'floor: Fastify + Apollo, one-row query'),
    {
      id: 'authenticated-item',
      name: '`{ authenticatedItem { id } }`',
      graphql: true,
      target: { ratio: 0.4 },
      load: () => ({
        ...common,
        url: base,
        method: 'POST',
        path: '/graphql',
        headers: JSON_HEADERS,
        clients,
        body: AUTHENTICATED_ITEM,
        check: 'graphql',
      }),
    },
    {
      id: 'update-active-user',
      name: '`updateActiveUser(data: { name })`',
      graphql: true,
      target: { ratio: 0.2 },
      load: () => ({
        ...common,
        url: base,
        method: 'POST',
        path: '/graphql',
        headers: JSON_HEADERS,
        clients,
        bodies: [UPDATE_NAME('Bench A'), UPDATE_NAME('Bench B')],
        check: 'graphql',
      }),
    },
    {
      id: 'create-address',
      name: '`createActiveUserAddress`',
      graphql: true,
      target: { ratio: 0.2 },
      onWindow: () => db.deleteAddresses(customers.map((c) => c.id)),
      load: () => ({
        ...common,
        url: base,
        method: 'POST',
        path: '/graphql',
        headers: JSON_HEADERS,
        clients,
        body: CREATE_ADDRESS,
        check: 'graphql',
        perConnection: ADDRESSES_PER_WINDOW,
      }),
    },
    {
      id: 'upsert-identity',
      name: 'GraphQL `upsertIdentity` (existing profile)',
      graphql: true,
      target: { ratio: 0.2 },
      load: () => ({
        ...common,
        url: base,
        method: 'POST',
        path: '/graphql',
        headers: nosto,
        check: 'graphql',
        generate: { type: 'upsert-identity', count: PROFILES },
      }),
    },
    {
      id: 'upsert-one',
      name: '`POST /api/user/v1/upsert`, 1 existing user',
      load: () => ({
        ...common,
        url: base,
        method: 'POST',
        path: '/api/user/v1/upsert',
        headers: partner,
        check: 'upsert',
        generate: { type: 'upsert-one', count: PROFILES },
      }),
    },
    {
      id: 'upsert-batch',
      name: '`POST /api/user/v1/upsert`, 1,000 new users in one request',
      batch: true,
      target: { maxMs: 200 },
      load: () => ({
        kind: 'batch',
        url: base,
        path: '/api/user/v1/upsert',
        headers: partner,
        users: 1000,
        runs: BATCH_RUNS,
        warmupRuns: 1,
        prefix: `n${RUN_ID}-${round}-`,
      }),
    },
    // Segments (issue 14 item 4): latency with few connections, flat from 10,000 to 1,000,000 profiles.
    ...[
      [
        'segment',
        'GraphQL `identities`: one condition, first 100',
        `{ identities(where: ${SILVER}, take: 100) { id } }`,
        50,
      ],
      [
        'segment-and',
        'GraphQL `identities`: AND of two, first 100',
        `{ identities(where: ${SILVER_NORTH}, take: 100) { id } }`,
        100,
      ],
      [
        'segment-deep',
        'GraphQL `identities`: one condition, 100 after a cursor 30 % deep',
        `{ identities(where: ${SILVER}, take: 100, after: "${segmentCursor}") { id } }`,
        50,
      ],
      ['segment-count', 'GraphQL `identitiesCount`: one condition', `{ identitiesCount(where: ${SILVER}) }`, null],
    ].map(([id, name, query, maxP50Ms]) => ({
      id,
      name,
      graphql: true,
      ...(maxP50Ms ? { target: { maxP50Ms } } : {}),
      load: () => ({
        ...common,
        connections: SEGMENT_CONNECTIONS,
        url: base,
        method: 'POST',
        path: '/graphql',
        headers: nosto,
        body: JSON.stringify({ query }),
        check: 'graphql',
      }),
    })),
    // Both floors again: how far the machine's load moved during the run (the ratios use their mean).
    patchFloor(
      'floor-patch-end',
      'floor: `node:http` + `pg`, again at the end',
      half + (2 * round + 1) * floorSlice,
      floorSlice,
    ),
    graphqlFloor('floor-graphql-end', 'floor: Fastify + Apollo, again at the end'),
  ];
}

async function startFloor(kind, customers) {
  const port = await freePort();
  const script = join(ROOT, 'bench', kind === 'patch' ? 'floor-patch.mjs' : 'floor-graphql.mjs');
  const floor = startChild(`the ${kind} floor`, script, [], {
    ...process.env,
    NODE_ENV: 'production',
    FLOOR_PORT: String(port),
    FLOOR_DATABASE_URL: PG_URL,
    FLOOR_SCHEMA: db.schema,
    FLOOR_USER_ID: customers[0].id,
    FLOOR_POOL: '20',
  });
  await waitForReady(floor);
  return { floor, url: `http://127.0.0.1:${port}` };
}

/** One scenario: its floor (if any) started, the load generator run to its end, the floor stopped. */
async function run(scenario, setup) {
  let floor = null;
  let url = setup.base;
  if (scenario.floor) ({ floor, url } = await startFloor(scenario.floor, setup.customers));
  const spec = scenario.load(url);
  const server = floor ?? setup.service;
  const rss = scenario.floor ? null : sampleRss(setup.service.pid);
  const load = startChild('the load generator', join(ROOT, 'bench/load.mjs'), [JSON.stringify(spec)], process.env);
  // The server's CPU time over the measured period (the load generator says when it starts and ends).
  const serverCpu = { start: null, end: null, from: 0, to: 0, storeStart: null, storeEnd: null };
  const profiling = CPU_PROF && !scenario.floor;
  let profileWritten = null;
  load.on('message', async (message) => {
    if (message?.type === 'measuring') {
      serverCpu.start = cpuSeconds(server.pid);
      serverCpu.storeStart = storeCpuSeconds();
      serverCpu.from = performance.now();
      if (profiling) server.send({ type: 'profile-start', name: scenario.id });
    } else if (message?.type === 'measured') {
      serverCpu.end = cpuSeconds(server.pid);
      serverCpu.storeEnd = storeCpuSeconds();
      serverCpu.to = performance.now();
      if (profiling) {
        profileWritten = new Promise((resolve) => {
          const done = (m) => m?.type === 'profile-written' && (server.off('message', done), resolve());
          server.on('message', done);
        });
        server.send({ type: 'profile-stop' });
      }
    } else if (message?.type === 'window') {
      await scenario.onWindow?.();
      load.send({ type: 'continue' });
    }
  });
  const { code, signal } = await load.exited;
  const rssMaxMiB = rss?.stop() ?? null;
  await profileWritten;
  if (floor) await stopChild(floor);
  if (code !== 0) throw new Error(`the load generator failed on ${scenario.id} (${signal ?? code})\n${load.output()}`);
  const measured = JSON.parse(load.stdoutText().trim().split('\n').at(-1));
  const serverShare =
    serverCpu.start === null || serverCpu.end === null || serverCpu.to <= serverCpu.from
      ? null
      : (serverCpu.end - serverCpu.start) / ((serverCpu.to - serverCpu.from) / 1000);
  const serverCpuSeconds = serverCpu.start === null || serverCpu.end === null ? null : serverCpu.end - serverCpu.start;
  const storeShare =
    serverCpu.storeStart === null || serverCpu.storeEnd === null || serverCpu.to <= serverCpu.from
      ? null
      : (serverCpu.storeEnd - serverCpu.storeStart) / ((serverCpu.to - serverCpu.from) / 1000);
  return {
    ...measured,
    rssMaxMiB,
    serverCpuSeconds,
    storeShare,
    cpu: { server: serverShare, loadGenerator: measured.cpu ?? null },
  };
}

// ---- report ------------------------------------------------------------------------------------------

function errorCell(errors) {
  if (!errors.total) return '0';
  const parts = Object.entries(errors)
    .filter(([k, v]) => k !== 'total' && k !== 'sample' && v)
    .map(([k, v]) => `${k} ${v}`);
  return `**${fmtInt(errors.total)}** (${parts.join(', ')})`;
}

const share = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)} %`);
const cpuCell = (cpu) => (cpu ? `${share(cpu.server)} / ${share(cpu.loadGenerator)}` : '');

function targetCell(s, floors) {
  const t = s.target;
  if (!t) return '';
  if (t.maxMs) return `≤ ${t.maxMs} ms ${s.medianMs <= t.maxMs ? '✓' : '✗'}`;
  if (t.maxP50Ms) return `p50 ≤ ${t.maxP50Ms} ms ${s.latencyMs.p50 <= t.maxP50Ms ? '✓' : '✗'}`;
  if (s.ratio?.patchFloor === undefined || s.ratio.patchFloor === null) return `≥ ${t.ratio * 100} % (no floor)`;
  let ok = s.ratio.patchFloor >= t.ratio;
  let text = `≥ ${t.ratio * 100} %`;
  if (t.p99OfFloor) {
    const floorP99 = floors.patch.p99;
    ok = ok && s.latencyMs.p99 <= t.p99OfFloor * floorP99;
    text += `, p99 ≤ ${t.p99OfFloor}× floor`;
  }
  return `${text} ${ok ? '✓' : '✗'}`;
}

function report(result) {
  const lines = [];
  const rows = result.scenarios;
  lines.push(
    `Identity Hub bench, ${result.date}: ${result.engine}${result.redis ? ' + Redis' : ''}, ` +
      `${fmtInt(result.profiles)} profiles, ${result.connections} connections, ${result.seconds} s per scenario ` +
      `after ${result.warmup} s of warm-up${result.rounds > 1 ? `, median of ${result.rounds} rounds` : ''}; commit ${result.commit ?? '?'}${result.dirty ? ' (with local changes)' : ''}; ` +
      `node ${result.node}, ${result.cpus} CPUs, load average ${result.loadavg.before.join(' ')} before, ${result.loadavg.after.join(' ')} after`,
  );
  if (result.engine === 'sqlite') {
    lines.push(
      '',
      'SQLite: no floors (they are PostgreSQL servers), so no ratios and no targets; the figures are only ' +
        'comparable with another SQLite run on this machine. Set DATABASE_URL=postgres://… for the measured method.',
    );
  }
  lines.push(
    '',
    '| scenario | req/s | p50 ms | p99 ms | errors | vs PATCH floor | vs GraphQL floor | service RSS MiB | CPU: server / load gen. | server CPU ms per request | store CPU ms per request | target (issue 14) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const s of rows) {
    const flag = s.errors.total ? ' ⚠' : '';
    if (s.batch) {
      lines.push(
        `| ${s.name}${flag} | — | ${fmtMs(s.medianMs)} | ${fmtMs(s.maxMs)} | ${errorCell(s.errors)} | — | — | ${fmtInt(s.rssMaxMiB)} | | ${s.cpuMsPerRequest ? s.cpuMsPerRequest.toFixed(1) : '—'} | | ${targetCell(s, result.floors)} |`,
      );
      continue;
    }
    lines.push(
      `| ${s.name}${flag} | ${fmtInt(s.rps)} | ${fmtMs(s.latencyMs.p50)} | ${fmtMs(s.latencyMs.p99)} | ${errorCell(s.errors)} | ` +
        `${s.floor ? '' : fmtPct(s.ratio?.patchFloor)} | ${s.graphql ? fmtPct(s.ratio?.graphqlFloor) : ''} | ` +
        `${s.floor ? '' : fmtInt(s.rssMaxMiB)} | ${cpuCell(s.cpu)} | ${s.cpuMsPerRequest ? s.cpuMsPerRequest.toFixed(2) : '—'} | ${s.storeCpuMsPerRequest ? s.storeCpuMsPerRequest.toFixed(2) : '—'} | ${targetCell(s, result.floors)} |`,
    );
  }
  const spread = [
    ['node:http + pg', result.floors.patch],
    ['Fastify + Apollo', result.floors.graphql],
  ].filter(([, f]) => f?.spread !== null && f?.spread !== undefined);
  if (spread.length) {
    const text = spread.map(
      ([name, f]) => `${name} ${f.runs.map(fmtInt).join(', ')} req/s (spread ${Math.round(f.spread * 100)} %)`,
    );
    lines.push(
      '',
      `Floor runs, at the start and at the end of each round: ${text.join('; ')}. A ratio compares a path with ` +
        "the mean of its round's two floor runs.",
    );
    if (spread.some(([, f]) => f.spread > 0.2)) {
      lines.push(
        '⚠ A floor moved by more than 20 % while measuring: the load on this machine changed, so the ratios are ' +
          'unreliable. Run again, or with BENCH_ROUNDS=3.',
      );
    }
  }
  const batch = rows.find((s) => s.batch);
  if (batch) {
    lines.push(
      '',
      `The 1,000-user row is one request at a time: p50 is the median of ${batch.runs} requests (after a warm-up one), ` +
        `p99 the slowest; each took ${batch.timesMs.map((t) => Math.round(t)).join(', ')} ms.`,
    );
  }
  lines.push(
    'CPU is the share of one core each process used while measuring (100 % = one core: a Node process is ' +
      'CPU-bound there); the machine has ' +
      `${result.cpus} cores for the server, the load generator and PostgreSQL together. Server CPU per request ` +
      "(the server's CPU time over the requests it answered) moves far less with the machine's load than req/s. " +
      'Store CPU per request is the same for every postgres and redis-server process on the machine: what the ' +
      'path costs the database (and Redis), which the floors pay too.',
  );
  if (result.rssMaxMiB !== null) {
    lines.push(
      `Service RSS, sampled every 250 ms during its scenarios: at most ${fmtInt(result.rssMaxMiB)} MiB (target < 250 MiB ${result.rssMaxMiB < 250 ? '✓' : '✗'}).`,
    );
  }
  const failed = rows.filter((s) => s.errors.total);
  if (failed.length) {
    lines.push('', '⚠ Scenarios with errors: their figures are not comparable. First error of each:');
    for (const s of failed) lines.push(`- ${s.id}: ${s.errors.sample ?? '(socket errors or timeouts)'}`);
  }
  return lines.join('\n');
}

const median = (values) => {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/**
 * A floor's reference in each round (the mean of its runs at the start and at the end of the round), and
 * over the whole bench: the median, and the spread of all its runs, which says how much the machine's load
 * moved while measuring.
 */
function floorSummary(measured, kind) {
  const runs = measured.filter((m) => m.scenario.floor === kind && !m.errors.total);
  if (runs.length === 0) return null;
  const perRound = [];
  for (let round = 0; round < ROUNDS; round++) {
    perRound.push(mean(runs.filter((m) => m.round === round).map((m) => m.rps)));
  }
  const all = runs.map((m) => m.rps);
  return {
    runs: all,
    perRound,
    rps: median(all),
    p99: median(runs.map((m) => m.latencyMs.p99)),
    spread: all.length > 1 ? (Math.max(...all) - Math.min(...all)) / median(all) : null,
  };
}

/** One row per scenario: the median of its rounds (errors added up, RSS the highest), ratios per round. */
function aggregate(scenario, runs, floors) {
  const { load: _load, onWindow: _onWindow, ...meta } = scenario;
  const sumErrors = {};
  for (const m of runs) {
    for (const [k, v] of Object.entries(m.errors)) {
      if (k === 'sample') sumErrors.sample ??= v;
      else sumErrors[k] = (sumErrors[k] ?? 0) + v;
    }
  }
  const rssMaxMiB = runs.some((m) => m.rssMaxMiB !== null) ? Math.max(...runs.map((m) => m.rssMaxMiB ?? 0)) : null;
  if (scenario.batch) {
    const timesMs = runs.flatMap((m) => m.timesMs);
    const sorted = [...timesMs].sort((a, b) => a - b);
    const cpuMs = runs.map((m) => (m.serverCpuSeconds === null ? null : (m.serverCpuSeconds * 1000) / m.runs));
    return {
      ...meta,
      cpuMsPerRequest: median(cpuMs),
      runs: timesMs.length,
      timesMs,
      medianMs: median(timesMs),
      minMs: sorted[0],
      maxMs: sorted.at(-1),
      errors: sumErrors,
      rssMaxMiB,
    };
  }
  const ratioTo = (floor) => {
    if (!floor) return null;
    return median(runs.map((m) => (floor.perRound[m.round] ? m.rps / floor.perRound[m.round] : null)));
  };
  return {
    ...meta,
    rounds: runs.length,
    requests: runs.reduce((sum, m) => sum + m.requests, 0),
    rps: median(runs.map((m) => m.rps)),
    latencyMs: Object.fromEntries(
      ['p50', 'p90', 'p99', 'max'].map((p) => [p, median(runs.map((m) => m.latencyMs[p]))]),
    ),
    errors: sumErrors,
    rssMaxMiB,
    cpu: {
      server: median(runs.map((m) => m.cpu.server)),
      loadGenerator: median(runs.map((m) => m.cpu.loadGenerator)),
    },
    cpuMsPerRequest: median(runs.map((m) => (m.cpu.server === null || !m.rps ? null : (m.cpu.server * 1000) / m.rps))),
    storeCpuMsPerRequest: median(
      runs.map((m) =>
        m.storeShare === null || m.storeShare === undefined || !m.rps ? null : (m.storeShare * 1000) / m.rps,
      ),
    ),
    ...(scenario.floor || !floors
      ? {}
      : {
          ratio: {
            patchFloor: ratioTo(floors.patch),
            graphqlFloor: scenario.graphql ? ratioTo(floors.graphql) : null,
          },
        }),
    perRound: runs.map(({ scenario: _s, ...m }) => m),
  };
}

// ---- main --------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(DIST, 'main.js')))
    throw new Error(`${join(DIST, 'main.js')} is missing: run \`npm run bench\` (it builds first)`);
  const before = loadavg().map((l) => l.toFixed(2));
  const setup = await startService();
  const ids = scenarios(setup, 0).map((s) => s.id);
  if (ONLY) {
    const unknown = ONLY.filter((id) => !ids.includes(id));
    if (unknown.length) throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')} (ids: ${ids.join(', ')})`);
  }
  const wanted = (s) => (!ONLY || ONLY.includes(s.id)) && (PG_URL || !s.floor);

  const measured = [];
  let stalled = false;
  for (let round = 0; round < ROUNDS && !stalled; round++) {
    for (const scenario of scenarios(setup, round).filter(wanted)) {
      log(`running ${scenario.id}${ROUNDS > 1 ? ` (round ${round + 1} of ${ROUNDS})` : ''}`);
      const m = await run(scenario, setup);
      measured.push({ ...m, scenario, round });
      if (m.errors.stalled) {
        log(`${scenario.id} stalled: the service answers nothing any more, so the remaining scenarios are skipped`);
        stalled = true;
        break;
      }
    }
  }
  const floors = { patch: floorSummary(measured, 'patch'), graphql: floorSummary(measured, 'graphql') };
  const rows = scenarios(setup, 0)
    .filter((s) => measured.some((m) => m.scenario.id === s.id))
    .map((s) =>
      aggregate(
        s,
        measured.filter((m) => m.scenario.id === s.id),
        floors,
      ),
    );
  const rss = rows.map((r) => r.rssMaxMiB).filter((v) => v !== null && v !== undefined);
  const result = {
    version: 1,
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: Boolean(git(['status', '--porcelain', '--untracked-files=no'])),
    engine: db.engine,
    redis: Boolean(process.env.REDIS_URL),
    profiles: PROFILES,
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmup: WARMUP,
    rounds: ROUNDS,
    node: process.versions.node,
    cpus: cpus().length,
    loadavg: { before, after: loadavg().map((l) => l.toFixed(2)) },
    rssMaxMiB: rss.length ? Math.max(...rss) : null,
    floors,
    scenarios: rows,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${report(result)}\n`);
  log(`results written to ${OUT}`);
  return rows.some((r) => r.errors.total) ? 1 : 0;
}

main().then(
  (code) => cleanup().then(() => process.exit(code)),
  (error) => {
    if (!cleaning) console.error(`bench failed: ${error.stack ?? error}`); // else interrupted: said so already
    cleanup().finally(() => process.exit(1));
  },
);
