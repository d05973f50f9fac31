import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import { newImageName, type ImageName } from '../../server/core/names.js';
import { AppError } from '../../server/errors.js';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import type { ImageStore } from '../../server/images/image-store.js';

async function makeImages(seed = 40): Promise<{ png: Buffer; thumbnail: Buffer }> {
  const base = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed, g: 120, b: 200 } } });
  return { png: await base.clone().png().toBuffer(), thumbnail: await base.clone().resize(16).webp().toBuffer() };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under dir, relative, so tests can assert nothing stray was left behind. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('local image store', () => {
  let dir: string;
  let root: string;
  let store: ImageStore;
  let name: ImageName;
  let id: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-store-'));
    root = join(dir, 'images');
    store = new LocalImageStore(root);
    name = newImageName();
    id = name.slice(0, 32);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the root on first save and keeps the original layout', async () => {
    const files = await makeImages();
    await store.save(name, files);
    expect(await filesUnder(root)).to.deep.equal([`${id}.png`, `thumbs/${id}.webp`]);
    expect(await readFile(join(root, `${id}.png`))).to.deep.equal(files.png);
    expect(await readFile(join(root, 'thumbs', `${id}.webp`))).to.deep.equal(files.thumbnail);
  });

  it('describes stored objects with size, type, a strong quoted ETag and a date', async () => {
    const files = await makeImages();
    const before = Date.now();
    await store.save(name, files);
    const image = await store.stat(name, 'image');
    const thumbnail = await store.stat(name, 'thumbnail');
    expect(image).to.include({ size: files.png.length, contentType: 'image/png' });
    expect(thumbnail).to.include({ size: files.thumbnail.length, contentType: 'image/webp' });
    expect(image?.etag).to.match(/^"[^"]+"$/);
    expect(image?.etag).to.not.equal(thumbnail?.etag);
    expect((await store.stat(name, 'image'))?.etag).to.equal(image?.etag);
    expect(image?.lastModified.getTime()).to.be.within(before - 2000, Date.now() + 2000);
  });

  it('gives different ETags to different images', async () => {
    const other = newImageName();
    await store.save(name, await makeImages(10));
    await store.save(other, await makeImages(250));
    expect((await store.stat(name, 'image'))?.etag).to.not.equal((await store.stat(other, 'image'))?.etag);
  });

  it('answers undefined from stat when the object is absent', async () => {
    expect(await store.stat(name, 'image')).to.equal(undefined);
    await mkdir(root, { recursive: true });
    expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
  });

  it('rejects from stat on filesystem errors other than absence', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const broken = new LocalImageStore(join(dir, 'not-a-dir'));
    const err = await rejection(broken.stat(name, 'image'));
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOTDIR');
  });

  it('reads and streams whole objects', async () => {
    const files = await makeImages();
    await store.save(name, files);
    expect(await store.read(name, 'image')).to.deep.equal(files.png);
    expect(await store.read(name, 'thumbnail')).to.deep.equal(files.thumbnail);
    expect(await drain(await store.open(name, 'image'))).to.deep.equal(files.png);
  });

  it('streams exactly the requested inclusive byte range', async () => {
    const files = await makeImages();
    await store.save(name, files);
    expect(await drain(await store.open(name, 'image', { start: 10, end: 29 }))).to.deep.equal(files.png.subarray(10, 30));
    const last = files.png.length - 1;
    expect(await drain(await store.open(name, 'image', { start: last, end: last }))).to.deep.equal(files.png.subarray(last));
  });

  it('rejects NOT_FOUND naming the image when reading or opening an absent one', async () => {
    for (const attempt of [store.read(name, 'image'), store.open(name, 'image'), store.open(name, 'thumbnail')]) {
      const err = await rejection(attempt);
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).status).to.equal('NOT_FOUND');
    }
    expect(((await rejection(store.read(name, 'image'))) as AppError).publicMessage).to.equal(`No image named ${name}.`);
  });

  it('removes the image and its thumbnail, and ignores absent ones', async () => {
    await store.save(name, await makeImages());
    await store.remove(name);
    expect(await store.stat(name, 'image')).to.equal(undefined);
    expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
    await store.remove(name);
    await store.remove(newImageName());
  });

  it('leaves no temp files after a successful save', async () => {
    await store.save(name, await makeImages());
    expect((await filesUnder(root)).filter((f) => f.includes('.tmp'))).to.deep.equal([]);
  });

  it('leaves neither file nor temp files when the PNG cannot be put in place', async () => {
    // A directory where the PNG must go makes the final rename fail, even for root,
    // after the thumbnail has already been written.
    await mkdir(join(root, name), { recursive: true });
    const err = await rejection(store.save(name, await makeImages()));
    expect((err as AppError).status).to.equal('INTERNAL');
    expect(await store.stat(name, 'image')).to.equal(undefined);
    expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
    expect(await filesUnder(root)).to.deep.equal([]);
  });

  it('leaves nothing when the thumbnail cannot be written', async () => {
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'thumbs'), 'a file where the thumbnail folder should be');
    await rejection(store.save(name, await makeImages()));
    expect(await store.stat(name, 'image')).to.equal(undefined);
    expect(await filesUnder(root)).to.deep.equal(['thumbs']);
  });

  it('never reads a generation record sidecar through any name', async () => {
    await mkdir(root, { recursive: true });
    await writeFile(join(root, `${id}.json`), JSON.stringify({ prompt: 'SECRET PROMPT' }));
    expect(await store.stat(name, 'image')).to.equal(undefined);
    expect(await store.stat(name, 'thumbnail')).to.equal(undefined);
    expect(((await rejection(store.read(name, 'image'))) as AppError).status).to.equal('NOT_FOUND');
    for (const bad of [`${id}.json`, `../images/${id}.json`, `${id}.png/../${id}.json`, `${id}.PNG`]) {
      const err = await rejection(store.read(bad as ImageName, 'image'));
      expect((err as AppError).status, bad).to.equal('INVALID_ARGUMENT');
    }
  });
});
