import { defineConfig } from 'vite';

/**
 * Built into web/dist, which the service serves at /admin (src/console/console.module.ts); asset names
 * carry a content hash, so they are cached for a year and index.html is not cached. `npm run dev` serves
 * the console with live reload and forwards the API to a service running on :3000.
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
  },
  server: {
    proxy: { '/graphql': 'http://localhost:3000' },
  },
});
