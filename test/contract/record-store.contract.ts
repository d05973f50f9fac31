/**
 * The behaviour every RecordStore must have. Each implementation's test file calls
 * `recordStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import { newImageName } from '../../server/core/names.js';
import type { GenerationRecord, RecordStore } from '../../server/records/record-store.js';

export function sampleRecord(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    name: newImageName(),
    email: 'ada@example.com',
    prompt: 'a lighthouse at dusk',
    modelId: 'gemini-3.1-flash-image-preview',
    modelAlias: 'flash',
    imageSize: '1K',
    aspectRatio: '1:1',
    referenceNames: [],
    createdAt: '2026-11-24T10:00:00.000Z',
    costUsd: 0.067,
    usage: { promptTokens: 12, outputTokens: 1290, totalTokens: 1302 },
    width: 1024,
    height: 1024,
    bytes: 123456,
    ...overrides,
  };
}

export function recordStoreContract(label: string, makeStore: () => Promise<RecordStore>): void {
  describe(`RecordStore contract: ${label}`, () => {
    let store: RecordStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('returns a committed record exactly as it was written', async () => {
      const record = sampleRecord({ referenceNames: [newImageName()] });
      await store.commit(record);
      expect(await store.get(record.name)).to.deep.equal(record);
    });

    it('returns undefined for a name never committed', async () => {
      expect(await store.get(newImageName())).to.equal(undefined);
    });

    it('keeps per-user totals equal to the sum of that user’s records', async () => {
      await store.commit(sampleRecord());
      await store.commit(sampleRecord({ modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '4K', costUsd: 0.24, createdAt: '2026-11-24T11:00:00.000Z' }));
      await store.commit(sampleRecord({ email: 'bob@example.com', costUsd: 0.101, imageSize: '2K' }));
      const ada = await store.totals('ada@example.com');
      expect(ada).to.deep.equal({
        email: 'ada@example.com',
        imageCount: 2,
        costUsd: 0.307,
        byModel: { flash: { imageCount: 1, costUsd: 0.067 }, pro: { imageCount: 1, costUsd: 0.24 } },
        lastGenerationAt: '2026-11-24T11:00:00.000Z',
      });
      const all = await store.allTotals();
      expect(all.map((t) => [t.email, t.imageCount])).to.deep.equal([
        ['ada@example.com', 2],
        ['bob@example.com', 1],
      ]);
    });

    it('gives zero totals for a user with no generations', async () => {
      expect(await store.totals('new@example.com')).to.deep.equal({ email: 'new@example.com', imageCount: 0, costUsd: 0, byModel: {} });
    });

    it('counts every one of many generations committed at once', async () => {
      const records = Array.from({ length: 12 }, (_, i) => sampleRecord({ email: i % 3 === 0 ? 'bob@example.com' : 'ada@example.com' }));
      await Promise.all(records.map((r) => store.commit(r)));
      const ada = await store.totals('ada@example.com');
      const bob = await store.totals('bob@example.com');
      expect(ada.imageCount).to.equal(8);
      expect(bob.imageCount).to.equal(4);
      expect(ada.costUsd).to.be.closeTo(8 * 0.067, 1e-9);
      for (const r of records) expect(await store.get(r.name)).to.deep.equal(r);
    });

    it('rejects a malformed record and changes nothing', async () => {
      const bad = { ...sampleRecord(), modelAlias: 'huge' } as unknown as GenerationRecord;
      let failed = false;
      await store.commit(bad).catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(await store.get(bad.name)).to.equal(undefined);
      expect((await store.totals('ada@example.com')).imageCount).to.equal(0);
    });

    it('saves and returns each user’s preferences separately', async () => {
      expect(await store.prefs('ada@example.com')).to.deep.equal({});
      await store.setPrefs('ada@example.com', { defaultModel: 'pro' });
      await store.setPrefs('bob@example.com', { defaultModel: 'flash' });
      expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
      expect(await store.prefs('bob@example.com')).to.deep.equal({ defaultModel: 'flash' });
    });
  });
}
