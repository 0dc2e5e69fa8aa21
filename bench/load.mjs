#!/usr/bin/env node
// The load generator of `npm run bench`: runs ONE scenario with autocannon in its own process (never in
// the service's, never in the orchestrator's) and prints one JSON result on stdout.
//   node bench/load.mjs '<scenario JSON>'
// Scenario (see bench/run.mjs for the real ones):
//   { url, method, path, headers, check: 'status' | 'graphql' | 'upsert', seconds, warmup,
//     connections                                  one autocannon instance with that many connections, or
//     clients: [{ headers }]                       one instance of 1 connection per client (own credential),
//     body | bodies: [...]                         a fixed body, or bodies sent in turn on each connection, or
//     generate: { type: 'patch', prefix, from, count }        always-succeeding identifier moves
//             | { type: 'upsert-one' | 'upsert-identity', count }  a random seeded profile per request
//     perConnection: n                             windows of n requests per connection; between windows it
//                                                  asks the orchestrator (IPC) to clean up, and waits }
//   { kind: 'batch', url, path, headers, users, runs, warmupRuns, prefix }  timed single requests, in turn
// Latencies are recorded per response (2xx or not) and percentiles computed exactly; req/s is responses
// over the measured wall time. A 2xx with GraphQL `errors`, or an upsert with failed users, is an error.
// No response at all for 30 s stops the scenario as `stalled`. Under the orchestrator (IPC) it also says
// when the measured period starts and ends (`measuring`, `measured`), so the server's CPU is read then.
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? 'null');
if (!spec) {
  console.error("usage: node bench/load.mjs '<scenario JSON>'");
  process.exit(2);
}

/** What one measured period collected. */
function newTally() {
  return {
    latencies: [],
    responses: 0,
    non2xx: 0,
    graphqlErrors: 0,
    failedUsers: 0,
    socketErrors: 0,
    timeouts: 0,
    sample: null,
    elapsedMs: 0,
    windows: 0,
  };
}
let tally = newTally();
let recording = false;
let lastResponseAt = 0;
/** No response at all for this long means the service is stuck (a deadlock): the scenario stops and says so. */
const STALL_MS = 30_000;
let stalled = false;
let active = [];
const watchdog = setInterval(() => {
  if (active.length && !stalled && performance.now() - lastResponseAt > STALL_MS) {
    stalled = true;
    for (const run of active) run.stop();
  }
}, 1000);
watchdog.unref();

function noteError(status, body) {
  if (recording && tally.sample === null) tally.sample = `${status} ${String(body).slice(0, 300)}`;
}

/** Counts what a client sees as a failure although the status may be 2xx. */
function check(status, body) {
  if (status < 200 || status >= 300) return noteError(status, body);
  if (spec.check === 'graphql' && body.includes('"errors"')) {
    if (recording) tally.graphqlErrors++;
    noteError(status, body);
  } else if (spec.check === 'upsert') {
    let failed = 1;
    try {
      failed = JSON.parse(body).data.fail.count ?? 0;
    } catch {
      // not the expected body: counted as a failure
    }
    if (failed > 0) {
      if (recording) tally.failedUsers += failed;
      noteError(status, body);
    }
  }
}

// ---- request generators ------------------------------------------------------------------------------

/**
 * PATCH moves that always succeed: profile i's uuid goes from `<prefix>i.<g>` to `<prefix>i.<g+1>`
 * (generation 0 is the seeded `<prefix>i`). A generation advances only on a 200; a profile with a request
 * in flight is skipped, and one whose answer was lost (in flight when a run stopped) or failed is never
 * used again, so no request ever names a value that is not there.
 */
function patchGenerator({ prefix, from, count }) {
  const generation = new Int32Array(count);
  const busy = new Set();
  const dirty = new Set();
  let k = 0;
  const value = (i, g) => (g === 0 ? `${prefix}${from + i}` : `${prefix}${from + i}.${g}`);
  return {
    setupRequest(req, context) {
      if (busy.size + dirty.size >= count) throw new Error('no profile left to move: raise BENCH_PROFILES');
      let i;
      do i = k++ % count;
      while (busy.has(i) || dirty.has(i));
      const g = generation[i];
      busy.add(i);
      context.i = i;
      context.g = g;
      return {
        ...req,
        body: `{"old_identifier":{"uuid":"${value(i, g)}"},"new_identifier":{"uuid":"${value(i, g + 1)}"}}`,
      };
    },
    onResponse(status, body, context) {
      busy.delete(context.i);
      if (status === 200) generation[context.i] = context.g + 1;
      else dirty.add(context.i);
      check(status, body);
    },
    afterRun() {
      for (const i of busy) dirty.add(i);
      busy.clear();
    },
  };
}

function randomProfileGenerator({ type, count }) {
  const email = () => `u${Math.floor(Math.random() * count)}@bench.example`;
  const tiers = ['Gold', 'Silver', 'Bronze'];
  const build =
    type === 'upsert-one'
      ? () =>
          JSON.stringify({
            users: [
              { identifiers: { email: email() }, attributes: { custom: { score: Math.floor(Math.random() * 1000) } } },
            ],
          })
      : () =>
          JSON.stringify({
            query:
              'mutation($e: String!, $v: String!) { upsertIdentity(identity: { email: $e, attributes: [{ name: "tier", value: $v }] }) { id } }',
            variables: { e: email(), v: tiers[Math.floor(Math.random() * tiers.length)] },
          });
  return {
    setupRequest: (req) => ({ ...req, body: build() }),
    onResponse: (status, body) => check(status, body),
    afterRun() {},
  };
}

const generator =
  spec.generate?.type === 'patch'
    ? patchGenerator(spec.generate)
    : spec.generate
      ? randomProfileGenerator(spec.generate)
      : null;

