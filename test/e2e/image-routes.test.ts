import { expect } from 'chai';
import express from 'express';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { newImageName, type ImageName } from '../../server/core/names.js';
import { notFound } from '../../server/errors.js';
import { createLogger, silentLogger, type Logger } from '../../server/log.js';
import type { ImageStore } from '../../server/images/image-store.js';
import { imageRoutes } from '../../server/images/image-routes.js';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import { CloudImageStore } from '../../server/images/cloud-image-store.js';
import { newTestBucket, startGcsFake, type GcsFake } from '../fakes/gcs-fake.js';

const SECRET = 'SECRET-PROMPT-a-llama-in-a-tuxedo';

/** Records every store call, so tests can prove a bad path never reached storage. */
function counting(inner: ImageStore): { store: ImageStore; calls: string[] } {
  const calls: string[] = [];
  const store: ImageStore = {
    save: (...a) => (calls.push('save'), inner.save(...a)),
    stat: (...a) => (calls.push('stat'), inner.stat(...a)),
    open: (...a) => (calls.push('open'), inner.open(...a)),
    read: (...a) => (calls.push('read'), inner.read(...a)),
    remove: (...a) => (calls.push('remove'), inner.remove(...a)),
  };
  return { store, calls };
}

async function listen(images: ImageStore, logger: Logger = silentLogger): Promise<{ server: Server; base: string }> {
  const app = express();
  app.use(imageRoutes({ images, logger }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** fetch normalises paths (`%2e%2e`, `..`); this sends the path exactly as written. */
function raw(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/`, { path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function bytes(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

async function sampleImage(): Promise<{ png: Buffer; thumbnail: Buffer }> {
  const image = sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 80, b: 30 } } });
  return { png: await image.clone().png().toBuffer(), thumbnail: await image.clone().resize(64).webp().toBuffer() };
}

/** One store the routes serve from, holding one image and, beside it, a secret record. */
interface RoutedStore {
  readonly images: ImageStore;
  /** The Cloud Storage fake behind a cloud store, whose `requests` show what reached the bucket. */
  readonly fake?: GcsFake;
  close(): Promise<void>;
}

const SECRET_RECORD = JSON.stringify({ prompt: SECRET, email: 'owner@example.com', cost_usd: 0.134 });

async function localStore(name: ImageName, files: { png: Buffer; thumbnail: Buffer }): Promise<RoutedStore> {
  const dir = await mkdtemp(join(tmpdir(), 'image-routes-'));
  const images = new LocalImageStore(dir);
  await images.save(name, files);
  // The generation record sits next to the PNG, as in the original layout.
  await writeFile(join(dir, `${name.slice(0, 32)}.json`), SECRET_RECORD);
  return { images, close: () => rm(dir, { recursive: true, force: true }) };
}

async function cloudStore(name: ImageName, files: { png: Buffer; thumbnail: Buffer }): Promise<RoutedStore> {
  const fake = await startGcsFake();
  const images = new CloudImageStore(newTestBucket(fake));
  await images.save(name, files);
  // Records live in Firestore, but a stray object beside the images must be unreachable too.
  fake.put(`images/${name.slice(0, 32)}.json`, Buffer.from(SECRET_RECORD), { contentType: 'application/json' });
  return { images, fake, close: () => fake.close() };
}

for (const kind of ['local', 'cloud'] as const) {
  describe(`image routes on the ${kind} store`, () => {
    let routed: RoutedStore;
    let store: ImageStore;
    let calls: string[];
    let server: Server;
    let base: string;
    let name: ImageName;
    let id: string;
    let png: Buffer;
    let thumbnail: Buffer;

    before(async () => {
      name = newImageName();
      id = name.slice(0, 32);
      ({ png, thumbnail } = await sampleImage());
      routed = await (kind === 'local' ? localStore : cloudStore)(name, { png, thumbnail });
      ({ store, calls } = counting(routed.images));
      ({ server, base } = await listen(store));
    });

    after(async () => {
      await close(server);
      await routed.close();
    });

    beforeEach(() => {
      calls.length = 0;
      routed.fake?.requests.splice(0);
    });

    describe('GET /i', () => {
      it('serves the PNG bytes with cacheable, validating headers', async () => {
        const res = await fetch(`${base}/i/${name}`);
        expect(res.status).to.equal(200);
        expect(await bytes(res)).to.deep.equal(png);
        expect(res.headers.get('content-type')).to.equal('image/png');
        expect(res.headers.get('content-length')).to.equal(String(png.length));
        expect(res.headers.get('etag')).to.match(/^"[^"]+"$/);
        expect(Date.parse(res.headers.get('last-modified') ?? '')).to.not.be.NaN;
        expect(res.headers.get('accept-ranges')).to.equal('bytes');
        expect(res.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(res.headers.get('content-disposition')).to.equal(null);
      });

      it('serves the thumbnail as image/webp', async () => {
        const res = await fetch(`${base}/i/${id}.thumb.webp`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.equal('image/webp');
        expect(await bytes(res)).to.deep.equal(thumbnail);
      });

      it('answers 404 JSON naming the image when a valid name is not stored', async () => {
        const missing = newImageName();
        const res = await fetch(`${base}/i/${missing}`);
        expect(res.status).to.equal(404);
        expect(await res.json()).to.deep.equal({ error: 'not_found', message: `No image named ${missing}.` });
        expect(res.headers.get('cache-control')).to.equal('no-store');
      });

      it('answers HEAD with the length and no body, without opening the object', async () => {
        const res = await fetch(`${base}/i/${name}`, { method: 'HEAD' });
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-length')).to.equal(String(png.length));
        expect((await bytes(res)).length).to.equal(0);
        expect(calls).to.deep.equal(['stat']);
      });
    });

    describe('revalidation', () => {
      it('answers 304 with no body when If-None-Match holds the ETag, weakly or in a list', async () => {
        const etag = (await fetch(`${base}/i/${name}`)).headers.get('etag') ?? '';
        for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
          calls.length = 0;
          const res = await fetch(`${base}/i/${name}`, { headers: { 'If-None-Match': header } });
          expect(res.status, header).to.equal(304);
          expect(res.headers.get('etag')).to.equal(etag);
          expect((await bytes(res)).length).to.equal(0);
          expect(calls).to.deep.equal(['stat']);
        }
      });

      it('serves the image when If-None-Match does not match, even if If-Modified-Since would', async () => {
        const lastModified = (await fetch(`${base}/i/${name}`)).headers.get('last-modified') ?? '';
        const res = await fetch(`${base}/i/${name}`, { headers: { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified } });
        expect(res.status).to.equal(200);
        expect(await bytes(res)).to.deep.equal(png);
      });

      it('answers 304 to If-Modified-Since at or after Last-Modified, 200 before it', async () => {
        const lastModified = (await fetch(`${base}/i/${name}`)).headers.get('last-modified') ?? '';
        expect((await fetch(`${base}/i/${name}`, { headers: { 'If-Modified-Since': lastModified } })).status).to.equal(304);
        const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
        expect((await fetch(`${base}/i/${name}`, { headers: { 'If-Modified-Since': earlier } })).status).to.equal(200);
        expect((await fetch(`${base}/i/${name}`, { headers: { 'If-Modified-Since': 'not a date' } })).status).to.equal(200);
      });
    });

    describe('ranges', () => {
      it('answers 206 with exactly the requested bytes', async () => {
        const res = await fetch(`${base}/i/${name}`, { headers: { Range: 'bytes=10-109' } });
        expect(res.status).to.equal(206);
        expect(res.headers.get('content-range')).to.equal(`bytes 10-109/${png.length}`);
        expect(res.headers.get('content-length')).to.equal('100');
        expect(await bytes(res)).to.deep.equal(png.subarray(10, 110));
      });

      it('serves suffix and open-ended ranges', async () => {
        const suffix = await fetch(`${base}/i/${name}`, { headers: { Range: 'bytes=-25' } });
        expect(await bytes(suffix)).to.deep.equal(png.subarray(png.length - 25));
        const open = await fetch(`${base}/i/${name}`, { headers: { Range: `bytes=${png.length - 7}-` } });
        expect(open.status).to.equal(206);
        expect(await bytes(open)).to.deep.equal(png.subarray(png.length - 7));
      });

      it('answers 416 with the size when the range starts past the end', async () => {
        const res = await fetch(`${base}/i/${name}`, { headers: { Range: `bytes=${png.length}-` } });
        expect(res.status).to.equal(416);
        expect(res.headers.get('content-range')).to.equal(`bytes */${png.length}`);
        expect(res.headers.get('cache-control')).to.equal(null);
        expect(calls).to.deep.equal(['stat']);
      });

      it('serves the whole image for several ranges or a malformed header', async () => {
        for (const header of ['bytes=0-9,100-109', 'bytes=abc', 'pages=1-2']) {
          const res = await fetch(`${base}/i/${name}`, { headers: { Range: header } });
          expect(res.status, header).to.equal(200);
          expect(await bytes(res)).to.deep.equal(png);
        }
      });

      it('honours If-Range: the range when the ETag matches, the whole image when not', async () => {
        const etag = (await fetch(`${base}/i/${name}`)).headers.get('etag') ?? '';
        const matching = await fetch(`${base}/i/${name}`, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
        expect(matching.status).to.equal(206);
        expect(await bytes(matching)).to.deep.equal(png.subarray(0, 10));
        for (const stale of ['"stale"', `W/${etag}`, 'Tue, 01 Jan 2019 00:00:00 GMT']) {
          const res = await fetch(`${base}/i/${name}`, { headers: { Range: 'bytes=0-9', 'If-Range': stale } });
          expect(res.status, stale).to.equal(200);
          expect(await bytes(res)).to.deep.equal(png);
        }
      });

      it('ignores Range on HEAD', async () => {
        const res = await fetch(`${base}/i/${name}`, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-length')).to.equal(String(png.length));
      });
    });

    describe('GET /d', () => {
      it('serves the PNG as an attachment named after the image', async () => {
        const res = await fetch(`${base}/d/${name}`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-disposition')).to.equal(`attachment; filename="${name}"`);
        expect(await bytes(res)).to.deep.equal(png);
      });

      it('refuses thumbnails', async () => {
        const res = await fetch(`${base}/d/${id}.thumb.webp`);
        expect(res.status).to.equal(404);
        expect(calls).to.deep.equal([]);
      });
    });

    describe('GET /v', () => {
      it('shows the image and a download button under a strict CSP', async () => {
        const res = await fetch(`${base}/v/${name}`);
        const html = await res.text();
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^text\/html/);
        expect(html).to.include(`<img src="/i/${name}"`);
        expect(html).to.include(`href="/d/${name}"`);
        expect(html).to.include('<title>Image Studio</title>');
        const csp = res.headers.get('content-security-policy') ?? '';
        for (const directive of ["default-src 'none'", "img-src 'self'", "style-src 'unsafe-inline'"]) expect(csp).to.include(directive);
        expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
      });

      it('shows a 404 page for an image that does not exist', async () => {
        const res = await fetch(`${base}/v/${newImageName()}`);
        expect(res.status).to.equal(404);
        expect(res.headers.get('content-type')).to.match(/^text\/html/);
        expect(res.headers.get('content-security-policy')).to.include("default-src 'none'");
      });
    });

    describe('privacy of the generation record', () => {
      it('never shows the prompt, price or email on any route', async () => {
        const paths = [`/v/${name}`, `/i/${name}`, `/d/${name}`, `/i/${id}.thumb.webp`, `/i/${id}.json`, `/d/${id}.json`, `/v/${id}.json`, `/i/${id}.png.json`];
        for (const path of paths) {
          const res = await raw(base, path);
          const everything = JSON.stringify(res.headers) + res.body;
          for (const secret of [SECRET, 'owner@example.com', '0.134']) expect(everything, path).to.not.include(secret);
        }
      });
    });

    describe('path safety', () => {
      const cases = (id: string) => [
        `/i/..%2F${id}.png`,
        `/i/..%2f..%2fetc%2fpasswd`,
        `/i/%2e%2e%2f${id}.png`,
        `/i/%2E%2E%2F${id}.json`,
        `/i/..%5C${id}.png`,
        `/i/${id}.json`,
        `/i/${id}.PNG`,
        `/i/${id.toUpperCase()}.png`,
        `/i/${id}.png.json`,
        `/i/${id}.png/`,
        `/i/${id}.png/x`,
        `/i//${id}.png`,
        `/i/${id}.png%00`,
        `/i/${id}.png%0A`,
        `/i/%252e%252e%252f${id}.png`,
        `/i/${id}%252Epng`,
        `/i/${id}.png%252Fx`,
        `/i/%E0%A4.${id}.png`,
        `/i/%zz${id}.png`,
        `/v/%zz${id}.png`,
        `/i/${id}a.png`,
        `/i/${id.slice(1)}.png`,
        `/i/${id}.thumb.webp.png`,
        `/i/`,
        `/i`,
        `/d/..%2F${id}.png`,
        `/d/${id}.json`,
        `/d/${id}.png/`,
        `/v/..%2F${id}.png`,
        `/v/${id}.json`,
        `/v/${id}.png/`,
      ];

      it('answers 404 without touching the store for every unsafe or malformed name', async () => {
        for (const path of cases(id)) {
          for (const method of ['GET', 'HEAD']) {
            const res = await raw(base, path, method);
            expect(res.status, `${method} ${path}`).to.equal(404);
            if (method === 'GET' && !path.startsWith('/v')) expect(JSON.parse(res.body), path).to.include({ error: 'not_found' });
            expect(calls, `${method} ${path}`).to.deep.equal([]);
          }
        }
        expect(routed.fake?.requests ?? [], 'requests that reached Cloud Storage').to.deep.equal([]);
      });
    });
  });
}

