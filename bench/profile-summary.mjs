#!/usr/bin/env node
// Where a CPU profile's time went: node bench/profile-summary.mjs <file.cpuprofile> [top] [--inclusive a,b,…]
// With --inclusive, also the share of busy samples whose stack holds a frame from a script whose path
// contains one of the comma-separated parts (e.g. rate-limit,throttler,query-limits,graphql-armor): the
// CPU that code costs, callees included.
// Self time by package (node_modules/<package>, Node's internals, this service's own files, garbage
// collection, idle) and the functions with the most self time. Profiles come from
// BENCH_CPU_PROF=<folder> npm run bench (one per scenario).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const inclusiveAt = args.indexOf('--inclusive');
const inclusive = inclusiveAt >= 0 ? args.splice(inclusiveAt, 2)[1].split(',').filter(Boolean) : [];
const [file, topArg] = args;
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;

function bucket(frame) {
  const url = frame.url ?? '';
  const name = frame.functionName;
  if (!url) {
    if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node: internals';
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return `service: ${
      url
        .slice(dist + 6)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return url;
}

const byBucket = new Map();
const byFunction = new Map();
for (const [id, count] of selfSamples) {
  const frame = byId.get(id).callFrame;
  const b = bucket(frame);
  byBucket.set(b, (byBucket.get(b) ?? 0) + count);
  const key = `${frame.functionName || '(anonymous)'}  ${b}${frame.url && !frame.url.includes('node_modules') ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
}
const pct = (n) => `${((n / total) * 100).toFixed(1).padStart(5)} %`;
const busy = total - (byBucket.get('(idle)') ?? 0);
console.log(`${file}: ${total} samples, ${pct(busy)} busy`);
console.log('\nself time by package (share of all samples):');
for (const [b, n] of [...byBucket].sort((a, c) => c[1] - a[1])) console.log(`  ${pct(n)}  ${b}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [f, n] of [...byFunction].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)}  ${f}`);

if (inclusive.length) {
  // Parent of each node, to walk a sample's stack from its leaf.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const matches = (node) => inclusive.find((part) => (node.callFrame.url ?? '').includes(part));
  const hits = new Map(inclusive.map((part) => [part, 0]));
  let any = 0;
  for (const [id, count] of selfSamples) {
    const name = byId.get(id).callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') continue;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const part = matches(byId.get(at));
      if (part) seen.add(part);
    }
    for (const part of seen) hits.set(part, hits.get(part) + count);
    if (seen.size) any += count;
  }
  const ofBusy = (n) => `${((n / busy) * 100).toFixed(2).padStart(6)} %`;
  console.log(`\ninclusive share of busy samples (${busy}):`);
  for (const [part, n] of hits) console.log(`  ${ofBusy(n)}  ${part}`);
  console.log(`  ${ofBusy(any)}  any of them`);
}
