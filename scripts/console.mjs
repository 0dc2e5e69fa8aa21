#!/usr/bin/env node
// The admin console (web/, SPEC §11) as part of the service's own npm commands, so `npm install &&
// npm start` still does everything:
//
//   node scripts/console.mjs install    npm ci in web/ (its own package.json and lock), unless its
//                                        node_modules is already at the lock (postinstall)
//   node scripts/console.mjs build      builds web/dist when it is missing or older than its sources or
//                                        schema.graphql (postinstall, npm run build, so npm start)
//   node scripts/console.mjs typecheck  the console's GraphQL codegen and tsc (npm run typecheck)
//
// Verbs run in order (`install build`). Without web/node_modules (an install with --ignore-scripts),
// build and typecheck say so and skip; under CI (CI set) that fails instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'web');
const npm = (...args) => {
  const result = spawnSync('npm', args, { cwd: web, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`console: npm ${args.join(' ')} failed in web/`);
    process.exit(result.status ?? 1);
  }
};
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
const newest = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).filter((n) => n !== 'gql').map((n) => newest(join(path, n))));
};

function depsInstalled(verb) {
  if (existsSync(join(web, 'node_modules', '.package-lock.json'))) return true;
  const message = `console: web/node_modules is missing, so the console's ${verb} is skipped (npm ci --prefix web installs it)`;
  if (process.env.CI) {
    console.error(`${message}; under CI this is a failure`);
    process.exit(1);
  }
  console.error(message);
  return false;
}

const verbs = {
  install() {
    const installed = mtime(join(web, 'node_modules', '.package-lock.json'));
    if (installed > mtime(join(web, 'package-lock.json')) && installed > mtime(join(web, 'package.json'))) return;
    // --include=dev: the console is built with its dev tools even when the service's install omits them
    npm('ci', '--include=dev', '--no-audit', '--no-fund', '--loglevel=error');
  },
  build() {
    if (!depsInstalled('build')) return;
    const built = mtime(join(web, 'dist', 'index.html'));
    const sources = Math.max(
      newest(join(web, 'src')),
      newest(join(web, 'scripts')),
      ...['index.html', 'explorer.html', 'vite.config.ts', 'codegen.ts', 'tsconfig.json', 'package.json', 'package-lock.json'].map((f) =>
        mtime(join(web, f)),
      ),
      mtime(join(root, 'schema.graphql')),
    );
    if (built > sources) return;
    npm('run', 'build', '--silent');
  },
  typecheck() {
    if (!depsInstalled('type check')) return;
    npm('run', 'typecheck', '--silent');
  },
};

const asked = process.argv.slice(2);
if (asked.length === 0 || asked.some((v) => !(v in verbs))) {
  console.error(`usage: node scripts/console.mjs ${Object.keys(verbs).join('|')} [...]`);
  process.exit(2);
}
for (const verb of asked) verbs[verb]();
