/**
 * Firebase Hosting as the dashboard sees it, for the browser tests: the built dashboard at
 * `/` and the `run` rewrites of the repository's firebase.json proxied to the server, so one
 * origin serves both, and a route the dashboard needs but firebase.json does not rewrite
 * fails here as it would on Hosting. (The Hosting emulator cannot reach Cloud Run offline.)
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { forward } from './forward.js';

const firebaseJson = z.object({
  hosting: z.object({
    rewrites: z.array(z.object({ source: z.string(), run: z.object({ serviceId: z.string() }).optional() })),
  }),
});

export interface HostingFront {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHostingFront(publicDir: string, backendUrl: string): Promise<HostingFront> {
  const config = firebaseJson.parse(JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../firebase.json'), 'utf8')));
  const toBackend = config.hosting.rewrites.filter((r) => r.run).map((r) => globToRegExp(r.source));
  const backend = new URL(backendUrl);

  const app = express();
  app.use((req, res, next) => {
    if (!toBackend.some((pattern) => pattern.test(req.path))) return next();
    forward(req, res, { host: backend.hostname, port: backend.port });
  });
  app.use(express.static(publicDir));

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Hosting's globs as used in firebase.json: `**` any path, `*` one segment. */
function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${pattern}$`);
}