function requests() {
  if (generator) {
    return [
      { method: spec.method, path: spec.path, setupRequest: generator.setupRequest, onResponse: generator.onResponse },
    ];
  }
  const bodies = spec.bodies ?? [spec.body];
  return bodies.map((body) => ({ method: spec.method, path: spec.path, body, onResponse: check }));
}

// ---- running -----------------------------------------------------------------------------------------

const RATE = Number(process.env.BENCH_RATE) || 0;

function instance(headers, connections, limit, rate) {
  const run = autocannon({
    url: spec.url,
    connections,
    ...(limit ? { amount: limit * connections } : { duration: spec.runSeconds }),
    // BENCH_RATE: a fixed rate (requests per second over all connections) instead of as fast as it goes
    ...(rate ? { overallRate: rate } : {}),
    headers: { ...spec.headers, ...headers },
    requests: requests(),
    timeout: 10,
  });
  run.on('response', (client, status, bytes, responseTime) => {
    lastResponseAt = performance.now();
    if (!recording) return;
    tally.responses++;
    tally.latencies.push(responseTime);
    if (status < 200 || status >= 300) tally.non2xx++;
  });
  return run;
}

/** One autocannon run over every client at once; `limit` caps the requests per connection. */
async function runOnce(seconds, limit) {
  spec.runSeconds = seconds;
  const started = performance.now();
  lastResponseAt = started;
  const runs = spec.clients
    ? spec.clients.map((client) => instance(client.headers, 1, limit, RATE / spec.clients.length))
    : [instance({}, spec.connections, limit, RATE)];
  active = runs;
  const results = await Promise.all(runs);
  active = [];
  // Up to the last response: autocannon notices that every connection is done only at its next 1-second
  // tick, and that idle tail is not the service's time.
  const elapsed = lastResponseAt - started;
  generator?.afterRun();
  if (recording) {
    tally.elapsedMs += elapsed;
    for (const r of results) {
      tally.socketErrors += r.errors - r.timeouts;
      tally.timeouts += r.timeouts;
    }
  }
  return elapsed;
}

function askForCleanup() {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    process.once('message', resolve);
    process.send({ type: 'window' });
  });
}

/** Runs for `seconds`: in one go, or in windows of `perConnection` requests with a cleanup between them. */
async function period(seconds) {
  if (!spec.perConnection) return runOnce(seconds);
  let spent = 0;
  do {
    spent += await runOnce(seconds, spec.perConnection);
    if (recording) tally.windows++;
    await askForCleanup();
  } while (spent < seconds * 1000 && !stalled);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary() {
  const sorted = Float64Array.from(tally.latencies).sort();
  const errors =
    tally.non2xx + tally.graphqlErrors + tally.failedUsers + tally.socketErrors + tally.timeouts + (stalled ? 1 : 0);
  return {
    requests: tally.responses,
    seconds: tally.elapsedMs / 1000,
    ...(spec.perConnection ? { windows: tally.windows } : {}),
    rps: tally.elapsedMs ? (tally.responses * 1000) / tally.elapsedMs : 0,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    },
    errors: {
      total: errors,
      non2xx: tally.non2xx,
      graphql: tally.graphqlErrors,
      failedUsers: tally.failedUsers,
      socket: tally.socketErrors,
      timeouts: tally.timeouts,
      stalled: stalled ? 1 : 0,
      sample: stalled ? `stalled: no response for ${STALL_MS / 1000} s (the service is stuck)` : tally.sample,
    },
  };
}

// ---- batch: single large requests, timed one by one --------------------------------------------------

async function batch() {
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const body = (run) =>
    JSON.stringify({
      users: Array.from({ length: spec.users }, (_, i) => ({
        identifiers: { uuid: `${spec.prefix}${run}-${i}`, email: `${spec.prefix}${run}-${i}@new.bench.example` },
        attributes: { name: 'New', age: 30 + (i % 40), email_optin: i % 2 === 0, custom: { tier: 'Gold', score: i } },
      })),
    });
  const timesMs = [];
  let failures = 0;
  let sample = null;
  for (let run = 0; run < spec.warmupRuns + spec.runs; run++) {
    if (run === spec.warmupRuns) process.send?.({ type: 'measuring' });
    const payload = body(run);
    const started = performance.now();
    const res = await fetch(`${spec.url}${spec.path}`, { method: 'POST', headers, body: payload });
    const text = await res.text();
    const ms = performance.now() - started;
    let ok = false;
    try {
      const answer = JSON.parse(text);
      ok = res.status === 200 && answer.data.successful.count === spec.users && !answer.data.fail.count;
    } catch {
      // counted below
    }
    if (run < spec.warmupRuns) continue;
    timesMs.push(ms);
    if (!ok) {
      failures++;
      sample ??= `${res.status} ${text.slice(0, 300)}`;
    }
  }
  process.send?.({ type: 'measured' });
  const sorted = [...timesMs].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    runs: spec.runs,
    timesMs,
    medianMs: median,
    minMs: sorted[0],
    maxMs: sorted.at(-1),
    errors: { total: failures, sample },
  };
}

// ---- main --------------------------------------------------------------------------------------------

let result;
if (spec.kind === 'batch') {
  result = await batch();
} else {
  if (spec.warmup > 0) await period(spec.warmup);
  recording = true;
  tally = newTally();
  process.send?.({ type: 'measuring' });
  const cpuBefore = process.cpuUsage();
  const from = performance.now();
  if (!stalled) await period(spec.seconds);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - from;
  process.send?.({ type: 'measured' });
  recording = false;
  // the share of one core this process used while measuring: near 1 would make it the bottleneck
  result = { ...summary(), cpu: (cpu.user + cpu.system) / 1000 / wallMs };
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
