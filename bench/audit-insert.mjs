#!/usr/bin/env node
// What an audit row costs on three ways of writing the audit buffer's flush: one multi-row VALUES list
// (12 parameters a row), one PostgreSQL array per column through unnest (node-postgres writes the array
// literals), and the service's insertMany: one JSON array per column (columnArraysStatement).
//   npm run build && DATABASE_URL=postgres://… node bench/audit-insert.mjs   [AUDIT_BATCHES=40] [AUDIT_ROWS=500]
// It makes a schema of its own with audit_events as the AuditTrail migration creates it (its seven
// indexes), inserts AUDIT_BATCHES batches of AUDIT_ROWS rows each way, twice, and prints the wall time per
// row (one client, so mostly PostgreSQL's parse, plan, bind and insert) and this process's CPU per row.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import pg from 'pg';
import { ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);

const URL = process.env.DATABASE_URL;
if (!/^postgres(ql)?:\/\//.test(URL ?? '')) {
  console.error('bench/audit-insert.mjs needs DATABASE_URL=postgres://…');
  process.exit(2);
}
const BATCHES = Number(process.env.AUDIT_BATCHES ?? 40);
const ROWS = Number(process.env.AUDIT_ROWS ?? 500);
const SCHEMA = `bench_audit_${process.pid}`;
// the service's own column list and types (npm run build first)
const DIST = resolve(ROOT, process.env.DIST || 'dist');
const { AUDIT_TYPED_COLUMNS: COLUMNS } = require(resolve(DIST, 'audit/audit-store.js'));
const { columnArraysStatement } = require(resolve(DIST, 'database/sql.js'));
const NAMES = COLUMNS.map(([name]) => name).join(', ');

const client = new pg.Client({ connectionString: URL });
await client.connect();
await client.query(`CREATE SCHEMA ${SCHEMA}`);
try {
  await client.query(`SET search_path = ${SCHEMA}`);
  await client.query(
    'CREATE TABLE audit_events (id varchar(36) NOT NULL PRIMARY KEY, occurred_at timestamp NOT NULL, actor_kind varchar(16) NOT NULL, ' +
      'actor_id varchar(36), actor_ip varchar(64), request_id varchar(128), action varchar(64) NOT NULL, resource_type varchar(32) NOT NULL, ' +
      'resource_id varchar(64), user_id varchar(36), profile_id varchar(36), changes text NOT NULL)',
  );
  for (const columns of [
    'profile_id, occurred_at',
    'user_id, occurred_at',
    'action, occurred_at',
    'resource_type, resource_id, occurred_at',
    'actor_id, occurred_at',
    'occurred_at',
  ]) {
    await client.query(`CREATE INDEX ON audit_events (${columns})`);
  }

  let k = 0;
  // a PATCH's entry: an API token changed a profile's identifier
  const entry = () => {
    k++;
    const n = String(k).padStart(12, '0');
    return [
      `${n.slice(4)}-7aaa-7bbb-8ccc-${n}`,
      new Date(),
      'api-token',
      'token-1',
      '127.0.0.1',
      `req-${k}`,
      'identity.identifier_changed',
      'identity',
      `profile-${k}`,
      null,
      `profile-${k}`,
      '[{"field":"uuid","old":"b***","new":"x***"}]',
    ];
  };
  const ways = {
    values: async (rows) => {
      const params = [];
      const tuples = rows.map((row, i) => {
        params.push(...row);
        return `(${row.map((_, j) => `$${i * row.length + j + 1}`).join(', ')})`;
      });
      await client.query(`INSERT INTO audit_events (${NAMES}) VALUES ${tuples.join(', ')}`, params);
    },
    unnest: async (rows) => {
      const arrays = COLUMNS.map((_, j) => rows.map((row) => row[j]));
      const unnest = COLUMNS.map(([, type], j) => `$${j + 1}::${type}[]`).join(', ');
      await client.query(`INSERT INTO audit_events (${NAMES}) SELECT * FROM unnest(${unnest})`, arrays);
    },
    json: async (rows) => {
      const statement = columnArraysStatement('audit_events', COLUMNS, rows);
      await client.query(statement.text, statement.values);
    },
  };
  for (const name of ['values', 'unnest', 'json', 'values', 'unnest', 'json']) {
    const batches = Array.from({ length: BATCHES }, () => Array.from({ length: ROWS }, entry));
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (const rows of batches) await ways[name](rows);
    const wallUs = Number(process.hrtime.bigint() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const perRow = (us) => (us / (BATCHES * ROWS)).toFixed(1);
    console.log(
      `${name.padEnd(6)}  ${perRow(wallUs)} µs a row (wall), ${perRow(used.user + used.system)} µs a row of this process's CPU`,
    );
  }
} finally {
  await client.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await client.end();
}
