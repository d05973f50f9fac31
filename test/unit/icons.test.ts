import { expect } from 'chai';
import express from 'express';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { consentPage, errorPage } from '../../server/auth/consent-page.js';
import { iconRoutes, serverIcons } from '../../server/ui/icon-routes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const iconFile = (file: string) => readFileSync(path.join(ROOT, 'server/ui/icons', file));

/** The images of an ICO file, read from its ICONDIR and ICONDIRENTRY records. */
function icoImages(ico: Buffer): { width: number; height: number; data: Buffer }[] {
  expect(ico.readUInt16LE(0), 'reserved').to.equal(0);
  expect(ico.readUInt16LE(2), 'type (1 = icon)').to.equal(1);
  const count = ico.readUInt16LE(4);
  expect(count).to.be.at.least(1);
  return Array.from({ length: count }, (_, i) => {
    const entry = 6 + 16 * i;
    const [width, height] = [ico.readUInt8(entry) || 256, ico.readUInt8(entry + 1) || 256];
    const [size, offset] = [ico.readUInt32LE(entry + 8), ico.readUInt32LE(entry + 12)];
    expect(offset + size).to.be.at.most(ico.length);
    return { width, height, data: ico.subarray(offset, offset + size) };
  });
}

/** The hrefs of a page's `<link rel="icon">` elements. */
const iconHrefs = (html: string) => [...html.matchAll(/<link rel="icon" href="([^"]+)"/g)].map((m) => m[1]!);

describe('app icons', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const app = express();
    app.use(iconRoutes());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('makes favicon.ico a real ICO holding PNGs of 32 and 48 px', async () => {
    const images = icoImages(iconFile('favicon.ico'));
    expect(images.map((i) => i.width)).to.have.members([32, 48]);
    for (const { width, height, data } of images) {
      expect(await sharp(data).metadata()).to.include({ format: 'png', width, height });
    }
  });

  it('makes icon-192.png a 192×192 PNG', async () => {
    expect(await sharp(iconFile('icon-192.png')).metadata()).to.include({ format: 'png', width: 192, height: 192 });
  });

  for (const [route, file, type] of [
    ['/favicon.ico', 'favicon.ico', 'image/x-icon'],
    ['/icon.svg', 'icon.svg', 'image/svg+xml'],
    ['/icon-192.png', 'icon-192.png', 'image/png'],
  ] as const) {
    it(`serves ${route} as ${type}, cached for a day and not sniffed`, async () => {
      const response = await fetch(`${base}${route}`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal(type);
      expect(response.headers.get('cache-control')).to.equal('public, max-age=86400');
      expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(Buffer.from(await response.arrayBuffer()).equals(iconFile(file))).to.equal(true);
    });
  }

  it('names the served icons in the MCP server info, at the public URL', () => {
    expect(serverIcons('https://studio.example.com')).to.deep.equal([
      { src: 'https://studio.example.com/icon.svg', mimeType: 'image/svg+xml', sizes: ['any'] },
      { src: 'https://studio.example.com/icon-192.png', mimeType: 'image/png', sizes: ['192x192'] },
    ]);
  });

  it('links the icons from the consent page, the error page and the dashboard, at paths that are served', async () => {
    const pages = {
      consent: consentPage({ clientName: 'Claude', redirectUri: 'https://claude.ai/api/mcp/auth_callback', ticket: 't' }),
      error: errorPage('Something went wrong.'),
      dashboard: readFileSync(path.join(ROOT, 'web/index.html'), 'utf8'),
    };
    for (const [page, html] of Object.entries(pages)) {
      const hrefs = iconHrefs(html);
      expect(hrefs, page).to.deep.equal(['/favicon.ico', '/icon.svg']);
      for (const href of hrefs) expect((await fetch(`${base}${href}`)).status, `${page} ${href}`).to.equal(200);
    }
  });
});
