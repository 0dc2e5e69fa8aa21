#!/usr/bin/env node
// After `vite build`: writes a gzip and a brotli copy of each text asset in dist/ (the service sends
// them to browsers that accept them: @fastify/static's preCompressed), then measures the console's
// first load, i.e. index.html and every script and stylesheet it names, and fails the build when the
// gzipped total is over the budget. The GraphQL explorer (explorer.html, GraphiQL, served at /graphql)
// is reported on its own, outside the console's budget: the console never loads it.
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

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const row = (file, s) =>
  `  ${file.padEnd(34)} ${kb(s.raw).padStart(10)}  gzip ${kb(s.gzip).padStart(9)}  brotli ${kb(s.brotli).padStart(9)}`;

/** A page and the scripts, module preloads and stylesheets it names: what its first visit downloads. */
function measure(page, title, note = '') {
  const html = readFileSync(join(dist, page), 'utf8');
  const named = [...html.matchAll(/(?:src|href)="\/admin\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let total = { raw: 0, gzip: 0, brotli: 0 };
  console.log(`\n${title}:`);
  for (const file of [page, ...new Set(named)]) {
    const s = sizes.get(file);
    if (!s) throw new Error(`${page} names ${file}, which the build did not write`);
    total = { raw: total.raw + s.raw, gzip: total.gzip + s.gzip, brotli: total.brotli + s.brotli };
    console.log(row(file, s));
  }
  console.log(`${row('total', total)}${note}`);
  return total;
}

const total = measure(
  'index.html',
  'Console first load (what /admin downloads before it can show the sign-in)',
  `   (budget: ${kb(BUDGET_BYTES)} gzip)`,
);
measure('explorer.html', 'GraphQL explorer at /graphql (GraphiQL; not part of the console, no budget)');
// Monaco's workers and the chunks the explorer loads on demand (language modes, the formatter)
const lazy = [...sizes].filter(([f]) => /^assets\/(?!index-|explorer-|jsx-runtime-)/.test(f));
const lazyTotal = lazy.reduce(
  (t, [, s]) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli }),
  { raw: 0, gzip: 0, brotli: 0 },
);
console.log(`${row(`+ ${lazy.length} workers and lazy chunks`, lazyTotal)}\n`);
if (total.gzip > BUDGET_BYTES) {
  console.error(`The console's first load is ${kb(total.gzip)} gzipped, over the budget of ${kb(BUDGET_BYTES)}.`);
  process.exit(1);
}
