#!/usr/bin/env node
// After `vite build`: writes a gzip and a brotli copy of each text asset in dist/ (the service sends
// them to browsers that accept them: @fastify/static's preCompressed), then measures the console's
// first load, i.e. index.html and every script and stylesheet it names, and fails the build when the
// gzipped total is over the budget.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BUDGET_BYTES = 300 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const TEXT = /\.(js|css|html|svg|json|txt|map)$/;

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

const sizes = new Map();
for (const path of files(dist)) {
  if (!TEXT.test(path)) continue;
  const raw = readFileSync(path);
  const gzip = gzipSync(raw, { level: 9 });
  const brotli = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(`${path}.gz`, gzip);
  writeFileSync(`${path}.br`, brotli);
  sizes.set(relative(dist, path), { raw: raw.length, gzip: gzip.length, brotli: brotli.length });
}

// what the first visit downloads: the page, and the scripts, module preloads and stylesheets it names
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const named = [...html.matchAll(/(?:src|href)="\/admin\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const firstLoad = ['index.html', ...new Set(named)];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = { raw: 0, gzip: 0, brotli: 0 };
console.log('\nConsole first load (what /admin downloads before it can show the sign-in):');
for (const file of firstLoad) {
  const s = sizes.get(file);
  if (!s) throw new Error(`index.html names ${file}, which the build did not write`);
  total = { raw: total.raw + s.raw, gzip: total.gzip + s.gzip, brotli: total.brotli + s.brotli };
  console.log(
    `  ${file.padEnd(34)} ${kb(s.raw).padStart(10)}  gzip ${kb(s.gzip).padStart(9)}  brotli ${kb(s.brotli).padStart(9)}`,
  );
}
console.log(
  `  ${'total'.padEnd(34)} ${kb(total.raw).padStart(10)}  gzip ${kb(total.gzip).padStart(9)}  brotli ${kb(total.brotli).padStart(9)}` +
    `   (budget: ${kb(BUDGET_BYTES)} gzip)\n`,
);
if (total.gzip > BUDGET_BYTES) {
  console.error(`The console's first load is ${kb(total.gzip)} gzipped, over the budget of ${kb(BUDGET_BYTES)}.`);
  process.exit(1);
}
