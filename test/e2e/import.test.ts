import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildCatalogue } from '../../server/core/models.js';
import type { ImageName } from '../../server/core/names.js';
import { importDirectory } from '../../server/import/import-directory.js';
import { STORE_KINDS, openStoreKit, type StoreKit } from '../support/store-kits.js';

const ID = (n: number) => n.toString(16).padStart(32, 'a');

/** A directory as the original Python server left it. */
async function originalDirectory(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'original-'));
  const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#3366aa' } }).png().toBuffer();
  const sidecar = (n: number, fields: Record<string, unknown>) =>
    writeFile(path.join(dir, `${ID(n)}.json`), JSON.stringify({ name: `${ID(n)}.png`, ...fields }));
  // An early sidecar: no alias, no size.
  await sidecar(1, { email: 'Ada@Example.com', prompt: 'first light', aspect_ratio: '1:1', cost: 0.039, model: 'gemini-3.1-flash-image-preview', created: '2025-06-01T09:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(1)}.png`), await png(1024, 1024));
  await sidecar(2, { email: 'ada@example.com', prompt: 'a poster', aspect_ratio: '16:9', cost: 0.24, model: 'gemini-3-pro-image-preview', model_alias: 'pro', image_size: '4K', created: '2025-07-01T10:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(2)}.png`), await png(1600, 900));
  await sidecar(3, { email: 'bob@example.com', prompt: 'a boat', aspect_ratio: '3:4', cost: 0.101, model: 'gemini-3.1-flash-image-preview', model_alias: 'flash', image_size: '2K', created: '2025-07-02T11:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(3)}.png`), await png(768, 1024));
  // Bad files, each to be skipped with a reason.
  await writeFile(path.join(dir, `${ID(4)}.json`), '{"email": "ada@example.com", "prompt": ');
  await writeFile(path.join(dir, `${ID(4)}.png`), await png(64, 64));
  await sidecar(5, { email: 'ada@example.com', prompt: 'lost', aspect_ratio: '1:1', cost: 0.067, model: 'gemini-3.1-flash-image-preview', created: '2025-07-03T00:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(6)}.png`), await png(64, 64));
  await sidecar(7, { email: 'ada@example.com', prompt: 'odd', aspect_ratio: '7:5', cost: 0.067, model: 'gemini-3.1-flash-image-preview', created: '2025-07-03T00:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(7)}.png`), await png(64, 64));
  await writeFile(path.join(dir, 'prefs.json'), JSON.stringify({ 'ada@example.com': { model: 'pro' }, 'bob@example.com': { model: 'dall-e' } }));
  await mkdir(path.join(dir, 'thumbs')); // a later layout's folder: ignored
  return dir;
}

for (const kind of STORE_KINDS) {
  describe(`import from the original server into the ${kind} stores`, () => {
    let source: string;
    let kit: StoreKit;
    before(async () => {
      source = await originalDirectory();
    });
    beforeEach(async () => {
      kit = await openStoreKit(kind);
    });
    afterEach(async () => kit.close());
    after(async () => rm(source, { recursive: true, force: true }));

    it('imports every good record with its image and thumbnail, and says why each bad file was skipped', async () => {
      const { images, records } = kit;
      const report = await importDirectory(source, { images, records, catalogue: buildCatalogue() });

      expect(report).to.include({ imported: 3, alreadyPresent: 0, prefsImported: 1 });
      expect(report.failed).to.deep.equal([]);
      expect(report.skipped).to.deep.include.members([
        { file: `${ID(4)}.json`, reason: 'not valid JSON' },
        { file: `${ID(5)}.json`, reason: `its image ${ID(5)}.png is missing` },
        { file: `${ID(6)}.png`, reason: 'no sidecar, so no record of who made it' },
        { file: `${ID(7)}.json`, reason: 'unknown aspect ratio 7:5' },
        { file: 'prefs.json', reason: 'prefs.json: bob@example.com has no known default model' },
      ]);

      expect(await records.get(`${ID(1)}.png` as ImageName)).to.deep.include({
        email: 'ada@example.com',
        prompt: 'first light',
        modelAlias: 'flash',
        imageSize: '1K',
        costUsd: 0.039,
        createdAt: '2025-06-01T09:00:00.000Z',
        width: 1024,
        height: 1024,
      });
      expect(await records.get(`${ID(2)}.png` as ImageName)).to.deep.include({ modelAlias: 'pro', imageSize: '4K', aspectRatio: '16:9' });
      expect(await images.stat(`${ID(3)}.png` as ImageName, 'thumbnail')).to.not.equal(undefined);
      expect(await records.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.279 });
      expect(await records.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
      expect((await records.listByUser('ada@example.com', { limit: 10 })).records.map((r) => r.name)).to.deep.equal([`${ID(2)}.png`, `${ID(1)}.png`]);
    });

    it('changes nothing when run a second time', async () => {
      const deps = { images: kit.images, records: kit.records, catalogue: buildCatalogue() };
      await importDirectory(source, deps);
      const storedOnce = await kit.stored();
      await deps.records.setPrefs('ada@example.com', { defaultModel: 'flash' }); // chosen since: must survive
      const again = await importDirectory(source, deps);
      expect(again).to.include({ imported: 0, alreadyPresent: 3, prefsImported: 0 });
      expect(await kit.stored()).to.deep.equal(storedOnce);
      expect(await deps.records.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.279 });
      expect(await deps.records.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'flash' });
    });
  });
}

describe('npm run import', () => {
  let source: string;
  let target: string;
  before(async () => {
    source = await originalDirectory();
    target = await mkdtemp(path.join(tmpdir(), 'import-target-'));
  });
  after(async () => {
    await rm(source, { recursive: true, force: true });
    await rm(target, { recursive: true, force: true });
  });

  it('runs as `npm run import -- <dir>`, reporting counts, and refuses to import a store into itself', () => {
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'server/import/main.ts', ...args], {
        env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
        encoding: 'utf8',
      });
    const first = run([source], { IMG_ROOT: target });
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.include(`Importing ${source} into local directory ${target}`);
    expect(first.stdout).to.include('Imported 3, already present 0, skipped 5, failed 0; default models imported for 1 users.');
    const second = run([source], { IMG_ROOT: target });
    expect(second.stdout).to.include('Imported 0, already present 3');

    const itself = run([target], { IMG_ROOT: target });
    expect(itself.status).to.equal(2);
    expect(itself.stderr).to.include('is the local store itself');
    const missing = run([path.join(target, 'nope')], { IMG_ROOT: target });
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.include('Not a directory');
  });
});
