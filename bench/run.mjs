#!/usr/bin/env node
// npm run bench: throughput and latency of the hot paths (DESIGN.md "Performance budget"), measured with
// autocannon against the built service on this machine. With DATABASE_URL=postgres://… it also runs the
// floor: a bare node:http + pg server doing the same PATCH statement, and prints the ratio.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 10), DATABASE_URL (default: a temp SQLite file)
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

const require = createRequire(import.meta.url);
const { createApp } = require('../dist/app.js');
const { loadConfig } = require('../dist/config/app-config.js');
const { ApiTokenService } = require('../dist/auth/api-token.service.js');
const pg = require('pg');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PROFILES = 5000;
const dir = mkdtempSync(join(tmpdir(), 'ih-bench-'));
const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
let schema;
if (pgUrl) {
  schema = `bench_${Date.now()}`;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
}
const databaseUrl = pgUrl ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}` : `sqlite:${join(dir, 'bench.sqlite')}`;
const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', RATE_LIMIT_PARTNER_IDENTITY: '10000000', RATE_LIMIT_PARTNER_UPSERT: '10000000' });
const app = await createApp(config);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
const { token } = await app.get(ApiTokenService).create('bench', ['identities:write', 'identities:read']);
const partner = { 'x-partner-name': config.partnerName, 'x-request-token': token, 'content-type': 'application/json' };

const post = async (path, body, headers) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return res.json();
};
// the scene: profiles with a uuid each, and a signed-in customer
for (let start = 0; start < PROFILES; start += 1000) {
  const users = Array.from({ length: 1000 }, (_, i) => ({ identifiers: { uuid: `p${start + i}-0` }, attributes: { name: 'Bench', custom: { tier: 'Gold' } } }));
  await post('/api/user/v1/upsert', { users }, partner);
}
await post('/graphql', { query: 'mutation { registerUser(data: { email: "bench@example.com", password: "bench passphrase 123" }) { id } }' }, { 'content-type': 'application/json' });
const signIn = await post('/graphql', { query: 'mutation { authenticateUserWithPassword(email: "bench@example.com", password: "bench passphrase 123") { ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }' }, { 'content-type': 'application/json' });
const session = signIn.data.authenticateUserWithPassword.sessionToken;

/** PATCH bodies that always succeed: profile k moves from generation g to g+1. */
function patchRequests() {
  const generation = new Array(PROFILES).fill(0);
  let k = 0;
  return [{
    method: 'PATCH',
    path: '/api/user/v1/identity',
    headers: partner,
    setupRequest: (req) => {
      const i = k++ % PROFILES;
      const g = generation[i]++;
      return { ...req, body: JSON.stringify({ old_identifier: { uuid: `p${i}-${g}` }, new_identifier: { uuid: `p${i}-${g + 1}` } }) };
    },
  }];
}

const scenarios = [
  ['GET /health', { url: `${base}/health` }],
  ['PATCH /api/user/v1/identity', { url: base, requests: patchRequests() }],
  ['POST /api/user/v1/upsert (1 user)', { url: base, requests: [{ method: 'POST', path: '/api/user/v1/upsert', headers: partner, setupRequest: (r) => ({ ...r, body: JSON.stringify({ users: [{ identifiers: { uuid: `p${Math.floor(Math.random() * PROFILES)}-bench` }, attributes: { custom: { score: Math.random() } } }] }) }) }] }],
  ['GraphQL upsertIdentity', { url: `${base}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', 'x-request-token': token }, requests: [{ setupRequest: (r) => ({ ...r, body: JSON.stringify({ query: 'mutation($e: String!) { upsertIdentity(identity: { email: $e, attributes: [{ name: "tier", value: "Gold" }] }) { id } }', variables: { e: `u${Math.floor(Math.random() * PROFILES)}@bench.example` } }) }) }] }],
  ['GraphQL updateActiveUser', { url: `${base}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` }, body: JSON.stringify({ query: 'mutation { updateActiveUser(data: { onboardingStatus: "in_progress" }) { id } }' }) }],
];

const rows = [];
for (const [name, options] of scenarios) {
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([, v]) => v !== undefined));
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options, headers });
  rows.push({ name, rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts });
}

// The floor: the same PATCH statement behind bare node:http + pg (PostgreSQL only).
if (pgUrl) {
  const pool = new pg.Pool({ connectionString: pgUrl, options: `-c search_path=${schema}`, max: 20 });
  const floor = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', async () => {
      const body = JSON.parse(data);
      try {
        const r = await pool.query('UPDATE identity_identifiers SET value = $1 WHERE type = $2 AND value = $3 RETURNING id', [body.new_identifier.uuid, 'uuid', body.old_identifier.uuid]);
        res.writeHead(r.rowCount ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end('{"error":"new identifier already has a user assigned to it: bad request"}');
      }
    });
  });
  await new Promise((r) => floor.listen(0, '127.0.0.1', r));
  // continue from where the service left the generations: use a fresh uuid namespace
  await post('/api/user/v1/upsert', { users: Array.from({ length: 1000 }, (_, i) => ({ identifiers: { uuid: `f${i}-0` } })) }, partner);
  const gen = new Array(1000).fill(0);
  let k = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${floor.address().port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ method: 'PATCH', path: '/', setupRequest: (r) => { const i = k++ % 1000; const g = gen[i]++; return { ...r, body: JSON.stringify({ old_identifier: { uuid: `f${i}-${g}` }, new_identifier: { uuid: `f${i}-${g + 1}` } }) }; } }],
  });
  rows.push({ name: 'floor: node:http + pg PATCH', rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors });
  floor.close();
  await pool.end();
}

console.log(`\nIdentity Hub bench: ${config.database.engine}, ${CONNECTIONS} connections, ${SECONDS}s each, RSS ${Math.round(process.memoryUsage().rss / 1048576)} MiB\n`);
console.log('| scenario | req/s | p99 ms | non-2xx/errors |\n| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p99} | ${r.errors} |`);
const patch = rows.find((r) => r.name.startsWith('PATCH'));
const floorRow = rows.find((r) => r.name.startsWith('floor'));
if (patch && floorRow) console.log(`\nPATCH at ${Math.round((100 * patch.rps) / floorRow.rps)} % of the floor (target ≥ 70 %)`);

await app.close();
if (schema) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`DROP SCHEMA ${schema} CASCADE`);
  await c.end();
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
