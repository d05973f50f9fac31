/**
 * The dashboard's build. `base: './'` makes the bundle work wherever it is mounted: at `/` on
 * Firebase Hosting and at `/ui/` on a server started with IMG_AUTH_DISABLED=1. During
 * `npm run dev:web` the API and images come from a server on localhost:8766.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: { '/api': 'http://localhost:8766', '/i': 'http://localhost:8766' },
  },
});
