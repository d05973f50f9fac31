/**
 * The behaviour every RecordStore must have. Each implementation's test file calls
 * `recordStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import { newImageName, newUploadName } from '../../server/core/names.js';
import type { AppError } from '../../server/errors.js';
import type { GenerationRecord, RecordFilter, RecordStore, SearchOptions, UploadRecord } from '../../server/records/record-store.js';

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

/** Every record of `email` matching `filter`, following cursors to the end; and how many pages it took. */
export async function searchAll(store: RecordStore, email: string, filter: RecordFilter, limit: number): Promise<{ names: string[]; pages: number[] }> {
  const names: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listByUser(email, { limit, filter, ...(cursor ? { cursor } : {}) });
    names.push(...page.records.map((r) => r.name));
    pages.push(page.records.length);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 1000);
  return { names, pages };
}

/** Newest first, as the stores page. */
export function newestFirst(records: readonly GenerationRecord[]): string[] {
  return [...records].sort((a, b) => (a.createdAt === b.createdAt ? (a.name < b.name ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).map((r) => r.name);
}

export function recordStoreContract(label: string, makeStore: (options?: SearchOptions) => Promise<RecordStore>): void {
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

    it('removes a record: one image fewer, of its model too, while the spend, months and days stay', async () => {
      const kept = sampleRecord({ createdAt: '2026-11-01T10:00:00.000Z' });
      const removed = sampleRecord({ createdAt: '2026-11-02T10:00:00.000Z', modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', costUsd: 0.24 });
      await store.commit(kept);
      await store.commit(removed);
      const [budgetBefore] = await store.userBudgets('2026-11', 'ada@example.com');
      const activityBefore = await store.activity('2026-11-01');
      await store.remove(removed.name);
      await store.remove(removed.name); // removing twice is not an error, and counts once
      expect(await store.get(removed.name)).to.equal(undefined);
      expect((await store.listByUser('ada@example.com', { limit: 10 })).records.map((r) => r.name)).to.deep.equal([kept.name]);
      const totals = await store.totals('ada@example.com');
      expect(totals).to.include({ imageCount: 1, costUsd: 0.307 });
      expect(totals.byModel).to.deep.equal({ flash: { imageCount: 1, costUsd: 0.067 }, pro: { imageCount: 0, costUsd: 0.24 } });
      expect((await store.allTotals()).map((t) => [t.email, t.imageCount, t.costUsd])).to.deep.equal([['ada@example.com', 1, 0.307]]);
      const [budgetAfter] = await store.userBudgets('2026-11', 'ada@example.com');
      expect(budgetAfter?.spend).to.deep.equal(budgetBefore?.spend);
      expect(budgetAfter?.months).to.deep.equal({ '2026-11': { generatedCount: 2, costUsd: 0.307 } });
      const activityAfter = await store.activity('2026-11-01');
      expect(activityAfter.map((a) => a.days)).to.deep.equal(activityBefore.map((a) => a.days));
      expect(activityAfter.map((a) => a.totals.imageCount)).to.deep.equal([1]);
    });

    it('counts a record removed by several callers at once only once', async () => {
      const records = Array.from({ length: 3 }, (_, i) => sampleRecord({ createdAt: `2026-11-0${i + 1}T10:00:00.000Z` }));
      for (const r of records) await store.commit(r);
      await Promise.all([0, 1, 2, 3, 4].map(() => store.remove(records[0]!.name)));
      expect(await store.totals('ada@example.com')).to.include({ imageCount: 2, costUsd: 0.201 });
      expect((await store.totals('ada@example.com')).byModel.flash).to.deep.equal({ imageCount: 2, costUsd: 0.201 });
      await store.remove(newImageName()); // a name never committed: nothing happens
      expect((await store.totals('ada@example.com')).imageCount).to.equal(2);
    });

    it('counts each record’s generation and cost in its UTC month and day, quiet ones absent', async () => {
      await store.commit(sampleRecord({ createdAt: '2026-10-31T23:59:59.000Z', costUsd: 0.134 }));
      await store.commit(sampleRecord({ createdAt: '2026-11-01T00:00:00.000Z', costUsd: 0.067 }));
      await store.commit(sampleRecord({ createdAt: '2026-11-01T18:00:00.000Z', costUsd: 0.101 }));
      await store.commit(sampleRecord({ email: 'bob@example.com', createdAt: '2026-11-03T08:00:00.000Z', costUsd: 0.24 }));
      const [ada] = await store.userBudgets('2026-11', 'ada@example.com');
      expect(ada?.months).to.deep.equal({ '2026-10': { generatedCount: 1, costUsd: 0.134 }, '2026-11': { generatedCount: 2, costUsd: 0.168 } });
      const activity = await store.activity('2026-11-01');
      expect(activity.map((a) => [a.totals.email, a.days])).to.deep.equal([
        ['ada@example.com', { '2026-11-01': { generatedCount: 2, costUsd: 0.168 } }],
        ['bob@example.com', { '2026-11-03': { generatedCount: 1, costUsd: 0.24 } }],
      ]);
      expect((await store.activity('2026-10-01'))[0]?.days['2026-10-31']).to.deep.equal({ generatedCount: 1, costUsd: 0.134 });
    });

    describe('search and summary', () => {
      const fox = sampleRecord({ prompt: 'A red Fox in the snow', createdAt: '2026-11-20T10:00:00.000Z' });
      const cafe = sampleRecord({ prompt: 'Crème brûlée at the Café\nby night', modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '2K', costUsd: 0.134, createdAt: '2026-11-22T23:59:59.999Z' });
      const foxes = sampleRecord({ prompt: 'two foxes, RED and grey', imageSize: '2K', costUsd: 0.101, createdAt: '2026-11-23T00:00:00.000Z' });
      const lighthouse = sampleRecord({ prompt: 'a lighthouse at dusk', modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '4K', costUsd: 0.24, createdAt: '2026-11-25T10:00:00.000Z' });
      const bobs = sampleRecord({ email: 'bob@example.com', prompt: 'a red fox', createdAt: '2026-11-21T10:00:00.000Z' });
      beforeEach(async () => {
        for (const r of [fox, cafe, foxes, lighthouse, bobs]) await store.commit(r);
      });
      const find = async (filter: RecordFilter) => (await searchAll(store, 'ada@example.com', filter, 10)).names;

      it('finds the user’s images whose prompt holds every word, whatever the case and accents', async () => {
        expect(await find({ text: 'red fox' })).to.deep.equal([foxes.name, fox.name]);
        expect(await find({ text: 'FOXES red' })).to.deep.equal([foxes.name]);
        expect(await find({ text: 'creme BRULEE café' })).to.deep.equal([cafe.name]);
        expect(await find({ text: 'night cafe' })).to.deep.equal([cafe.name]);
        expect(await find({ text: 'red lighthouse' })).to.deep.equal([]);
        expect(await find({ text: '  ' })).to.deep.equal([lighthouse.name, foxes.name, cafe.name, fox.name]);
      });

      it('narrows by model, size and an inclusive range of UTC days, with or without words', async () => {
        expect(await find({ modelAlias: 'pro' })).to.deep.equal([lighthouse.name, cafe.name]);
        expect(await find({ imageSize: '2K' })).to.deep.equal([foxes.name, cafe.name]);
        expect(await find({ modelAlias: 'flash', imageSize: '2K' })).to.deep.equal([foxes.name]);
        expect(await find({ fromDay: '2026-11-22', toDay: '2026-11-22' })).to.deep.equal([cafe.name]);
        expect(await find({ fromDay: '2026-11-23' })).to.deep.equal([lighthouse.name, foxes.name]);
        expect(await find({ toDay: '2026-11-22' })).to.deep.equal([cafe.name, fox.name]);
        expect(await find({ text: 'fox', toDay: '2026-11-22', modelAlias: 'flash', imageSize: '1K' })).to.deep.equal([fox.name]);
        expect(await find({ text: 'fox', modelAlias: 'pro' })).to.deep.equal([]);
      });

      it('pages a filtered list by cursor, and sums the matching images that exist now', async () => {
        const first = await store.listByUser('ada@example.com', { limit: 1, filter: { imageSize: '2K' } });
        expect(first.records.map((r) => r.name)).to.deep.equal([foxes.name]);
        const second = await store.listByUser('ada@example.com', { limit: 1, filter: { imageSize: '2K' }, cursor: first.nextCursor });
        expect(second.records.map((r) => r.name)).to.deep.equal([cafe.name]);
        expect(second.nextCursor).to.equal(undefined);

        expect(await store.summarizeByUser('ada@example.com', {})).to.deep.equal({ imageCount: 4, costUsd: 0.542 });
        expect(await store.summarizeByUser('ada@example.com', { text: 'red FOX' })).to.deep.equal({ imageCount: 2, costUsd: 0.168 });
        expect(await store.summarizeByUser('ada@example.com', { modelAlias: 'pro', fromDay: '2026-11-23' })).to.deep.equal({ imageCount: 1, costUsd: 0.24 });
        expect(await store.summarizeByUser('nobody@example.com', { text: 'fox' })).to.deep.equal({ imageCount: 0, costUsd: 0 });
        await store.remove(foxes.name);
        expect(await store.summarizeByUser('ada@example.com', { text: 'red fox' })).to.deep.equal({ imageCount: 1, costUsd: 0.067 });
        expect(await store.summarizeByUser('ada@example.com', { imageSize: '2K' })).to.deep.equal({ imageCount: 1, costUsd: 0.134 });
      });

      it('refuses a cursor of another search or another user as invalid', async () => {
        const page = await store.listByUser('ada@example.com', { limit: 1, filter: { text: 'fox' } });
        expect(page.nextCursor).to.be.a('string');
        const misuses = [
          store.listByUser('ada@example.com', { limit: 1, filter: { text: 'snow' }, cursor: page.nextCursor }),
          store.listByUser('bob@example.com', { limit: 1, filter: { text: 'fox' }, cursor: page.nextCursor }),
          store.listByUser('ada@example.com', { limit: 1, cursor: page.nextCursor }),
        ];
        for (const misuse of misuses) {
          const error = await misuse.then(() => undefined, (e: unknown) => e);
          expect((error as AppError).status).to.equal('INVALID_ARGUMENT');
          expect((error as AppError).publicMessage).to.match(/cursor/);
        }
        // The same search, written differently, goes on.
        const next = await store.listByUser('ada@example.com', { limit: 1, filter: { text: ' FOX ' }, cursor: page.nextCursor });
        expect(next.records.map((r) => r.name)).to.deep.equal([fox.name]);
      });
    });

    it('reads a bounded number of records per search call and continues by cursor, missing none', async () => {
      const scanning = await makeStore({ searchScanLimit: 4 });
      const records = Array.from({ length: 11 }, (_, i) =>
        sampleRecord({ prompt: i % 5 === 0 ? `a blue whale ${i}` : `a grey heron ${i}`, createdAt: new Date(Date.UTC(2026, 10, 1, i)).toISOString() }),
      );
      for (const r of records) await scanning.commit(r);
      const whales = records.filter((r) => r.prompt.includes('whale'));
      const found = await searchAll(scanning, 'ada@example.com', { text: 'whale' }, 10);
      expect(found.names).to.deep.equal(newestFirst(whales));
      // 11 records, 4 per call: three calls; the one without a whale says so with an empty page and a cursor.
      expect(found.pages).to.deep.equal([1, 1, 1]);
      const middle = await searchAll(scanning, 'ada@example.com', { text: 'whale 5' }, 10);
      expect(middle.pages).to.deep.equal([0, 1, 0]);
      // Without words, a page is a page: nothing is scanned in vain.
      expect((await scanning.listByUser('ada@example.com', { limit: 10, filter: { modelAlias: 'flash' } })).records).to.have.length(10);
      expect(await scanning.summarizeByUser('ada@example.com', { text: 'whale' })).to.deep.equal({ imageCount: 3, costUsd: 0.201 });
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

    describe('uploads', () => {
      const sampleUpload = (overrides: Partial<UploadRecord> = {}): UploadRecord => ({
        name: newUploadName(),
        email: 'ada@example.com',
        createdAt: '2026-11-30T10:00:00.000Z',
        bytes: 54321,
        width: 640,
        height: 480,
        originalType: 'jpeg',
        ...overrides,
      });

      it('returns an upload exactly as it was written, and nothing for one never written', async () => {
        const upload = sampleUpload();
        await store.createUpload(upload);
        expect(await store.getUpload(upload.name)).to.deep.equal(upload);
        expect(await store.getUpload(newUploadName())).to.equal(undefined);
      });

      it('creates an upload once: a second write of the name is refused and changes nothing, and of concurrent ones exactly one lands', async () => {
        const upload = sampleUpload();
        await store.createUpload(upload);
        let refused: unknown;
        await store.createUpload({ ...upload, email: 'bob@example.com' }).catch((err: unknown) => (refused = err));
        expect(refused).to.be.instanceOf(Error);
        expect(await store.getUpload(upload.name)).to.deep.equal(upload);

        const raced = sampleUpload();
        const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((who) => store.createUpload({ ...raced, email: `${who}@example.com` })));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      });

      it("lists and counts a user's uploads newest first, only theirs, at most the limit asked for", async () => {
        const older = sampleUpload({ createdAt: '2026-11-29T10:00:00.000Z' });
        const newer = sampleUpload({ createdAt: '2026-11-30T10:00:00.000Z' });
        const bobs = sampleUpload({ email: 'bob@example.com' });
        for (const upload of [older, bobs, newer]) await store.createUpload(upload);
        expect(await store.listUploads('ada@example.com', 10)).to.deep.equal([newer, older]);
        expect(await store.listUploads('ada@example.com', 1)).to.deep.equal([newer]);
        expect(await store.listUploads('bob@example.com', 10)).to.deep.equal([bobs]);
        expect(await store.listUploads('carol@example.com', 10)).to.deep.equal([]);
        expect(await store.countUploads('ada@example.com')).to.equal(2);
        expect(await store.countUploads('bob@example.com')).to.equal(1);
        expect(await store.countUploads('carol@example.com')).to.equal(0);
      });

      it('removes an upload: gone from get and the listing, others kept, removing it again is no error', async () => {
        const kept = sampleUpload();
        const removed = sampleUpload();
        await store.createUpload(kept);
        await store.createUpload(removed);
        await store.removeUpload(removed.name);
        await store.removeUpload(removed.name);
        expect(await store.getUpload(removed.name)).to.equal(undefined);
        expect(await store.listUploads('ada@example.com', 10)).to.deep.equal([kept]);
        expect(await store.countUploads('ada@example.com')).to.equal(1);
      });

      it('keeps uploads out of generations: no record, total, listing or summary counts one', async () => {
        const upload = sampleUpload();
        await store.createUpload(upload);
        expect((await store.listByUser('ada@example.com', { limit: 10 })).records).to.deep.equal([]);
        expect((await store.totals('ada@example.com')).imageCount).to.equal(0);
      });
    });
  });
}
