import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalRecordStore } from '../../server/records/local-record-store.js';
import { jobStoreContract } from './job-store.contract.js';
import { recordStoreContract, sampleRecord } from './record-store.contract.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'records-'));
  roots.push(root);
  return root;
}
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

recordStoreContract('local files', async (options) => new LocalRecordStore(await tempRoot(), options));
jobStoreContract('local files', async () => new LocalRecordStore(await tempRoot()));

describe('LocalRecordStore', () => {
  it('keeps the original layout: a {id}.json sidecar beside the image, and prefs.json', async () => {
    const root = await tempRoot();
    const store = new LocalRecordStore(root);
    const record = sampleRecord();
    await store.commit(record);
    await store.setPrefs('ada@example.com', { defaultModel: 'pro' });
    const files = (await readdir(root)).sort();
    expect(files).to.deep.equal([record.name.replace('.png', '.json'), 'prefs.json', 'totals.json'].sort());
    expect((JSON.parse(await readFile(path.join(root, record.name.replace('.png', '.json')), 'utf8')) as { prompt: string }).prompt).to.equal(record.prompt);
  });

  it('reads totals back after a restart', async () => {
    const root = await tempRoot();
    await new LocalRecordStore(root).commit(sampleRecord());
    expect((await new LocalRecordStore(root).totals('ada@example.com')).imageCount).to.equal(1);
  });

  it('reads the original server’s prefs.json as it is', async () => {
    const root = await tempRoot();
    await writeFile(path.join(root, 'prefs.json'), JSON.stringify({ 'ada@example.com': { model: 'pro' }, 'bob@example.com': { model: 'dall-e' } }));
    const store = new LocalRecordStore(root);
    expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
    expect(await store.prefs('bob@example.com')).to.deep.equal({});
  });

  it('pages records written by an earlier process', async () => {
    const root = await tempRoot();
    const record = sampleRecord();
    await new LocalRecordStore(root).commit(record);
    await writeFile(path.join(root, 'ffffffffffffffffffffffffffffffff.json'), '{ not json');
    const page = await new LocalRecordStore(root).listByUser('ada@example.com', { limit: 10 });
    expect(page.records).to.deep.equal([record]);
  });

  it('reads a totals.json written before removes and activity were counted', async () => {
    // Months were their spend alone; no days; imageCount counted every image ever made.
    const root = await tempRoot();
    const old = {
      version: 1,
      users: {
        'ada@example.com': { email: 'ada@example.com', imageCount: 3, costUsd: 0.301, byModel: { flash: { imageCount: 3, costUsd: 0.301 } }, lastGenerationAt: '2026-10-02T10:00:00.000Z', months: { '2026-10': 0.301 } },
      },
    };
    await writeFile(path.join(root, 'totals.json'), JSON.stringify(old));
    const store = new LocalRecordStore(root);
    expect(await store.totals('ada@example.com')).to.deep.equal({ email: 'ada@example.com', imageCount: 3, costUsd: 0.301, byModel: { flash: { imageCount: 3, costUsd: 0.301 } }, lastGenerationAt: '2026-10-02T10:00:00.000Z' });
    const [ada] = await store.userBudgets('2026-10', 'ada@example.com');
    expect(ada?.spend.spentUsd).to.equal(0.301);
    expect(ada?.months).to.deep.equal({ '2026-10': { generatedCount: 0, costUsd: 0.301 } });
    expect((await store.activity('2026-10-01'))[0]?.days).to.deep.equal({});
    // And goes on counting from there.
    await store.commit(sampleRecord({ createdAt: '2026-10-20T10:00:00.000Z', costUsd: 0.1 }));
    expect((await store.userBudgets('2026-10', 'ada@example.com'))[0]?.months).to.deep.equal({ '2026-10': { generatedCount: 1, costUsd: 0.401 } });
  });

  it('removes the sidecar again when the totals cannot be written', async () => {
    class FailingTotals extends LocalRecordStore {
      protected override async writeTotals(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const root = await tempRoot();
    const store = new FailingTotals(root);
    const record = sampleRecord();
    let failed = false;
    await store.commit(record).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await readdir(root)).to.deep.equal([]);
    expect(await store.get(record.name)).to.equal(undefined);
  });
});