describe('image routes on Cloud Storage: what reaches the bucket', () => {
  let fake: GcsFake;
  let server: Server;
  let base: string;
  let name: ImageName;
  let png: Buffer;

  before(async () => {
    name = newImageName();
    const files = await sampleImage();
    png = files.png;
    fake = await startGcsFake();
    const images = new CloudImageStore(newTestBucket(fake));
    await images.save(name, files);
    ({ server, base } = await listen(images));
  });

  after(async () => {
    await close(server);
    await fake.close();
  });

  beforeEach(() => {
    fake.requests.splice(0);
  });

  const sent = () => fake.requests.map((r) => [r.method, r.query.alt ?? 'metadata', r.headers.range ?? 'whole']);

  it('reads the metadata, then streams the object', async () => {
    const res = await fetch(`${base}/i/${name}`);
    expect(await bytes(res)).to.deep.equal(png);
    expect(sent()).to.deep.equal([
      ['GET', 'metadata', 'whole'],
      ['GET', 'media', 'whole'],
    ]);
  });

  it('asks the bucket for just the requested range', async () => {
    const res = await fetch(`${base}/i/${name}`, { headers: { Range: 'bytes=10-109' } });
    expect(res.status).to.equal(206);
    expect(await bytes(res)).to.deep.equal(png.subarray(10, 110));
    expect(sent()).to.deep.equal([
      ['GET', 'metadata', 'whole'],
      ['GET', 'media', 'bytes=10-109'],
    ]);
    expect(fake.requests[1]?.mediaBytesSent).to.equal(100);
  });

  it('answers HEAD, 304 and 416 from the metadata alone', async () => {
    const etag = (await fetch(`${base}/i/${name}`, { method: 'HEAD' })).headers.get('etag') ?? '';
    expect((await fetch(`${base}/i/${name}`, { headers: { 'If-None-Match': etag } })).status).to.equal(304);
    expect((await fetch(`${base}/i/${name}`, { headers: { Range: `bytes=${png.length}-` } })).status).to.equal(416);
    expect(sent()).to.deep.equal([
      ['GET', 'metadata', 'whole'],
      ['GET', 'metadata', 'whole'],
      ['GET', 'metadata', 'whole'],
    ]);
  });

  it('answers 404 for a name the bucket does not hold', async () => {
    const missing = newImageName();
    const res = await fetch(`${base}/i/${missing}`);
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({ error: 'not_found', message: `No image named ${missing}.` });
    expect(sent()).to.deep.equal([['GET', 'metadata', 'whole']]);
  });

  it('answers 503 with a safe message when Cloud Storage is unavailable', async () => {
    fake.failNext({ method: 'GET', status: 503 });
    const res = await fetch(`${base}/i/${name}`);
    expect(res.status).to.equal(503);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(await res.json()).to.deep.equal({ error: 'unavailable', message: 'The image could not be read from storage. Please try again.' });
  });

  it('answers 503 before any header when the download itself fails', async () => {
    fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 503 });
    const res = await fetch(`${base}/d/${name}`);
    expect(res.status).to.equal(503);
    expect(res.headers.get('content-disposition')).to.equal(null);
    expect(res.headers.get('last-modified')).to.equal(null);
    expect(res.headers.get('cache-control')).to.equal('no-store');
  });

  it('sends a clean 404 when the object vanishes between metadata and download', async () => {
    fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 404 });
    const res = await fetch(`${base}/i/${name}`);
    expect(res.status).to.equal(404);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(res.headers.get('last-modified')).to.equal(null);
  });
});

