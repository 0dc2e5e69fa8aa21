#!/usr/bin/env node
// npm run bench:import: the bulk import's rate and memory. Generates a CSV file of new profiles (an
// email and 3 attributes: name, age, a custom tier), runs `identities:import` on it as a child process
// (the CLI as an operator runs it), samples the child's resident memory twice a second, and reports
// rows/s and peak RSS, with the RSS at each quarter of the run (flat: the file is streamed).
//   BENCH_ROWS (default 1,000,000), DATABASE_URL (default: a temporary SQLite file; postgres://… uses a
//   new schema, dropped at the end), BENCH_KEEP=1 keeps the generated file and database.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const pg = require('pg');

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'ih-bench-import-'));
const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const schema = pgUrl ? `bench_import_${Date.now()}` : undefined;
const databaseUrl = pgUrl ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}` : `sqlite:${join(dir, 'bench.sqlite')}`;
const count = (n) => Math.round(n).toLocaleString('en-US');

async function sql(text) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** The file, written as it is generated (never held in memory). */
async function generate(file) {
  const out = createWriteStream(file);
  const tiers = ['Gold', 'Silver', 'Bronze'];
  out.write('email,name,age,tier\n');
  let batch = '';
  for (let i = 0; i < ROWS; i++) {
    batch += `bench${i}@example.com,Bench Person ${i},${18 + (i % 60)},${tiers[i % 3]}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

/** Resident memory of a process, in MB (Linux /proc; null elsewhere). */
function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const file = join(dir, 'bench.csv');
try {
  if (schema) await sql(`CREATE SCHEMA ${schema}`);
  process.stderr.write(`generating ${count(ROWS)} rows…\n`);
  await generate(file);
  const size = statSync(file).size;
  process.stderr.write(`importing ${(size / 1e6).toFixed(1)} MB into ${pgUrl ? 'PostgreSQL' : 'SQLite'}…\n`);
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'identities:import', file, '--progress-every', '10'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples = [];
  const timer = setInterval(() => {
    const rss = rssOf(child.pid);
    if (rss !== null) samples.push({ at: Date.now() - started, rss });
  }, 500);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  const [code] = await once(child, 'close');
  clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(stdout);
  if (code !== 0) throw new Error(`identities:import exited with ${code}`);
  const importRate = /: ([\d,]+) rows\/s/.exec(stdout)?.[1];
  const peak = Math.max(...samples.map((s) => s.rss));
  const quarter = (q) => samples.find((s) => s.at >= (q * seconds * 1000) / 4) ?? samples[samples.length - 1];
  console.log(`\nrows:            ${count(ROWS)} (email + name, age, custom tier: new profiles)`);
  console.log(`engine:          ${pgUrl ? 'PostgreSQL' : 'SQLite'}`);
  console.log(`import rate:     ${importRate} rows/s (the CLI's own measure, from the first row to the last commit)`);
  console.log(`wall time:       ${seconds.toFixed(1)} s, ${count(ROWS / seconds)} rows/s with the CLI's start-up`);
  console.log(`peak RSS:        ${peak.toFixed(0)} MB (sampled every 0.5 s)`);
  console.log(`RSS by quarter:  ${[1, 2, 3, 4].map((q) => `${quarter(q).rss.toFixed(0)} MB`).join(', ')}`);
} finally {
  if (!process.env.BENCH_KEEP) {
    rmSync(dir, { recursive: true, force: true });
    if (schema) await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } else console.log(`kept ${file}${schema ? ` and schema ${schema}` : ''}`);
}
