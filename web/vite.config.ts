import { defineConfig } from 'vite';

import { fileURLToPath } from 'node:url';

/**
 * Built into web/dist, which the service serves at /admin (src/console/console.module.ts); asset names
 * carry a content hash, so they are cached for a year and index.html is not cached. `npm run dev` serves
 * the console with live reload and forwards the API to a service running on :3000.
 * A second page, explorer.html (GraphiQL), is the GraphQL explorer that the service answers at
 * GET /graphql to browsers (src/graphql/explorer.ts); its assets share /admin/assets, and the console's
 * first load does not include them (scripts/first-load.mjs measures both).
 */
export default defineConfig({
  base: '/admin/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        explorer: fileURLToPath(new URL('explorer.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: { '/graphql': 'http://localhost:3000' },
  },
});
