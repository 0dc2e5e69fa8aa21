#!/usr/bin/env node
// The npm registry reachable here serves no macOS/Windows/exotic-CPU builds of native packages
// (@swc/core-*, @unrs/resolver-binding-*), so `npm install` leaves them out of package-lock.json, and
// `npm ci` then refuses the lock ("Missing: … from lock file"). This adds each missing optional platform
// package as a stub entry with its os/cpu, which npm ci skips on a platform that does not match.
// Run after any `npm install` that rewrites the lock: `node scripts/lock-foreign-optionals.mjs`; for the
// console's lock, `node scripts/lock-foreign-optionals.mjs web/package-lock.json`.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const file = process.argv[2] ? resolve(process.argv[2]) : new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU = { arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', 'wasm32': 'wasm32' };
let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (packages[nested] || packages[top]) continue;
    const parts = name.split('/').pop().split('-');
    // 'windows' as well: vite's napi-windows-process-start-time
    const os = parts.map((p) => (p === 'windows' ? 'win32' : p)).find((p) => OS.includes(p));
    const cpu = parts.map((p) => CPU[p]).find(Boolean);
    if (!os && !cpu) continue; // not a platform package: leave it to npm
    const entry = { version: version.replace(/^[\^~]/, ''), dev: meta.dev || undefined, optional: true };
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (parts.includes('musl') || parts.includes('musleabihf')) entry.libc = ['musl'];
    else if (os === 'linux') entry.libc = ['glibc'];
    packages[top] = entry;
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} foreign optional platform entries`);
