/**
 * Search and filters of GET /api/generations and /api/generations/summary over all of a
 * user's images, not only a loaded page: prompt words (case and accents aside), model, size,
 * days; a search longer than one call's scan goes on by cursor; bad cursors are refused.
 */
import { expect } from 'chai';
import type { GenerationPage, GenerationSummary } from '../../server/api/api-types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import type { GenerationRecord } from '../../server/records/record-store.js';
import { SEARCH_SCAN_LIMIT } from '../../server/records/record-store.js';
import { addUsd } from '../../server/core/totals.js';
import { newestFirst, sampleRecord } from '../contract/record-store.contract.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';

const ME = LOCAL_CALLER.email;
const PRO = { modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview' } as const;

for (const store of STORE_KINDS) {
  describe(`dashboard search on the ${store} stores`, function () {
    this.timeout(180_000);
    let server: TestServer;
    const api = (path: string) => fetch(`${server.url}/api${path}`);
    const get = async <T>(path: string) => {
      const res = await api(path);
      expect(res.status, path).to.equal(200);
      return (await res.json()) as T;
    };
    /** Every page of a search, following cursors to the end. */
    async function searchAll(query: string, limit = 24): Promise<{ names: string[]; pages: number[] }> {
      const names: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await get<GenerationPage>(`/generations?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        names.push(...page.generations.map((g) => g.name));
        pages.push(page.generations.length);
        cursor = page.nextCursor;
      } while (cursor && pages.length < 100);
      return { names, pages };
    }
    async function commitAll(records: readonly GenerationRecord[]): Promise<void> {
      for (let i = 0; i < records.length; i += 16) await Promise.all(records.slice(i, i + 16).map((r) => server.records.commit(r)));
    }

    describe('over a handful of images', () => {
      const fox = sampleRecord({ email: ME, prompt: 'A red Fox\nin the snow', createdAt: '2026-11-20T10:00:00.000Z' });
      const cafe = sampleRecord({ email: ME, ...PRO, prompt: 'Crème brûlée at the CAFÉ', imageSize: '2K', costUsd: 0.134, createdAt: '2026-11-22T23:59:59.999Z' });
      const foxes = sampleRecord({ email: ME, prompt: 'two foxes, red and grey', imageSize: '2K', costUsd: 0.101, createdAt: '2026-11-23T00:00:00.000Z' });
      const lighthouse = sampleRecord({ email: ME, ...PRO, prompt: 'a lighthouse at dusk', imageSize: '4K', costUsd: 0.24, createdAt: '2026-11-25T10:00:00.000Z' });
      const others = sampleRecord({ email: 'bob@example.com', prompt: 'a red fox', createdAt: '2026-11-21T10:00:00.000Z' });

      before(async () => {
        server = await startTestServer({ store });
        await commitAll([fox, cafe, foxes, lighthouse, others]);
      });
      after(async () => server.close());

      it('finds images by prompt words, whatever the case and accents, newest first', async () => {
        expect((await searchAll('q=RED%20fox')).names).to.deep.equal([foxes.name, fox.name]);
        expect((await searchAll(`q=${encodeURIComponent('creme BRULEE cafe')}`)).names).to.deep.equal([cafe.name]);
        expect((await searchAll(`q=${encodeURIComponent('café crème')}`)).names).to.deep.equal([cafe.name]);
        expect((await searchAll('q=snow%20fox')).names).to.deep.equal([fox.name]);
        expect((await searchAll('q=zebra')).names).to.deep.equal([]);
        // Bob's fox is his: not among the caller's, but an admin may search his.
        expect((await searchAll(`q=fox&user=${encodeURIComponent('bob@example.com')}`)).names).to.deep.equal([others.name]);
      });

      it('filters by model, size and an inclusive range of UTC days, alone or together', async () => {
        expect((await searchAll('model=pro')).names).to.deep.equal([lighthouse.name, cafe.name]);
        expect((await searchAll('size=2K')).names).to.deep.equal([foxes.name, cafe.name]);
        expect((await searchAll('from=2026-11-22&to=2026-11-22')).names).to.deep.equal([cafe.name]);
        expect((await searchAll('from=2026-11-23')).names).to.deep.equal([lighthouse.name, foxes.name]);
        expect((await searchAll('to=2026-11-22&model=flash')).names).to.deep.equal([fox.name]);
        expect((await searchAll('q=red&size=2K&model=flash&from=2026-11-01&to=2026-11-30')).names).to.deep.equal([foxes.name]);
        expect((await searchAll('size=2K', 1)).pages).to.deep.equal([1, 1]);
      });

      it('summarizes every matching image at once', async () => {
        expect(await get<GenerationSummary>('/generations/summary')).to.deep.equal({ imageCount: 4, costUsd: 0.542 });
        expect(await get<GenerationSummary>('/generations/summary?q=red%20FOX')).to.deep.equal({ imageCount: 2, costUsd: addUsd(fox.costUsd, foxes.costUsd) });
        expect(await get<GenerationSummary>('/generations/summary?model=pro&from=2026-11-23')).to.deep.equal({ imageCount: 1, costUsd: 0.24 });
      });

      it('refuses a cursor of another search, or a forged one, with 400', async () => {
        const first = await get<GenerationPage>('/generations?q=red&limit=1');
        expect(first.nextCursor).to.be.a('string');
        const forged = Buffer.from(JSON.stringify({ c: '2026-11-30T00:00:00.000Z', n: 'x.png' })).toString('base64url');
        for (const path of [
          `/generations?q=grey&limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`,
          `/generations?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`,
          `/generations?q=red&limit=1&cursor=${forged}`,
          '/generations?q=red&cursor=%00%01',
        ]) {
          const res = await api(path);
          expect(res.status, path).to.equal(400);
          expect(((await res.json()) as { message: string }).message, path).to.match(/cursor (is not valid|belongs to another search); start again from the first page/);
        }
      });
    });

    describe(`over more images than one call reads (${SEARCH_SCAN_LIMIT})`, () => {
      const total = SEARCH_SCAN_LIMIT + 40;
      const start = Date.UTC(2026, 9, 1);
      // A whale every 300 images, and one among the oldest: the search must get past the first call's scan.
      const records = Array.from({ length: total }, (_, i) =>
        sampleRecord({ email: ME, prompt: i % 300 === 7 ? `a blue whale, number ${i}` : `a grey heron ${i}`, createdAt: new Date(start + i * 60_000).toISOString() }),
      );
      const whales = records.filter((r) => r.prompt.includes('whale'));

      before(async () => {
        server = await startTestServer({ store });
        await commitAll(records);
      });
      after(async () => server.close());

      it('goes on by cursor until every match is found, some pages holding fewer than asked for', async () => {
        const found = await searchAll('q=whale', 24);
        expect(found.names).to.deep.equal(newestFirst(whales));
        // Two calls: the first reads SEARCH_SCAN_LIMIT images and stops with what it found.
        expect(found.pages).to.have.length(2);
        expect(found.pages[0]).to.be.below(24);
        expect(await get<GenerationSummary>('/generations/summary?q=whale')).to.deep.equal({ imageCount: whales.length, costUsd: addUsd(0, whales.length * 0.067) });
      });

      it('pages through everything without words, a full page each call', async () => {
        const found = await searchAll('model=flash', 100);
        expect(found.names).to.have.length(total);
        expect(found.pages.slice(0, -1).every((n) => n === 100)).to.equal(true);
      });
    });
  });
}
