#!/usr/bin/env node
// `npm run cli -- <command>`: runs dist/cli/main.js, building first only when the build is missing or
// older than a source file (src/, the tsconfigs, package.json). A build stamp (dist/.build-stamp,
// dated when that build started) records the last good build; a lock directory keeps two CLI runs
// from building at once. The build's output goes to standard error: standard output is the command's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(DIST, '.build-lock');
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => join(ROOT, f));

/** The newest modification time of the build's inputs (test files excepted). */
function newestInput() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(ROOT, 'src'));
  for (const file of INPUTS) newest = Math.max(newest, statSync(file).mtimeMs);
  return newest;
}

function stampTime() {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return -1;
  }
}

const isCurrent = () => stampTime() >= newestInput();

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds under the lock (waiting for another run's build, then re-checking); exits on failure. */
function build() {
  mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // a lock older than 5 minutes was left by a run that died
      if (Date.now() - statSync(LOCK).mtimeMs > 5 * 60_000 || Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true });
      else sleep(200);
    }
  }
  try {
    if (isCurrent()) return; // another run built it while we waited
    const started = new Date();
    process.stderr.write('building dist/ (the sources changed since the last build)…\n');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    if (result.status !== 0) {
      rmSync(STAMP, { force: true });
      process.stderr.write('the build failed (above): fix it, then run the command again\n');
      process.exit(result.status ?? 1);
    }
    writeFileSync(STAMP, `${started.toISOString()}\n`);
    utimesSync(STAMP, started, started);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (!isCurrent()) build();
if (process.argv[2] === '--build') process.exit(0);
await import(pathToFileURL(join(DIST, 'cli', 'main.js')).href);
