import { expect } from 'chai';
import { addUsd } from '../../server/core/totals.js';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildCatalogue } from '../../server/core/models.js';
import type { ImageName } from '../../server/core/names.js';
import { importDirectory, type ImportDeps } from '../../server/import/import-directory.js';
import { STORE_KINDS, openStoreKit, type StoreKit } from '../support/store-kits.js';

const ID = (n: number) => n.toString(16).padStart(32, 'b');

/**
 * An original directory whose spend.json tells more than its sidecars: ada deleted images
 * ($0.240 of them), carol deleted all of hers, dan's ledger lost entries (it is below his
 * sidecars), erin is not in it at all, and bob's figures agree.
 */
async function directoryWithLedger(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'original-spend-'));
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#224466' } }).png().toBuffer();
  const generation = async (n: number, email: string, cost: number, model_alias = 'flash') => {
    await writeFile(path.join(dir, `${ID(n)}.png`), png);
    await writeFile(
      path.join(dir, `${ID(n)}.json`),
      JSON.stringify({ name: `${ID(n)}.png`, email, prompt: `image ${n}`, aspect_ratio: '1:1', cost, model_alias, image_size: '1K', created: `2025-08-0${n}T12:00:00+00:00` }),
    );
  };
  await generation(1, 'ada@example.com', 0.067);
  await generation(2, 'ada@example.com', 0.134, 'pro');
  await generation(3, 'ada@example.com', 0.788, 'pro');
  await generation(4, 'bob@example.com', 0.101);
  await generation(5, 'dan@example.com', 0.134, 'pro');
  await generation(6, 'dan@example.com', 0.134, 'pro');
  await generation(7, 'erin@example.com', 0.067);
  // As the original wrote it: json.dumps(indent=2), floats with binary noise included.
  const ledger = { 'ada@example.com': 1.2289999999999999, 'bob@example.com': 0.101, 'carol@example.com': 0.4, 'dan@example.com': 0.134 };
  await writeFile(path.join(dir, 'spend.json'), JSON.stringify(ledger, null, 2));
  return dir;
}

const USERS_WITH_LEDGER = [
  { email: 'ada@example.com', imageCount: 3, sidecarsUsd: 0.989, ledgerUsd: 1.229, source: 'spend.json', unrecordedUsd: 0.24 },
  { email: 'bob@example.com', imageCount: 1, sidecarsUsd: 0.101, ledgerUsd: 0.101, source: 'spend.json', unrecordedUsd: 0 },
  { email: 'carol@example.com', imageCount: 0, sidecarsUsd: 0, ledgerUsd: 0.4, source: 'spend.json', unrecordedUsd: 0.4 },
  { email: 'dan@example.com', imageCount: 2, sidecarsUsd: 0.268, ledgerUsd: 0.134, source: 'sidecars', unrecordedUsd: 0 },
  { email: 'erin@example.com', imageCount: 1, sidecarsUsd: 0.067, source: 'sidecars', unrecordedUsd: 0 },
];

