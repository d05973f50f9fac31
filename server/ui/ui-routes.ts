/**
 * The built dashboard (web/dist) at /ui, for local mode (IMG_AUTH_DISABLED=1): the same
 * bundle Firebase Hosting serves, which finds sign-in off and shows everything. Hashed
 * assets are cached for good; the page itself is revalidated so a rebuild shows at once.
 * Answers are compressed (Brotli or gzip, as the browser accepts), as Hosting does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express from 'express';

// The dashboard talks only to this server; in local mode it never loads Firebase.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function uiRoutes(dashboardDir: string): express.Router {
  // Strict: /ui and /ui/ differ, and relative asset URLs need the trailing slash.
  const router = express.Router({ strict: true });
  router.get('/ui', (_req, res) => res.redirect(301, '/ui/'));
  router.use('/ui', (_req, res, next) => {
    res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  router.use('/ui', compression());
  router.use(
    '/ui',
    express.static(dashboardDir, {
      index: 'index.html',
      redirect: false,
      setHeaders: (res, file) => {
        const hashed = file.includes(`${path.sep}assets${path.sep}`);
        res.set('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.get('/ui/', (_req, res) => {
    // Reached only when there is no index.html to serve.
    const built = existsSync(path.join(dashboardDir, 'index.html'));
    res
      .status(404)
      .type('text/plain')
      .send(built ? 'Not found.' : `The dashboard is not built: run "npm run build" (looked in ${dashboardDir}).`);
  });
  return router;
}
