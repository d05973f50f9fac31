// What only the local store does: the original's layout, temp files, filesystem faults and
// the record sidecar next to the PNG. Behaviour every store shares is in
// test/contract/image-store.contract.ts.
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newImageName, type ImageName } from '../../server/core/names.js';
import type { AppError } from '../../server/errors.js';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import type { ImageStore } from '../../server/images/image-store.js';
import { rejection, sampleImages as makeImages } from '../contract/image-store.contract.js';

/** Every file under dir, relative, so tests can assert nothing stray was left behind. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
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

  it('rejects from stat on filesystem errors other than absence', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const broken = new LocalImageStore(join(dir, 'not-a-dir'));
    const err = await rejection(broken.stat(name, 'image'));
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOTDIR');
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
