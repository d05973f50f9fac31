import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildCatalogue } from '../../server/core/models.js';
import type { ImageName } from '../../server/core/names.js';
import { importDirectory } from '../../server/import/import-directory.js';
import { STORE_KINDS, openStoreKit, type StoreKit } from '../support/store-kits.js';

const ID = (n: number) => n.toString(16).padStart(32, 'a');
const NAMES = 'names are 32 lowercase hex characters (a uuid4 without dashes) + .png or .json';
const READS = 'the import reads only {id}.png images, {id}.json sidecars, prefs.json and spend.json';

/** A directory as the original Python server left it, with every kind of file the import must skip. */
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
  // The original's ledger: ada spent more than her surviving sidecars (images deleted since).
  await writeFile(path.join(dir, 'spend.json'), JSON.stringify({ 'ada@example.com': 0.586, 'bob@example.com': 0.101 }, null, 2));

  // Bad files, each to be skipped with a reason.
  await writeFile(path.join(dir, `${ID(4)}.json`), '{"email": "ada@example.com", "prompt": ');
  await writeFile(path.join(dir, `${ID(4)}.png`), await png(64, 64));
  await sidecar(5, { email: 'ada@example.com', prompt: 'lost', aspect_ratio: '1:1', cost: 0.067, model: 'gemini-3.1-flash-image-preview', created: '2025-07-03T00:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(6)}.png`), await png(64, 64));
  await sidecar(7, { email: 'ada@example.com', prompt: 'odd', aspect_ratio: '7:5', cost: 0.067, model: 'gemini-3.1-flash-image-preview', created: '2025-07-03T00:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(7)}.png`), await png(64, 64));
  await sidecar(8, { email: 'ada@example.com', prompt: 'torn', aspect_ratio: '1:1', cost: 0.067, model: 'gemini-3.1-flash-image-preview', created: '2025-07-04T00:00:00+00:00' });
  await writeFile(path.join(dir, `${ID(8)}.png`), 'not a png at all');
  await writeFile(path.join(dir, `${ID(9)}.json`), JSON.stringify({ email: 'ada@example.com', created: '2025-07-04T00:00:00+00:00' }));
  await writeFile(path.join(dir, 'prefs.json'), JSON.stringify({ 'ada@example.com': { model: 'pro' }, 'bob@example.com': { model: 'dall-e' } }));
  // Names that are not image names, and files the import does not read.
  await writeFile(path.join(dir, '1b4e28ba-2fa1-11d2-883f-0016d3cca427.png'), await png(64, 64));
  await writeFile(path.join(dir, `${ID(10).toUpperCase()}.png`), await png(64, 64));
  await writeFile(path.join(dir, 'cafe.json'), '{}');
  await writeFile(path.join(dir, 'holiday photo.png'), await png(64, 64));
  await writeFile(path.join(dir, `${ID(11)}.PNG`), await png(64, 64));
  await writeFile(path.join(dir, 'sunset.jpg'), 'jpeg bytes');
  await writeFile(path.join(dir, 'NOTES'), 'remember the milk');
  await writeFile(path.join(dir, '.prefs.json.tmp'), '{');
  await writeFile(path.join(dir, 'spend.corrupt'), '{broken');
  await mkdir(path.join(dir, 'thumbs')); // a later layout's folder
  await mkdir(path.join(dir, 'backup'));
  await writeFile(path.join(dir, 'backup', `${ID(12)}.png`), await png(64, 64));
  return dir;
}

const EXPECTED_SKIPS = [
  { file: '.prefs.json.tmp', reason: 'a temporary file left by an interrupted write' },
  { file: '1b4e28ba-2fa1-11d2-883f-0016d3cca427.png', reason: `not an image name (a uuid with dashes): ${NAMES}` },
  { file: `${ID(10).toUpperCase()}.png`, reason: `not an image name (capital letters): ${NAMES}` },
  { file: 'NOTES', reason: `a file without an extension: ${READS}` },
  { file: `${ID(11)}.PNG`, reason: `not an image name (a capitalised extension): ${NAMES}` },
  { file: 'backup/', reason: 'a folder: the import reads only the top level of the directory' },
  { file: 'cafe.json', reason: `not an image name (4 hex characters, not 32): ${NAMES}` },
  { file: 'holiday photo.png', reason: `not an image name (characters other than 0-9 and a-f): ${NAMES}` },
  { file: 'spend.corrupt', reason: 'a spend ledger the original set aside as unreadable: not read, so spend.json may lack what it held' },
  { file: 'sunset.jpg', reason: `an unknown kind of file (.jpg): ${READS}` },
  { file: 'thumbs/', reason: 'a folder of thumbnails: the import makes them anew from each PNG' },
  { file: `${ID(6)}.png`, reason: 'no sidecar, so no record of who made it' },
  { file: `${ID(4)}.png`, reason: `not imported: its sidecar ${ID(4)}.json was skipped` },
  { file: `${ID(5)}.json`, reason: `its image ${ID(5)}.png is missing` },
  { file: `${ID(7)}.json`, reason: 'unknown aspect ratio 7:5' },
  { file: `${ID(7)}.png`, reason: `not imported: its sidecar ${ID(7)}.json was skipped` },
  { file: `${ID(8)}.json`, reason: `its image ${ID(8)}.png is not a readable image` },
  { file: `${ID(8)}.png`, reason: 'not a readable image' },
  { file: `${ID(9)}.json`, reason: 'not a generation record (missing or malformed: prompt)' },
  { file: 'prefs.json', reason: 'prefs.json: bob@example.com has no known default model' },
];

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
      const invalidJson = report.skipped.find((s) => s.file === `${ID(4)}.json`);
      expect(invalidJson?.reason).to.match(/^not valid JSON \(.+\)$/);
      expect(report.skipped.filter((s) => s !== invalidJson)).to.have.deep.members(EXPECTED_SKIPS);

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
      expect(await records.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.586, unrecordedCostUsd: 0.307 }); // spend.json's figure: 0.279 from the two images
      expect(await records.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
      expect((await records.listByUser('ada@example.com', { limit: 10 })).records.map((r) => r.name)).to.deep.equal([`${ID(2)}.png`, `${ID(1)}.png`]);
    });

    it('accounts for every entry of the directory: imported, read, or skipped with a reason', async () => {
      const report = await importDirectory(source, { images: kit.images, records: kit.records, catalogue: buildCatalogue() });
      const imported = new Set([1, 2, 3].flatMap((n) => [`${ID(n)}.png`, `${ID(n)}.json`]));
      const read = new Set(['prefs.json', 'spend.json']);
      const entries = (await readdir(source, { withFileTypes: true })).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
      const unaccounted = entries.filter((e) => !imported.has(e) && !read.has(e) && !report.skipped.some((s) => s.file === e));
      expect(unaccounted).to.deep.equal([]);
    });

    it('changes nothing when run a second time', async () => {
      const deps = { images: kit.images, records: kit.records, catalogue: buildCatalogue() };
      const first = await importDirectory(source, deps);
      const storedOnce = await kit.stored();
      await deps.records.setPrefs('ada@example.com', { defaultModel: 'flash' }); // chosen since: must survive
      const again = await importDirectory(source, deps);
      expect(again).to.include({ imported: 0, alreadyPresent: 3, prefsImported: 0 });
      expect(again.skipped).to.deep.equal(first.skipped);
      expect(again.spend).to.deep.equal(first.spend);
      expect(await kit.stored()).to.deep.equal(storedOnce);
      expect(await deps.records.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.586 });
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

  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'server/import/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
      encoding: 'utf8',
    });

  it('runs as `npm run import -- <dir>`, reporting counts, skips and spend, and refuses to import a store into itself', () => {
    const first = run([source], { IMG_ROOT: target });
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.include(`Importing ${source} into local directory ${target}`);
    expect(first.stdout).to.include('  skipped sunset.jpg: an unknown kind of file (.jpg)');
    expect(first.stdout).to.include(`  skipped ${ID(6)}.png: no sidecar, so no record of who made it`);
    expect(first.stdout).to.include("Spend per user: spend.json (the original's cumulative ledger, deleted images included)");
    expect(first.stdout).to.include(
      '  ada@example.com: spend.json $0.586, sidecars $0.279 (2 images): spend.json wins, $0.307 from images no longer present (deleted, or skipped above)\n',
    );
    expect(first.stdout).to.include('  bob@example.com: spend.json $0.101, sidecars $0.101 (1 image): they agree\n');
    expect(first.stdout).to.include("Carried over: $0.307 of spend.json's spend belongs to no imported image (ada@example.com); the stores count it in each user's total, under no model.");
    expect(first.stdout).to.include('Imported 3, already present 0, skipped 21, failed 0; default models imported for 1 users.');
    const second = run([source], { IMG_ROOT: target });
    expect(second.stdout).to.include('Imported 0, already present 3, skipped 21');
    expect(second.stdout).to.include('  ada@example.com: spend.json $0.586, sidecars $0.279 (2 images)');

    const itself = run([target], { IMG_ROOT: target });
    expect(itself.status).to.equal(2);
    expect(itself.stderr).to.include('is the local store itself');
    const missing = run([path.join(target, 'nope')], { IMG_ROOT: target });
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.include('Not a directory');
  });

  it('exits 1 and says so when spend.json is malformed, having imported everything else', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'original-bad-ledger-'));
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'import-target-'));
    try {
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).png().toBuffer();
      await writeFile(path.join(dir, `${ID(1)}.png`), png);
      await writeFile(path.join(dir, `${ID(1)}.json`), JSON.stringify({ email: 'ada@example.com', prompt: 'p', cost: 0.067, created: '2025-07-01T00:00:00Z' }));
      await writeFile(path.join(dir, 'spend.json'), JSON.stringify({ 'ada@example.com': 'lots' }));
      const result = run([dir], { IMG_ROOT: elsewhere });
      expect(result.status, result.stderr).to.equal(1);
      expect(result.stdout).to.include(
        `  skipped spend.json: malformed, so every user's spend is the sum of their sidecars: "ada@example.com": "lots" is not an amount of dollars (a number, 0 or more)\n`,
      );
      expect(result.stdout).to.include("Spend per user: spend.json is malformed (see above), so the sum of each user's sidecars, for everyone:\n  ada@example.com: sidecars $0.067 (1 image)\n");
      expect(result.stdout).to.include('Imported 1, already present 0, skipped 1, failed 0');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
