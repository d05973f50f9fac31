/**
 * The behaviour every ImageStore must have. Each implementation's test file calls
 * `imageStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import { newImageName, type ImageName } from '../../server/core/names.js';
import { AppError } from '../../server/errors.js';
import type { ImageStore } from '../../server/images/image-store.js';

export interface ImageStoreUnderTest {
  readonly store: ImageStore;
  cleanup?: () => Promise<void>;
}

/** A small real PNG and WebP thumbnail; different seeds give different bytes. */
export async function sampleImages(seed = 40): Promise<{ png: Buffer; thumbnail: Buffer }> {
  const base = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed, g: 120, b: 200 } } });
  return { png: await base.clone().png().toBuffer(), thumbnail: await base.clone().resize(16).webp().toBuffer() };
}

export async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function imageStoreContract(label: string, makeStore: () => Promise<ImageStoreUnderTest>): void {
  describe(`ImageStore contract: ${label}`, () => {
    let under: ImageStoreUnderTest;
    let store: ImageStore;
    let name: ImageName;

    beforeEach(async () => {
      under = await makeStore();
      store = under.store;
      name = newImageName();
    });

    afterEach(async () => {
      await under.cleanup?.();
    });

    it('gives back exactly the bytes saved, for the image and its thumbnail separately', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(files.thumbnail);
      expect(await drain(await store.open(name, 'image'))).to.deep.equal(files.png);
      expect(await drain(await store.open(name, 'thumbnail'))).to.deep.equal(files.thumbnail);
    });

    it("keeps an upload (`{id}.ref.png`) and its thumbnail apart from a generation's of the same id", async () => {
      const upload = name.replace('.png', '.ref.png') as ImageName;
      const generation = await sampleImages(10);
      const photo = await sampleImages(90);
      await store.save(name, generation);
      await store.save(upload, photo);
      expect(await store.read(upload, 'image')).to.deep.equal(photo.png);
      expect(await store.read(upload, 'thumbnail')).to.deep.equal(photo.thumbnail);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(generation.thumbnail);
      await store.remove(upload);
      expect(await store.stat(upload, 'image')).to.equal(undefined);
      expect(await store.read(name, 'image')).to.deep.equal(generation.png);
    });

    it('describes stored objects with size, type, a strong quoted ETag and a recent date', async () => {
      const files = await sampleImages();
      const before = Date.now();
      await store.save(name, files);
      const image = await store.stat(name, 'image');
      const thumbnail = await store.stat(name, 'thumbnail');
      expect(image).to.include({ size: files.png.length, contentType: 'image/png' });
      expect(thumbnail).to.include({ size: files.thumbnail.length, contentType: 'image/webp' });
      expect(image?.etag).to.match(/^"[\x21\x23-\x7e]+"$/);
      expect(thumbnail?.etag).to.match(/^"[\x21\x23-\x7e]+"$/);
      expect(image?.etag).to.not.equal(thumbnail?.etag);
      expect(image?.lastModified).to.be.instanceOf(Date);
      expect(image?.lastModified.getTime()).to.be.within(before - 2000, Date.now() + 2000);
    });

    it('keeps the ETag stable across stats and gives different images different ETags', async () => {
      const other = newImageName();
      await store.save(name, await sampleImages(10));
      await store.save(other, await sampleImages(250));
      const first = await store.stat(name, 'image');
      expect((await store.stat(name, 'image'))?.etag).to.equal(first?.etag);
      expect((await store.stat(other, 'image'))?.etag).to.not.equal(first?.etag);
    });

    it('streams exactly the requested inclusive byte range', async () => {
      const files = await sampleImages();
      await store.save(name, files);
      expect(await drain(await store.open(name, 'image', { start: 10, end: 29 }))).to.deep.equal(files.png.subarray(10, 30));
      expect(await drain(await store.open(name, 'image', { start: 0, end: 0 }))).to.deep.equal(files.png.subarray(0, 1));
      const last = files.png.length - 1;
      expect(await drain(await store.open(name, 'image', { start: last, end: last }))).to.deep.equal(files.png.subarray(last));
      expect(await drain(await store.open(name, 'thumbnail', { start: 2, end: 9 }))).to.deep.equal(files.thumbnail.subarray(2, 10));
    });

    it('refuses a malformed byte range', async () => {
      await store.save(name, await sampleImages());
      for (const range of [{ start: 5, end: 4 }, { start: -1, end: 4 }, { start: 0.5, end: 4 }]) {
        const err = await rejection(store.open(name, 'image', range));
        expect((err as AppError).status, JSON.stringify(range)).to.equal('INVALID_ARGUMENT');
      }
    });

    it('answers undefined from stat for an absent image or thumbnail', async () => {
      expect(await store.stat(name, 'image')).to.equal(undefined);
      expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
    });

    it('rejects NOT_FOUND naming the file when reading or opening an absent one', async () => {
      const thumbnailName = `${name.slice(0, 32)}.thumb.webp`;
      const attempts: [() => Promise<unknown>, string][] = [
        [() => store.read(name, 'image'), name],
        [() => store.read(name, 'thumbnail'), thumbnailName],
        [() => store.open(name, 'image'), name],
        [() => store.open(name, 'image', { start: 0, end: 9 }), name],
        [() => store.open(name, 'thumbnail'), thumbnailName],
      ];
      for (const [attempt, shown] of attempts) {
        const err = await rejection(attempt());
        expect(err).to.be.instanceOf(AppError);
        expect((err as AppError).status).to.equal('NOT_FOUND');
        expect((err as AppError).publicMessage).to.equal(`No image named ${shown}.`);
      }
    });

    it('removes the image and its thumbnail, and removing again or an absent name is fine', async () => {
      const kept = newImageName();
      const keptFiles = await sampleImages(99);
      await store.save(name, await sampleImages());
      await store.save(kept, keptFiles);
      await store.remove(name);
      expect(await store.stat(name, 'image')).to.equal(undefined);
      expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
      expect(((await rejection(store.read(name, 'image'))) as AppError).status).to.equal('NOT_FOUND');
      await store.remove(name);
      await store.remove(newImageName());
      expect(await store.read(kept, 'image')).to.deep.equal(keptFiles.png);
      expect(await store.read(kept, 'thumbnail')).to.deep.equal(keptFiles.thumbnail);
    });

    it('stores both when the thumbnail is still being made as the PNG is written', async () => {
      const files = await sampleImages(77);
      const later = new Promise<Buffer>((resolve) => setTimeout(() => resolve(files.thumbnail), 50));
      await store.save(name, { png: files.png, thumbnail: later });
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(files.thumbnail);
    });

    it('stores nothing, and rejects with its error, when the thumbnail cannot be made', async () => {
      const files = await sampleImages(78);
      const unreadable = new AppError('UNAVAILABLE', 'Gemini returned image data that could not be read.');
      const failing = new Promise<Buffer>((_resolve, reject) => setTimeout(() => reject(unreadable), 50));
      expect(await rejection(store.save(name, { png: files.png, thumbnail: failing }))).to.equal(unreadable);
      expect(await store.stat(name, 'image')).to.equal(undefined);
      expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
      // The name is still free: nothing half-stored holds it.
      await store.save(name, files);
      expect(await store.read(name, 'image')).to.deep.equal(files.png);
    });

    it('refuses a second save under a taken name and keeps the first image and thumbnail', async () => {
      // Names are fresh uuid4s, so a taken name is a bug elsewhere; it must never replace a stored image.
      const first = await sampleImages(10);
      await store.save(name, first);
      const refused = await store.save(name, await sampleImages(250)).then(() => false, () => true);
      expect(refused).to.equal(true);
      expect(await store.read(name, 'image')).to.deep.equal(first.png);
      expect(await store.read(name, 'thumbnail')).to.deep.equal(first.thumbnail);
    });

    it('refuses names that are not image names before touching storage', async () => {
      for (const bad of ['../images/x.png', `${name.slice(0, 32)}.json`, `${name.slice(0, 32)}.PNG`, `${name}/../x.png`, '']) {
        const attempts = [() => store.stat(bad as ImageName, 'image'), () => store.read(bad as ImageName, 'image'), () => store.open(bad as ImageName, 'thumbnail')];
        for (const attempt of attempts) {
          expect(((await rejection(attempt())) as AppError).status, bad).to.equal('INVALID_ARGUMENT');
        }
      }
    });
  });
}
