import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { newImageName, type ImageName } from '../../server/core/names.js';
import { AppError } from '../../server/errors.js';
import { CloudImageStore } from '../../server/images/cloud-image-store.js';
import { newTestBucket, startGcsFake, type GcsFake } from '../fakes/gcs-fake.js';
import { drain, imageStoreContract, rejection, sampleImages } from './image-store.contract.js';

describe('CloudImageStore', () => {
  let fake: GcsFake;

  before(async () => {
    fake = await startGcsFake();
  });

  after(async () => {
    await fake.close();
  });

  imageStoreContract('Cloud Storage (real client against the GCS fake)', async () => {
    fake.reset();
    return { store: new CloudImageStore(newTestBucket(fake)) };
  });

  describe('on Cloud Storage', () => {
    let store: CloudImageStore;
    let name: ImageName;
    let id: string;

    beforeEach(() => {
      fake.reset();
      store = new CloudImageStore(newTestBucket(fake));
      name = newImageName();
      id = name.slice(0, 32);
    });

    const stored = () => [...fake.objects.keys()].sort();
    const hexMd5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

    /** The AppError a call rejects with; its public message must carry nothing from the vendor. */
    async function appError(promise: Promise<unknown>): Promise<AppError> {
      const err = await rejection(promise);
      expect(err).to.be.instanceOf(AppError);
      const appErr = err as AppError;
      for (const vendorText of ['internal error', 'pre-conditions', 'iam.gserviceaccount', 'storage.objects', 'demo-bucket', '{']) {
        expect(appErr.publicMessage).to.not.include(vendorText);
      }
      return appErr;
    }

    it('stores objects at images/{id}.png and thumbs/{id}.webp with their type and immutable caching', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      expect(stored()).to.deep.equal([`images/${id}.png`, `thumbs/${id}.webp`]);
      const png = fake.objects.get(`images/${id}.png`);
      const thumbnail = fake.objects.get(`thumbs/${id}.webp`);
      expect(png?.data).to.deep.equal(files.png);
      expect(png).to.include({ contentType: 'image/png', cacheControl: 'public, max-age=31536000, immutable' });
      expect(thumbnail?.data).to.deep.equal(files.thumbnail);
      expect(thumbnail).to.include({ contentType: 'image/webp', cacheControl: 'public, max-age=31536000, immutable' });
    });

    it('uploads the PNG and the thumbnail in one multipart request each, never overwriting, with no ACL and no credentials', async () => {
      await store.save(name, await sampleImages());
      // The PNG's upload starts first (it overlaps making the thumbnail); the order they land in does not matter.
      expect(fake.requests.map((r) => [r.method, r.path, r.query])).to.have.deep.members([
        ['POST', `/upload/storage/v1/b/${fake.bucketName}/o`, { uploadType: 'multipart', name: `thumbs/${id}.webp`, ifGenerationMatch: '0' }],
        ['POST', `/upload/storage/v1/b/${fake.bucketName}/o`, { uploadType: 'multipart', name: `images/${id}.png`, ifGenerationMatch: '0' }],
      ]);
      expect(fake.requests.every((r) => r.headers.authorization === undefined)).to.equal(true);
      expect(fake.requests[0]?.headers['content-type']).to.match(/^multipart\/related; boundary=/);
    });

    it('names objects percent-encoded in request paths', async () => {
      await store.save(name, await sampleImages());
      await store.stat(name, 'image');
      await store.remove(name);
      const urls = fake.requests.filter((r) => r.method !== 'POST').map((r) => `${r.method} ${r.url.split("?")[0]}`);
      expect(urls).to.deep.equal([
        `GET /storage/v1/b/${fake.bucketName}/o/images%2F${id}.png`,
        `DELETE /storage/v1/b/${fake.bucketName}/o/images%2F${id}.png`,
        `DELETE /storage/v1/b/${fake.bucketName}/o/thumbs%2F${id}.webp`,
      ]);
    });

    it('rejects UNAVAILABLE and leaves no object when the PNG upload fails', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 503 });
      const err = await appError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.equal('The image could not be stored. Please try again.');
      expect((err.cause as { code?: unknown }).code).to.equal(503);
      expect(stored()).to.deep.equal([]);
      // The thumbnail went by the generation this save wrote, so no other could be deleted.
      const deletion = fake.requests.find((r) => r.method === 'DELETE');
      expect(deletion?.object).to.equal(`thumbs/${id}.webp`);
      expect(deletion?.query.ifGenerationMatch).to.match(/^\d+$/);
    });

    it('rejects INTERNAL and leaves no object when the bucket refuses the PNG (403)', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 403 });
      const err = await appError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('INTERNAL');
      expect(stored()).to.deep.equal([]);
    });

    it('rejects UNAVAILABLE and leaves no object when the thumbnail upload fails', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'thumbs/', status: 500 });
      const err = await appError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(stored()).to.deep.equal([]);
    });

    it('rejects UNAVAILABLE when the connection drops during the PNG upload, leaving no object', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 'reset' });
      const err = await appError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(stored()).to.deep.equal([]);
    });

    it('refuses a taken name without writing a new version of either object', async () => {
      const first = await sampleImages(10);
      await store.save(name, first);
      const before = [...fake.objects.values()].map((o) => o.generation);
      const err = await appError(store.save(name, await sampleImages(250)));
      expect(err.status).to.equal('INTERNAL');
      expect([...fake.objects.values()].map((o) => o.generation)).to.deep.equal(before);
      expect(await store.read(name, 'image')).to.deep.equal(first.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(first.thumbnail);
    });

    it('never takes an identical object under a taken name for its own, so a failing save leaves the first image whole', async () => {
      const first = await sampleImages(10);
      await store.save(name, first);
      // Same PNG bytes, another thumbnail: both meet the first image's objects (412) at once.
      const err = await appError(store.save(name, { png: first.png, thumbnail: (await sampleImages(250)).thumbnail }));
      expect(err.status).to.equal('INTERNAL');
      expect(fake.requests.filter((r) => r.method === 'DELETE')).to.deep.equal([]);
      expect(await store.read(name, 'image')).to.deep.equal(first.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(first.thumbnail);
    });

    it('succeeds when an upload landed but its answer was lost', async () => {
      const files = await sampleImages();
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 503, afterApplying: true });
      await store.save(name, files);
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(files.thumbnail);
    });

    it('with the client retrying, as in production, recovers from a lost answer that makes the retry meet its own object', async () => {
      const retrying = new CloudImageStore(newTestBucket(fake, { retries: true }));
      const files = await sampleImages();
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 503, afterApplying: true });
      await retrying.save(name, files);
      const pngUploads = fake.requests.filter((r) => r.method === 'POST' && r.object === `images/${id}.png`);
      expect(pngUploads.map((r) => r.status)).to.deep.equal([503, 412]);
      expect(stored()).to.deep.equal([`images/${id}.png`, `thumbs/${id}.webp`]);
      expect(await retrying.read(name, 'image')).to.deep.equal(files.png);
    });

    it('describes an object from its metadata: MD5 as a strong ETag, and the update time', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      const info = await store.stat(name, 'image');
      expect(info?.etag).to.equal(`"${hexMd5(files.png)}"`);
      expect(info?.lastModified.toISOString()).to.equal(fake.objects.get(`images/${id}.png`)?.updated);
    });

    it('streams a range by asking Cloud Storage for that range only', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      fake.requests.length = 0;
      expect(await drain(await store.open(name, 'image', { start: 10, end: 29 }))).to.deep.equal(files.png.subarray(10, 30));
      expect(fake.requests).to.have.length(1);
      const [download] = fake.requests;
      expect(download?.query).to.deep.equal({ alt: 'media' });
      expect(download?.headers.range).to.equal('bytes=10-29');
      expect(download?.status).to.equal(206);
      expect(download?.mediaBytesSent).to.equal(20);
    });

    it('rejects NOT_FOUND from open with a single request and no metadata round-trip', async () => {
      const err = await appError(store.open(name, 'image'));
      expect(err.status).to.equal('NOT_FOUND');
      expect(fake.requests.map((r) => [r.method, r.query])).to.deep.equal([['GET', { alt: 'media' }]]);
    });

    it('streams a large image as the caller reads it instead of downloading it whole first', async () => {
      const size = 24 * 1024 * 1024;
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) big.writeUInt32BE(i, i);
      fake.put(`images/${id}.png`, big, { contentType: 'image/png' });
      const stream = await store.open(name, 'image');
      const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
      stream.pause();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sentWhilePaused = fake.requests[0]?.mediaBytesSent ?? 0;
      expect(sentWhilePaused, 'bytes sent while the reader was paused').to.be.below(size / 2);
      stream.resume();
      const rest = await drain(stream);
      expect(Buffer.concat([first, rest]).equals(big)).to.equal(true);
    });

    it('closes the download when the caller destroys the stream halfway (a visitor went away)', async () => {
      fake.put(`images/${id}.png`, Buffer.alloc(24 * 1024 * 1024), { contentType: 'image/png' });
      const stream = await store.open(name, 'image');
      await new Promise((resolve) => stream.once('data', resolve));
      stream.destroy();
      for (let i = 0; i < 50 && !fake.requests[0]?.closedBeforeAnswer; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fake.requests[0]?.closedBeforeAnswer).to.equal(true);
    });

    it('maps server failures on reads to UNAVAILABLE without vendor text', async () => {
      await store.save(name, await sampleImages());
      fake.failNext({ method: 'GET', status: 503 });
      expect((await appError(store.stat(name, 'image'))).status).to.equal('UNAVAILABLE');
      fake.failNext({ method: 'GET', status: 500 });
      expect((await appError(store.read(name, 'image'))).status).to.equal('UNAVAILABLE');
      fake.failNext({ method: 'GET', status: 503 });
      const opened = await appError(store.open(name, 'image', { start: 0, end: 9 }));
      expect(opened.status).to.equal('UNAVAILABLE');
      expect(opened.publicMessage).to.equal('The image could not be read from storage. Please try again.');
      // A download whose pooled connection is reset is sent once more (see below): reset both.
      fake.failNext({ method: 'GET', status: 'reset', count: 2 });
      expect((await appError(store.open(name, 'image'))).status).to.equal('UNAVAILABLE');
      fake.failNext({ method: 'GET', status: 403 });
      expect((await appError(store.stat(name, 'thumbnail'))).status).to.equal('INTERNAL');
    });

    it('errors the stream, and fails a whole read UNAVAILABLE, when the connection closes halfway through a download', async () => {
      await store.save(name, await sampleImages());
      const closedHalfway = async <T>(work: () => Promise<T>): Promise<T> => {
        fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'stall', stallAfterBytes: 1000 });
        const done = work();
        for (let i = 0; i < 100 && !fake.requests.some((r) => r.fault === 'stall' && r.mediaBytesSent > 0); i++) await new Promise((resolve) => setTimeout(resolve, 10));
        fake.heal(); // closes the stalled answer's connection
        return done;
      };
      const streamed = await rejection(closedHalfway(async () => drain(await store.open(name, 'image'))));
      expect(streamed).to.be.instanceOf(Error);
      fake.requests.length = 0;
      expect((await appError(closedHalfway(() => store.read(name, 'image')))).status).to.equal('UNAVAILABLE');
    });

    it('maps a failed deletion to UNAVAILABLE', async () => {
      await store.save(name, await sampleImages());
      fake.failNext({ method: 'DELETE', status: 503 });
      const err = await appError(store.remove(name));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.equal('The image could not be deleted. Please try again.');
    });

    it('works with a client pointed at the fake by STORAGE_EMULATOR_HOST, which drops /storage/v1 from paths', async () => {
      const saved = process.env.STORAGE_EMULATOR_HOST;
      process.env.STORAGE_EMULATOR_HOST = fake.url;
      let viaEnv: CloudImageStore;
      try {
        // The client reads the variable once, in its constructor.
        viaEnv = new CloudImageStore(new Storage({ projectId: 'demo-test', retryOptions: { autoRetry: false } }).bucket(fake.bucketName));
      } finally {
        if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
        else process.env.STORAGE_EMULATOR_HOST = saved;
      }
      const files = await sampleImages();
      await viaEnv.save(name, files);
      expect((await viaEnv.stat(name, 'image'))?.size).to.equal(files.png.length);
      expect(await drain(await viaEnv.open(name, 'image', { start: 1, end: 4 }))).to.deep.equal(files.png.subarray(1, 5));
      expect(fake.requests.map((r) => r.path.split('/').slice(0, 3).join('/'))).to.deep.equal(['/upload/storage', '/upload/storage', `/b/${fake.bucketName}`, `/b/${fake.bucketName}`]);
    });

    it('sends a download once more when its pooled connection is reset before any answer', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      expect(await drain(await store.open(name, 'image'))).to.deep.equal(files.png); // leaves a pooled connection
      fake.requests.length = 0;
      fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'reset' });
      expect(await drain(await store.open(name, 'image'))).to.deep.equal(files.png);
      expect(fake.requests.map((r) => r.fault ?? r.status)).to.deep.equal(['reset', 200]);
      expect(fake.requests[1]?.headers.connection, 'sent on a new connection').to.equal('close');
    });

    it('sends a metadata read or a deletion once more when its connection is reset before any answer', async () => {
      await store.save(name, await sampleImages());
      fake.requests.length = 0;
      fake.failNext({ method: 'GET', status: 'reset' });
      expect((await store.stat(name, 'image'))?.contentType).to.equal('image/png');
      fake.failNext({ method: 'DELETE', status: 'reset' });
      await store.remove(name);
      expect(fake.requests.map((r) => [r.method, r.fault ?? r.status])).to.deep.equal([
        ['GET', 'reset'],
        ['GET', 200],
        ['DELETE', 'reset'],
        ['DELETE', 204],
        ['DELETE', 204],
      ]);
      // The repeats went on new connections: the client's pool may hold more closed ones.
      expect([fake.requests[1], fake.requests[3]].map((r) => r?.headers.connection)).to.deep.equal(['close', 'close']);
      expect(stored()).to.deep.equal([]);
    });

    it('checks whole reads against the stored CRC32C', async () => {
      await store.save(name, await sampleImages());
      const object = fake.objects.get(`images/${id}.png`)!;
      const corrupted = Buffer.from(object.data);
      corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 0xff, corrupted.length - 1);
      // Bytes changed behind the checksum's back, as a corrupted read would deliver them.
      (fake.objects as Map<string, typeof object>).set(object.name, { ...object, data: corrupted });
      const err = await appError(store.read(name, 'image'));
      expect(err.status).to.equal('INTERNAL');
      expect((err.cause as { code?: unknown }).code).to.equal('CONTENT_DOWNLOAD_MISMATCH');
    });
  });

  describe('on Cloud Storage that hangs (deadlines)', () => {
    /** A short per-attempt timeout keeps these tests quick; the e2e outage tests use the server's own. */
    const T = 400;
    /** For a machine busy with other work; a second attempt would come at least 1 s later. */
    const SLACK = 600;
    /** Timers measure whole milliseconds from their own start: one may fire a hair before T here. */
    const EARLY = 10;
    let store: CloudImageStore;
    let name: ImageName;
    let id: string;

    beforeEach(() => {
      fake.reset();
      // Retries on, as in production: none may follow a request that timed out.
      store = new CloudImageStore(newTestBucket(fake, { timeoutMs: T, retries: true }));
      name = newImageName();
      id = name.slice(0, 32);
    });

    const stored = () => [...fake.objects.keys()].sort();
    const elapsedSince = (started: number) => performance.now() - started;
    /** How long `promise` takes to settle, and its AppError (it must reject with one). */
    async function timedError(promise: Promise<unknown>): Promise<{ ms: number; err: AppError }> {
      const started = performance.now();
      const err = await rejection(promise);
      expect(err).to.be.instanceOf(AppError);
      return { ms: elapsedSince(started), err: err as AppError };
    }
    const unavailable = /^Image storage is temporarily unavailable, so the image could not be (stored|read|deleted)\. Please try again in a minute\.$/;
    const waitFor = async (condition: () => boolean) => {
      for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      return condition();
    };

    it('abandons an upload that is never answered, says storage is temporarily unavailable, and leaves no object', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 'hang' });
      const { ms, err } = await timedError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.match(unavailable);
      // The PNG's deadline (T + a few KB at 4 MiB/s), then a stat and the thumbnail's deletion, both answered at once.
      expect(ms).to.be.within(T - EARLY, T + SLACK);
      expect(stored()).to.deep.equal([]);
      const hung = fake.requests.find((r) => r.fault === 'hang')!;
      expect(await waitFor(() => hung.closedBeforeAnswer), 'the client closed the hung upload').to.equal(true);
    });

    it('gives a large upload a deadline in proportion to its size', async () => {
      const files = await sampleImages();
      const png = Buffer.concat([files.png, Buffer.alloc(4 * 1024 * 1024)]); // 4 MiB more: 1 s more at 4 MiB/s
      fake.failNext({ method: 'POST', status: 'hang', count: 2 });
      const { ms } = await timedError(store.save(name, { png, thumbnail: files.thumbnail }));
      expect(ms).to.be.within(T + 1000 - EARLY, T + 1000 + SLACK);
      expect(stored()).to.deep.equal([]);
    });

    it('keeps an image whose upload timed out but landed, as stored', async () => {
      const files = await sampleImages();
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 'hang', afterApplying: true });
      await store.save(name, files);
      expect(stored()).to.deep.equal([`images/${id}.png`, `thumbs/${id}.webp`]);
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
    });

    it('deletes a PNG whose upload timed out but landed when the thumbnail then fails', async () => {
      fake.failNext({ method: 'POST', pathIncludes: 'images/', status: 'hang', afterApplying: true });
      fake.failNext({ method: 'POST', pathIncludes: 'thumbs/', status: 403 }); // not retried
      const { err } = await timedError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('INTERNAL');
      expect(stored()).to.deep.equal([]);
      const deletion = fake.requests.find((r) => r.method === 'DELETE');
      expect(deletion?.object).to.equal(`images/${id}.png`);
      expect(deletion?.query.ifGenerationMatch).to.match(/^\d+$/);
    });

    it('fails within the deadlines when every request hangs, and leaves no object', async () => {
      fake.failNext({ status: 'hang', count: Infinity });
      const { ms, err } = await timedError(store.save(name, await sampleImages()));
      expect(err.status).to.equal('UNAVAILABLE');
      // Both uploads (T each, in parallel), then the stats after them (T each).
      expect(ms).to.be.within(2 * T - EARLY, 2 * T + SLACK);
      fake.heal();
      expect(stored()).to.deep.equal([]);
    });

    it('gives up on a metadata read that is never answered after one attempt', async () => {
      await store.save(name, await sampleImages());
      fake.requests.length = 0;
      fake.failNext({ method: 'GET', status: 'hang' });
      const { ms, err } = await timedError(store.stat(name, 'image'));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.match(unavailable);
      expect(ms).to.be.within(T - EARLY, T + SLACK);
      expect(fake.requests).to.have.length(1);
      expect(await waitFor(() => fake.requests[0]!.closedBeforeAnswer)).to.equal(true);
    });

    it('gives up on a download whose answer never starts', async () => {
      await store.save(name, await sampleImages());
      fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'hang', count: 2 });
      const opened = await timedError(store.open(name, 'image'));
      expect(opened.err.status).to.equal('UNAVAILABLE');
      expect(opened.err.publicMessage).to.match(unavailable);
      expect(opened.ms).to.be.within(T - EARLY, T + SLACK);
      const read = await timedError(store.read(name, 'image'));
      expect(read.err.publicMessage).to.match(unavailable);
      expect(read.ms).to.be.within(T - EARLY, T + SLACK);
    });

    it('cuts off a download whose body stops coming while its reader waits', async () => {
      fake.put(`images/${id}.png`, Buffer.alloc(1024 * 1024), { contentType: 'image/png' });
      fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'stall', stallAfterBytes: 100_000 });
      const stream = await store.open(name, 'image');
      const started = performance.now();
      const err = await rejection(drain(stream));
      expect((err as { code?: unknown }).code).to.equal('ETIMEDOUT');
      // undici checks its timers every half second: the cut comes up to 0.5 s after T (for a
      // T under 1 s, up to 1 s after the last byte).
      expect(elapsedSince(started)).to.be.within(T - EARLY, Math.max(T + 500, 1000) + SLACK);
      expect(await waitFor(() => fake.requests.at(-1)!.closedBeforeAnswer)).to.equal(true);

      fake.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'stall' });
      const read = await timedError(store.read(name, 'image'));
      expect(read.err.status).to.equal('UNAVAILABLE');
      expect(read.err.publicMessage).to.match(unavailable);
    });

    it('never cuts off a download because its reader is slow', async () => {
      const big = Buffer.alloc(4 * 1024 * 1024, 7);
      fake.put(`images/${id}.png`, big, { contentType: 'image/png' });
      const stream = await store.open(name, 'image');
      const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
      stream.pause();
      await new Promise((resolve) => setTimeout(resolve, 3 * T)); // the reader, not Cloud Storage, holds things up
      stream.resume();
      const rest = await drain(stream);
      expect(Buffer.concat([first, rest]).equals(big)).to.equal(true);
    });

    it('gives up on a deletion that is never answered after one attempt', async () => {
      await store.save(name, await sampleImages());
      fake.failNext({ method: 'DELETE', status: 'hang' });
      const { ms, err } = await timedError(store.remove(name));
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.match(unavailable);
      expect(ms).to.be.within(T - EARLY, T + SLACK);
    });

    it('works again once Cloud Storage recovers', async () => {
      fake.failNext({ status: 'hang', count: Infinity });
      await rejection(store.save(name, await sampleImages()));
      fake.heal();
      const files = await sampleImages();
      await store.save(name, files);
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
      expect(await drain(await store.open(name, 'thumbnail'))).to.deep.equal(files.thumbnail);
    });
  });
});
