/**
 * The behaviour every RecordStore must have. Each implementation's test file calls
 * `recordStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import { newImageName } from '../../server/core/names.js';
import type { AppError } from '../../server/errors.js';
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

    it('pages a user’s records newest first, by cursor, without others’ records', async () => {
      const times = ['2026-11-01T10:00:00.000Z', '2026-11-03T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-03T10:00:00.000Z', '2026-11-05T10:00:00.000Z'];
      const mine = times.map((createdAt) => sampleRecord({ createdAt }));
      for (const r of mine) await store.commit(r);
      await store.commit(sampleRecord({ email: 'bob@example.com', createdAt: '2026-11-04T10:00:00.000Z' }));
      const expected = [...mine]
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.name < b.name ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
        .map((r) => r.name);

      const first = await store.listByUser('ada@example.com', { limit: 2 });
      expect(first.records.map((r) => r.name)).to.deep.equal(expected.slice(0, 2));
      expect(first.nextCursor).to.be.a('string');
      const second = await store.listByUser('ada@example.com', { limit: 2, cursor: first.nextCursor });
      expect(second.records.map((r) => r.name)).to.deep.equal(expected.slice(2, 4));
      const third = await store.listByUser('ada@example.com', { limit: 2, cursor: second.nextCursor });
      expect(third.records.map((r) => r.name)).to.deep.equal(expected.slice(4));
      expect(third.nextCursor).to.equal(undefined);
      expect(third.records[0]).to.deep.equal(mine.find((r) => r.name === expected[4]));
    });

    it('gives an empty page for a user with no records, and rejects a bad cursor or page size', async () => {
      expect(await store.listByUser('nobody@example.com', { limit: 10 })).to.deep.equal({ records: [] });
      const bad = await store.listByUser('ada@example.com', { limit: 10, cursor: 'not-a-cursor' }).catch((e: unknown) => e);
      expect((bad as AppError).status).to.equal('INVALID_ARGUMENT');
      const tooMany = await store.listByUser('ada@example.com', { limit: 1000 }).catch((e: unknown) => e);
      expect((tooMany as AppError).status).to.equal('INVALID_ARGUMENT');
    });

    it('lists every user’s records since a time, newest first', async () => {
      const old = sampleRecord({ createdAt: '2026-10-01T00:00:00.000Z' });
      const a = sampleRecord({ createdAt: '2026-11-20T00:00:00.000Z' });
      const b = sampleRecord({ email: 'bob@example.com', createdAt: '2026-11-22T00:00:00.000Z' });
      for (const r of [old, a, b]) await store.commit(r);
      expect((await store.listSince('2026-11-15T00:00:00.000Z')).map((r) => r.name)).to.deep.equal([b.name, a.name]);
      expect(await store.listSince('2026-12-01T00:00:00.000Z')).to.deep.equal([]);
    });

    it('adds spend without a record to a user’s total, absolutely, under no model, and lists a user who has only that', async () => {
      await store.commit(sampleRecord({ costUsd: 0.067 }));
      await store.setUnrecordedSpend('ada@example.com', 0.24);
      await store.setUnrecordedSpend('ada@example.com', 0.24); // the import run again
      await store.setUnrecordedSpend('carol@example.com', 0.4);
      const ada = await store.totals('ada@example.com');
      expect(ada).to.include({ imageCount: 1, costUsd: 0.307, unrecordedCostUsd: 0.24 });
      expect(ada.byModel.flash).to.deep.equal({ imageCount: 1, costUsd: 0.067 });
      await store.commit(sampleRecord({ costUsd: 0.1, createdAt: '2026-11-25T10:00:00.000Z' }));
      expect(await store.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.407, unrecordedCostUsd: 0.24 });
      await store.setUnrecordedSpend('ada@example.com', 0.1); // a corrected ledger
      expect(await store.totals('ada@example.com')).to.include({ costUsd: 0.267, unrecordedCostUsd: 0.1 });
      expect(await store.totals('carol@example.com')).to.include({ imageCount: 0, costUsd: 0.4, unrecordedCostUsd: 0.4 });
      expect((await store.allTotals()).map((t) => t.email)).to.deep.equal(['ada@example.com', 'carol@example.com']);
    });

    it('removes a record without lowering the user’s totals', async () => {
      const kept = sampleRecord({ createdAt: '2026-11-01T10:00:00.000Z' });
      const removed = sampleRecord({ createdAt: '2026-11-02T10:00:00.000Z' });
      await store.commit(kept);
      await store.commit(removed);
      await store.remove(removed.name);
      await store.remove(removed.name); // removing twice is not an error
      expect(await store.get(removed.name)).to.equal(undefined);
      expect((await store.listByUser('ada@example.com', { limit: 10 })).records.map((r) => r.name)).to.deep.equal([kept.name]);
      expect(await store.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.134 });
    });

    it('refuses a second record with the same name and leaves the first and the totals alone', async () => {
      const record = sampleRecord();
      await store.commit(record);
      const again = await store.commit({ ...record, prompt: 'overwritten' }).then(() => 'committed', () => 'refused');
      expect(again).to.equal('refused');
      expect(await store.get(record.name)).to.deep.equal(record);
      expect((await store.totals('ada@example.com')).imageCount).to.equal(1);
    });

    it('saves and returns each user’s preferences separately', async () => {
      expect(await store.prefs('ada@example.com')).to.deep.equal({});
      await store.setPrefs('ada@example.com', { defaultModel: 'pro' });
      await store.setPrefs('bob@example.com', { defaultModel: 'flash' });
      expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
      expect(await store.prefs('bob@example.com')).to.deep.equal({ defaultModel: 'flash' });
      await store.setPrefs('ada@example.com', {});
      expect(await store.prefs('ada@example.com')).to.deep.equal({});
      expect(await store.prefs('bob@example.com')).to.deep.equal({ defaultModel: 'flash' });
    });
  });
}