for (const kind of STORE_KINDS) {
  describe(`import of the original's spend.json into the ${kind} stores`, () => {
    let source: string;
    let kit: StoreKit;
    let deps: ImportDeps;
    beforeEach(async () => {
      source = await directoryWithLedger();
      kit = await openStoreKit(kind);
      deps = { images: kit.images, records: kit.records, catalogue: buildCatalogue() };
    });
    afterEach(async () => {
      await kit.close();
      await rm(source, { recursive: true, force: true });
    });

    it("takes each user's cumulative spend from spend.json, deleted images included, lists users with no image left, and says by how much the sidecars differ", async () => {
      const report = await importDirectory(source, deps);

      expect(report).to.include({ imported: 7, alreadyPresent: 0 });
      expect(report.skipped).to.deep.equal([]);
      expect(report.spend).to.deep.include({ ledger: 'used', problems: [] });
      expect(report.spend.users).to.deep.equal(USERS_WITH_LEDGER);
    });

    it("carries the ledger's spend over: each user's total is spend.json's, counts and models are the images', and a re-run changes nothing", async () => {
      const first = await importDirectory(source, deps);
      const before = await kit.records.allTotals();
      for (const user of first.spend.users) {
        const totals = await kit.records.totals(user.email);
        const spend = user.source === 'spend.json' ? user.ledgerUsd : user.sidecarsUsd;
        expect(totals, user.email).to.include({ imageCount: user.imageCount, costUsd: spend });
        const byModel = Object.values(totals.byModel).reduce((sum, m) => sum + m.costUsd, 0);
        expect(byModel, user.email).to.be.closeTo(user.sidecarsUsd, 1e-9);
      }
      expect(before.map((t) => t.email)).to.include('carol@example.com');
      await importDirectory(source, deps);
      expect(await kit.records.allTotals()).to.deep.equal(before);
    });

    it('leaves unrecorded spend alone when spend.json is gone on a re-run', async () => {
      await importDirectory(source, deps);
      const before = await kit.records.totals('ada@example.com');
      await unlink(path.join(source, 'spend.json'));
      await importDirectory(source, deps);
      expect(await kit.records.totals('ada@example.com')).to.deep.equal(before);
    });

    it("falls back to the sidecars' sums when there is no spend.json", async () => {
      await unlink(path.join(source, 'spend.json'));
      const report = await importDirectory(source, deps);

      expect(report.skipped).to.deep.equal([]);
      expect(report.spend).to.deep.include({ ledger: 'absent', problems: [] });
      expect(report.spend.users).to.deep.equal([
        { email: 'ada@example.com', imageCount: 3, sidecarsUsd: 0.989, source: 'sidecars', unrecordedUsd: 0 },
        { email: 'bob@example.com', imageCount: 1, sidecarsUsd: 0.101, source: 'sidecars', unrecordedUsd: 0 },
        { email: 'dan@example.com', imageCount: 2, sidecarsUsd: 0.268, source: 'sidecars', unrecordedUsd: 0 },
        { email: 'erin@example.com', imageCount: 1, sidecarsUsd: 0.067, source: 'sidecars', unrecordedUsd: 0 },
      ]);
    });

    it("refuses a malformed spend.json, says what is wrong, and uses the sidecars' sums for everyone", async () => {
      await writeFile(path.join(source, 'spend.json'), JSON.stringify({ 'ada@example.com': 1.229, 'Ada@Example.com': 0.5, 'bob@example.com': -1 }));
      const report = await importDirectory(source, deps);

      expect(report).to.include({ imported: 7 });
      expect(report.spend.ledger).to.equal('malformed');
      expect(report.spend.problems).to.deep.equal([
        '"ada@example.com" and "Ada@Example.com" are the same user',
        '"bob@example.com": -1 is not an amount of dollars (a number, 0 or more)',
      ]);
      expect(report.skipped).to.deep.equal([
        {
          file: 'spend.json',
          reason: `malformed, so every user's spend is the sum of their sidecars: ${report.spend.problems.join('; ')}`,
        },
      ]);
      expect(report.spend.users.every((u) => u.source === 'sidecars' && u.ledgerUsd === undefined)).to.equal(true);
      expect(report.spend.users.map((u) => u.email)).to.deep.equal(['ada@example.com', 'bob@example.com', 'dan@example.com', 'erin@example.com']);
    });

    it("never doubles anyone's spend when run again, even after new generations", async () => {
      const first = await importDirectory(source, deps);
      const storedOnce = await kit.stored();
      const totalsOnce = await kit.records.allTotals();

      const again = await importDirectory(source, deps);
      expect(again).to.include({ imported: 0, alreadyPresent: 7 });
      expect(again.spend).to.deep.equal(first.spend);
      expect(await kit.stored()).to.deep.equal(storedOnce);
      expect(await kit.records.allTotals()).to.deep.equal(totalsOnce);

      // A generation made in this server since the import counts once, and only in the stores.
      const since = { ...(await kit.records.get(`${ID(1)}.png` as ImageName))!, name: `${ID(9)}.png` as ImageName, createdAt: '2026-01-01T00:00:00.000Z' };
      await kit.records.commit(since);
      const third = await importDirectory(source, deps);
      expect(third.spend).to.deep.equal(first.spend);
      // spend.json's 1.229 (0.989 from the three imported images) plus the new image.
      expect(await kit.records.totals('ada@example.com')).to.include({ imageCount: 4, costUsd: addUsd(1.229, since.costUsd) });
    });
  });
}
