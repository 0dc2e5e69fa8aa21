#!/usr/bin/env node
// Compares two results of `npm run bench` (BENCH_OUT files), e.g. before and after a change:
//   node bench/compare.mjs bench/results/before.json bench/results/after.json
// Per path: req/s and p99 of each run, and the ratio to the node:http + pg PATCH floor OF ITS OWN RUN
// (and to the GraphQL floor), which is the figure to compare: absolute numbers move with the machine's load.
import { readFileSync } from 'node:fs';

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node bench/compare.mjs A.json B.json');
  process.exit(2);
}
const read = (file) => {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  if (result.version !== 1 || !Array.isArray(result.scenarios)) throw new Error(`${file} is not a bench result`);
  for (const s of result.scenarios) {
    if (s.cpuMsPerRequest === undefined && s.cpu?.server && s.rps) s.cpuMsPerRequest = (s.cpu.server * 1000) / s.rps;
  }
  return result;
};
const a = read(fileA);
const b = read(fileB);

const num = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const ms = (n) => (n === null || n === undefined ? '—' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
/** server CPU ms per request (older results have none: computed from the CPU share and req/s when there) */
const cpu = (n) => (n === null || n === undefined ? '—' : n.toFixed(2));
const pct = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)} %`);
function change(x, y, lowerIsBetter = false) {
  if (!x || y === null || y === undefined) return '';
  const delta = (y / x - 1) * 100;
  const sign = delta >= 0 ? '+' : '−';
  const better = lowerIsBetter ? delta < 0 : delta > 0;
  return ` (${sign}${Math.abs(delta).toFixed(0)} %${Math.abs(delta) >= 5 ? (better ? ' ▲' : ' ▼') : ''})`;
}
function points(x, y) {
  if (x === null || x === undefined || y === null || y === undefined) return '';
  const delta = (y - x) * 100;
  return ` (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)} pt)`;
}
const describe = (r, file) =>
  `${file}: ${r.date}, ${r.engine}, ${num(r.profiles)} profiles, ${r.connections} connections, ${r.seconds} s, ` +
  `commit ${r.commit ?? '?'}${r.dirty ? '+' : ''}, load average ${r.loadavg.before[0]} → ${r.loadavg.after[0]}`;

const lines = [`A = ${describe(a, fileA)}`, `B = ${describe(b, fileB)}`, ''];
for (const key of ['profiles', 'connections', 'engine']) {
  if (a[key] !== b[key]) lines.push(`Note: the runs differ in ${key} (${a[key]} vs ${b[key]}).`);
}
lines.push(
  '| scenario | req/s A → B | p50 ms A → B | p99 ms A → B | vs PATCH floor A → B | vs GraphQL floor A → B | server CPU ms per request A → B | store CPU ms per request A → B | errors A / B |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | ---: |',
);
const ids = [...new Set([...a.scenarios, ...b.scenarios].map((s) => s.id))];
for (const id of ids) {
  const x = a.scenarios.find((s) => s.id === id);
  const y = b.scenarios.find((s) => s.id === id);
  const name = (x ?? y).name;
  const errors = `${x ? x.errors.total : '—'} / ${y ? y.errors.total : '—'}`;
  if ((x ?? y).batch) {
    lines.push(
      `| ${name} | — | ${ms(x?.medianMs)} → ${ms(y?.medianMs)}${change(x?.medianMs, y?.medianMs, true)} (median) | ` +
        `${ms(x?.maxMs)} → ${ms(y?.maxMs)} (slowest) | — | — | ${cpu(x?.cpuMsPerRequest)} → ${cpu(y?.cpuMsPerRequest)}${change(x?.cpuMsPerRequest, y?.cpuMsPerRequest, true)} | — | ${errors} |`,
    );
    continue;
  }
  lines.push(
    `| ${name} | ${num(x?.rps)} → ${num(y?.rps)}${change(x?.rps, y?.rps)} | ` +
      `${ms(x?.latencyMs.p50)} → ${ms(y?.latencyMs.p50)}${change(x?.latencyMs.p50, y?.latencyMs.p50, true)} | ` +
      `${ms(x?.latencyMs.p99)} → ${ms(y?.latencyMs.p99)}${change(x?.latencyMs.p99, y?.latencyMs.p99, true)} | ` +
      `${(x ?? y).floor ? '' : `${pct(x?.ratio?.patchFloor)} → ${pct(y?.ratio?.patchFloor)}${points(x?.ratio?.patchFloor, y?.ratio?.patchFloor)}`} | ` +
      `${(x ?? y).graphql ? `${pct(x?.ratio?.graphqlFloor)} → ${pct(y?.ratio?.graphqlFloor)}${points(x?.ratio?.graphqlFloor, y?.ratio?.graphqlFloor)}` : ''} | ` +
      `${cpu(x?.cpuMsPerRequest)} → ${cpu(y?.cpuMsPerRequest)}${change(x?.cpuMsPerRequest, y?.cpuMsPerRequest, true)} | ` +
      `${cpu(x?.storeCpuMsPerRequest)} → ${cpu(y?.storeCpuMsPerRequest)}${change(x?.storeCpuMsPerRequest, y?.storeCpuMsPerRequest, true)} | ` +
      `${errors} |`,
  );
}
lines.push(
  '',
  `Service RSS at most: ${num(a.rssMaxMiB)} → ${num(b.rssMaxMiB)} MiB${change(a.rssMaxMiB, b.rssMaxMiB, true)}`,
  '',
  'Changes of 5 % or more are marked ▲ (better) or ▼ (worse); on a shared machine, compare the ratios to the floors of each run.',
);
console.log(lines.join('\n'));
