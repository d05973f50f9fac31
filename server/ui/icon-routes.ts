/**
 * The app's icon at the root of the origin: /favicon.ico (what browsers ask for, and what
 * Claude shows for a connector, taken from the server's origin when it is added), and
 * /icon.svg and /icon-192.png (the `icons` of the MCP server info). The files are made from
 * icons/icon.svg by icons/make-icons.ts and read once, at the first request.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { once } from '../lazy.js';

const ICONS = [
  { route: '/favicon.ico', file: 'favicon.ico', type: 'image/x-icon' },
  { route: '/icon.svg', file: 'icon.svg', type: 'image/svg+xml' },
  { route: '/icon-192.png', file: 'icon-192.png', type: 'image/png' },
] as const;

const HEADERS = {
  // A day, not for good: the URLs carry no hash, and an icon is worth refreshing after a redesign.
  'Cache-Control': 'public, max-age=86400',
  'X-Content-Type-Options': 'nosniff',
  // Opened on its own, the SVG is a document of this origin: no scripts, nothing loaded.
  'Content-Security-Policy': "default-src 'none'",
};

/**
 * tsc compiles only .ts files, so the icons always stay in server/ui/icons: beside this module
 * when it runs from source (tsx), three levels up from dist/server/ui when compiled (the
 * Dockerfile copies server/ui/icons into the runtime image for that).
 */
const ICON_DIRS = ['./icons/', '../../../server/ui/icons/'].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));

function iconsDir(): string {
  const dir = ICON_DIRS.find((d) => existsSync(path.join(d, 'icon.svg')));
  if (!dir) throw new Error(`The app icons are missing: looked in ${ICON_DIRS.join(' and ')}.`);
  return dir;
}

/** GET /favicon.ico, /icon.svg and /icon-192.png, mounted at the root of the app. */
export function iconRoutes(): express.Router {
  const router = express.Router();
  const load = once(async () => {
    const dir = iconsDir();
    return new Map(await Promise.all(ICONS.map(async ({ file }) => [file, await readFile(path.join(dir, file))] as const)));
  });
  for (const { route, file, type } of ICONS) {
    router.get(route, async (_req, res) => {
      const body = (await load()).get(file);
      res.set(HEADERS).type(type).send(body);
    });
  }
  return router;
}

/** For the head of a server-rendered page: the icons above, by absolute path (served at the root). */
export const ICON_LINKS = '<link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/icon.svg" type="image/svg+xml">';

/** An entry of the MCP server info's `icons` (the MCP schema's Icon). */
export interface ServerIcon {
  src: string;
  mimeType: string;
  sizes: string[];
}

/** The `icons` of the MCP server info, served by iconRoutes at `publicUrl`. */
export function serverIcons(publicUrl: string): ServerIcon[] {
  return [
    { src: `${publicUrl}/icon.svg`, mimeType: 'image/svg+xml', sizes: ['any'] },
    { src: `${publicUrl}/icon-192.png`, mimeType: 'image/png', sizes: ['192x192'] },
  ];
}
