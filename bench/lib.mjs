// Helpers of the bench orchestrator (bench/run.mjs): child processes, ports, memory, formatting.
import { execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');
const GUARD = join(BENCH_DIR, 'guard.cjs');

/** Every child started here, so that exit, an error or Ctrl-C stops them all. */
const children = new Set();

/** A TCP port that was free a moment ago (the child binds it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `script` as a separate Node process with an IPC channel (the guard makes it exit when this
 * process dies), `preload` files required before it, and keeps the tail of its output for error messages.
 */
export function startChild(name, script, args, env, preload = []) {
  const child = fork(script, args, {
    cwd: ROOT,
    env,
    execArgv: ['--require', GUARD, ...preload.flatMap((file) => ['--require', file])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  let stdout = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stderr.on('data', keep);
  child.stdout.on('data', (chunk) => {
    stdout = (stdout + chunk.toString()).slice(-1_000_000);
  });
  child.name = name;
  child.output = () => tail;
  child.stdoutText = () => stdout;
  child.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  child.on('error', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Waits for a child's IPC message `ready` (floors), failing if it exits first. */
export function waitForReady(child, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${child.name} did not start in ${timeoutMs / 1000} s\n${child.output()}`)),
      timeoutMs,
    );
    child.on('message', (message) => {
      if (message === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (${signal ?? code}) before it was ready\n${child.output()}`));
    });
  });
}

/** Polls `url` until it answers 200, failing if the child exits first. */
export async function waitForHttp(child, url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.exited.then((e) => (exited = e));
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${child.name} exited (${exited.signal ?? exited.code}) while starting\n${child.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${child.name} did not answer ${url} in ${timeoutMs / 1000} s\n${child.output()}`);
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAllChildren() {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** Kills every child at once, synchronously (for the `exit` event, where nothing can be awaited). */
export function killAllChildrenNow() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process in MiB (Linux /proc; `ps` elsewhere), or null when it is gone. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux, or the process is gone
  }
  try {
    return (
      Number(
        execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
          .toString()
          .trim(),
      ) / 1024 || null
    );
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` returns the maximum in MiB. */
export function sampleRss(pid, everyMs = 250) {
  let max = rssMiB(pid) ?? 0;
  const timer = setInterval(() => {
    const rss = rssMiB(pid);
    if (rss !== null && rss > max) max = rss;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = rssMiB(pid);
      return Math.max(max, rss ?? 0);
    },
  };
}

let ticksPerSecond = null;

/** CPU seconds (user + system) a process has used so far (Linux /proc), or null. */
export function cpuSeconds(pid) {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

/**
 * CPU seconds of the stores' processes on this machine: every live `postgres` and `redis-server`
 * process (their own time and that of the children they reaped). The floors and the service share one
 * PostgreSQL, so what a path costs the database shows as the change of this sum per answered request.
 */
export function storeCpuSeconds() {
  let ticks = 0;
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres' && name !== 'redis-server') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks / ticksPerSecond;
}

export function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export const int = (name, fallback, min = 1) => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return Number(raw);
};

export const fmtInt = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
export const fmtMs = (n) => (n === null || n === undefined ? '—' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
export const fmtPct = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)} %`);