describe('image routes when the store fails', () => {
  let dir: string;
  let local: ImageStore;
  let name: ImageName;
  let id: string;
  let png: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-routes-failures-'));
    local = new LocalImageStore(dir);
    name = newImageName();
    id = name.slice(0, 32);
    const files = await sampleImage();
    png = files.png;
    await local.save(name, files);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hides internal error details behind a generic 500', async () => {
    const failing: ImageStore = { ...local, stat: () => Promise.reject(new Error('EIO: /srv/secret/path')) };
    const app = await listen(failing);
    try {
      const res = await fetch(`${app.base}/i/${name}`);
      expect(res.status).to.equal(500);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).to.equal('internal');
      expect(body.message).to.not.include('/srv/secret');
    } finally {
      await close(app.server);
    }
  });

  it('sends a clean 404, not cache headers, when the image vanishes between stat and open', async () => {
    const vanishing: ImageStore = { ...local, stat: local.stat.bind(local), open: () => Promise.reject(notFound(`No image named ${name}.`)) };
    const app = await listen(vanishing);
    try {
      const res = await fetch(`${app.base}/i/${name}`);
      expect(res.status).to.equal(404);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.headers.get('last-modified')).to.equal(null);
    } finally {
      await close(app.server);
    }
  });

  /** A store whose image stream sends some bytes and then does `then` on the stream. */
  function midwayStore(then: (stream: Readable) => void, opened: Readable[] = []): ImageStore {
    return {
      ...local,
      stat: local.stat.bind(local),
      open: async () => {
        let sent = false;
        const stream = new Readable({
          read() {
            if (sent) return;
            sent = true;
            this.push(png.subarray(0, 100));
            setTimeout(() => then(this), 50);
          },
        });
        opened.push(stream);
        return stream;
      },
    };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  }

  const warned = (lines: string[]) => lines.some((l) => (JSON.parse(l) as { severity: string }).severity === 'WARNING');

  it('logs a warning and cuts the response when the stream fails midway, and keeps serving', async () => {
    const lines: string[] = [];
    const app = await listen(midwayStore((s) => s.destroy(new Error('disk went away'))), createLogger((line) => lines.push(line)));
    try {
      const res = await fetch(`${app.base}/i/${name}`);
      expect(res.status).to.equal(200);
      const body = await res.arrayBuffer().then(
        () => 'complete',
        () => 'cut',
      );
      expect(body).to.equal('cut');
      await until(() => warned(lines));
      expect(warned(lines)).to.equal(true);
      expect((await fetch(`${app.base}/i/${id}.thumb.webp`)).status).to.equal(200);
    } finally {
      await close(app.server);
    }
  });

  it('logs a warning and keeps serving when the client goes away mid-download', async () => {
    const lines: string[] = [];
    const opened: Readable[] = [];
    const app = await listen(midwayStore(() => {}, opened), createLogger((line) => lines.push(line)));
    const streamDestroyed = () => opened[0]?.destroyed === true;
    try {
      const abort = new AbortController();
      const res = await fetch(`${app.base}/i/${name}`, { signal: abort.signal });
      expect(res.status).to.equal(200);
      abort.abort();
      await until(() => warned(lines) && streamDestroyed());
      expect(warned(lines)).to.equal(true);
      expect(streamDestroyed(), 'the store stream is released').to.equal(true);
      expect((await fetch(`${app.base}/i/${id}.thumb.webp`)).status).to.equal(200);
    } finally {
      await close(app.server);
    }
  });
});
