import { expect } from 'chai';
import type { Costs, Generation, GenerationPage, GenerationSummary, Me, Usage } from '../../server/api/api-types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { monthResetsAt } from '../../server/core/budget.js';
import { addUsd } from '../../server/core/totals.js';
import { sampleJob } from '../contract/job-store.contract.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';
import { billedFor, billedForAll } from '../support/models.js';

const today = () => new Date().toISOString().slice(0, 10);
const thisMonth = () => new Date().toISOString().slice(0, 7);

for (const store of STORE_KINDS) {
  describe(`dashboard API with sign-in disabled, on the ${store} stores`, () => {
    let server: TestServer;
    const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api${path}`, init);
    const json = async <T>(res: Response) => (await res.json()) as T;
    const get = async <T>(path: string) => {
      const res = await api(path);
      expect(res.status, path).to.equal(200);
      return json<T>(res);
    };

    beforeEach(async () => {
      server = await startTestServer({ store });
    });
    afterEach(async () => server.close());

    async function generate(prompt: string, args: Record<string, unknown> = {}): Promise<string> {
      const client = await server.connect();
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt, ...args } }));
      const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
      return /"([0-9a-f]{32}\.png)"/.exec(text)![1]!;
    }

    it('shows who you are, your default model and the prices; saving a default changes the next generation', async () => {
      const me = await get<Me>('/me');
      expect(me).to.include({ email: LOCAL_CALLER.email, isAdmin: true, defaultModel: 'flash', mcpUrl: `${server.url}/mcp`, defaultBudgetUsd: null });
      expect(me.models.find((m) => m.alias === 'pro')?.pricesUsd).to.deep.equal({ '1K': 0.134, '2K': 0.134, '4K': 0.24 });
      // The model each alias uses now, as Gemini's line-up says.
      expect(me.models.find((m) => m.alias === 'flash')).to.include({ id: 'gemini-nano-banana-2.1', label: 'Nano Banana 2.1', available: true });

      const saved = await api('/me/default-model', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'pro' }) });
      expect(saved.status).to.equal(200);
      await generate('after choosing pro');
      expect(server.fake.requests.at(-1)?.model).to.equal('gemini-3-pro-image');

      const bad = await api('/me/default-model', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'dall-e' }) });
      expect(bad.status).to.equal(400);
      expect((await json<{ message: string }>(bad)).message).to.equal('model must be one of flash, pro, lite');
      expect((await get<Me>('/me')).defaultModel).to.equal('pro');
    });

    it('pages the gallery newest first with thumbnails, and totals the costs', async () => {
      const names = [await generate('one'), await generate('two', { image_size: '2K' }), await generate('three', { model: 'pro' })];
      const first = await get<GenerationPage>('/generations?limit=2');
      expect(first.generations.map((g) => g.prompt)).to.deep.equal(['three', 'two']);
      expect(first.generations[0]?.thumbnailUrl).to.equal(`/i/${names[2]!.replace('.png', '.thumb.webp')}`);
      const thumb = await fetch(`${server.url}${first.generations[0]!.thumbnailUrl}`);
      expect(thumb.headers.get('content-type')).to.equal('image/webp');
      const second = await get<GenerationPage>(`/generations?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
      expect(second.generations.map((g) => g.prompt)).to.deep.equal(['one']);
      expect(second.nextCursor).to.equal(undefined);

      const costs = await get<Costs>('/costs');
      // What Gemini billed for the three (flash 1K and 2K, pro 1K): about $0.034 + $0.050 + $0.134.
      const billed = billedForAll(server.fake.requests);
      expect(billed).to.be.within(0.218, 0.23);
      expect(costs.users.map(({ email, imageCount, costUsd }) => ({ email, imageCount, costUsd }))).to.deep.equal([{ email: LOCAL_CALLER.email, imageCount: 3, costUsd: billed }]);
      // Each row has the month's budget too (no limit on this server), and for an admin the user's own setting.
      const month = thisMonth();
      expect(costs.users[0]).to.deep.include({
        budget: { limitUsd: null, spentUsd: costs.users[0]?.costUsd, reservedUsd: 0, month, resetsAt: monthResetsAt(month) },
        budgetSetting: 'default',
      });
      expect(costs.total).to.deep.equal({ imageCount: 3, costUsd: billed });
    });

    it('shows every recorded detail of an image: tokens, references (linked while they exist), download and share links', async () => {
      const first = await generate('a lighthouse\nat dusk');
      const second = await generate('the same lighthouse, at dawn', { reference_images: [first], aspect_ratio: '16:9' });
      const one = await get<Generation>(`/generations/${second}`);
      expect(one).to.deep.include({
        name: second,
        email: LOCAL_CALLER.email,
        prompt: 'the same lighthouse, at dawn',
        modelAlias: 'flash',
        imageSize: '1K',
        aspectRatio: '16:9',
        costUsd: billedFor(server.fake.requests[1]!),
        imageUrl: `/i/${second}`,
        downloadUrl: `/d/${second}`,
        shareUrl: `/v/${second}`,
        references: [{ name: first, imageUrl: `/i/${first}`, thumbnailUrl: `/i/${first.replace('.png', '.thumb.webp')}` }],
      });
      expect(one.usage.outputTokens).to.be.above(0);
      expect(one.width).to.be.above(one.height!);
      expect(one.bytes).to.be.above(0);
      // The links answer: the download as an attachment, the share page as HTML.
      expect((await fetch(`${server.url}${one.downloadUrl}`)).headers.get('content-disposition')).to.include('attachment');
      expect((await fetch(`${server.url}${one.shareUrl}`)).headers.get('content-type')).to.include('text/html');
      // The page shows the same view; line breaks are kept.
      const page = await get<GenerationPage>('/generations');
      expect(page.generations.find((g) => g.name === second)).to.deep.equal(one);
      expect(page.generations.find((g) => g.name === first)?.prompt).to.equal('a lighthouse\nat dusk');

      expect((await api(`/generations/${first}`, { method: 'DELETE' })).status).to.equal(204);
      expect((await get<Generation>(`/generations/${second}`)).references).to.deep.equal([{ name: first }]);
      expect((await api(`/generations/${first}`)).status).to.equal(404);
    });

    it('shows the generations in progress, and then why one failed, on the first page of the gallery only', async () => {
      const done = await generate('finished');
      const job = sampleJob({ email: LOCAL_CALLER.email, prompt: 'still\ngenerating', modelAlias: 'pro', imageSize: '2K', aspectRatio: '3:4' });
      await server.records.startJob(job, undefined);
      const first = await get<GenerationPage>('/generations?limit=1');
      expect(first.pending).to.deep.equal([{ name: job.name, status: 'generating', prompt: 'still\ngenerating', modelAlias: 'pro', imageSize: '2K', aspectRatio: '3:4', startedAt: job.startedAt }]);
      expect(first.generations.map((g) => g.name)).to.deep.equal([done]);
      expect((await get<GenerationPage>('/generations?q=still')).pending).to.equal(undefined);
      await server.records.failJob(job.name, 'Gemini refused the prompt.');
      const [failed, ...others] = (await get<GenerationPage>('/generations')).pending ?? [];
      expect(others).to.deep.equal([]);
      expect(failed).to.include({ name: job.name, status: 'failed', failure: 'Gemini refused the prompt.' });
    });

    it('after a delete, keeps cumulative spend, month spend, last-30-days spend and the daily rows, while image counts drop by one', async () => {
      const kept = await generate('kept', { model: 'pro' });
      const deleted = await generate('deleted');
      const billed = billedForAll(server.fake.requests);
      const costsBefore = await get<Costs>('/costs');
      const usageBefore = await get<Usage>('/usage');
      const [month, day] = [thisMonth(), today()];
      expect(costsBefore.users[0]?.months.at(-1)).to.deep.equal({ month, spentUsd: billed, generatedCount: 2 });
      expect(usageBefore.users[0]).to.deep.include({ imageCount: 2, costUsd: billed, last30Days: { generatedCount: 2, spentUsd: billed } });
      expect(usageBefore.daily[0]).to.deep.equal({ day, generatedCount: 2, spentUsd: billed });
      expect(await get<GenerationSummary>('/generations/summary')).to.deep.equal({ imageCount: 2, costUsd: billed });

      expect((await api(`/generations/${deleted}`, { method: 'DELETE' })).status).to.equal(204);

      const costsAfter = await get<Costs>('/costs');
      const usageAfter = await get<Usage>('/usage');
      expect(costsAfter.users[0]).to.deep.include({ imageCount: 1, costUsd: billed, months: costsBefore.users[0]?.months, budget: costsBefore.users[0]?.budget });
      expect(costsAfter.total).to.deep.equal({ imageCount: 1, costUsd: billed });
      expect(usageAfter.users[0]).to.deep.include({ imageCount: 1, costUsd: billed, last30Days: { generatedCount: 2, spentUsd: billed } });
      expect(usageAfter.users[0]?.byModel).to.deep.equal({ pro: { imageCount: 1, costUsd: billedFor(server.fake.requests[0]!) }, flash: { imageCount: 0, costUsd: billedFor(server.fake.requests[1]!) } });
      expect(usageAfter.daily).to.deep.equal(usageBefore.daily);
      // The summary counts what exists now: what the kept image cost.
      expect(await get<GenerationSummary>('/generations/summary')).to.deep.equal({ imageCount: 1, costUsd: billedFor(server.fake.requests[0]!) });
      expect((await get<GenerationPage>('/generations')).generations.map((g) => g.name)).to.deep.equal([kept]);
    });

    it('deletes an image, its thumbnail and its record, but not the spend', async () => {
      const name = await generate('to delete');
      const deleted = await api(`/generations/${name}`, { method: 'DELETE' });
      expect(deleted.status).to.equal(204);
      expect((await fetch(`${server.url}/i/${name}`)).status).to.equal(404);
      expect((await fetch(`${server.url}/i/${name.replace('.png', '.thumb.webp')}`)).status).to.equal(404);
      expect((await get<GenerationPage>('/generations')).generations).to.deep.equal([]);
      const left = (await server.stored()).filter((f) => /\.(png|webp)$/.test(f) || f.startsWith('generations/') || /^[0-9a-f]{32}\.json$/.test(f));
      expect(left).to.deep.equal([]);
      expect((await get<Costs>('/costs')).total).to.deep.equal({ imageCount: 0, costUsd: billedFor(server.fake.requests[0]!) });
      expect((await api(`/generations/${name}`, { method: 'DELETE' })).status).to.equal(404);
    });

    it('gives the months asked for, oldest first with the current one last, quiet months as zero', async () => {
      await generate('this month');
      const billed = billedFor(server.fake.requests[0]!);
      const three = await get<Costs>('/costs?months=3');
      expect(three.months).to.have.length(3);
      expect(three.months.at(-1)).to.equal(thisMonth());
      expect([...three.months].sort()).to.deep.equal(three.months);
      expect(three.users[0]?.months).to.deep.equal([
        { month: three.months[0], spentUsd: 0, generatedCount: 0 },
        { month: three.months[1], spentUsd: 0, generatedCount: 0 },
        { month: thisMonth(), spentUsd: billed, generatedCount: 1 },
      ]);
      expect((await get<Costs>('/costs')).months).to.have.length(12);
      expect((await get<Costs>('/costs?months=24')).users[0]?.months).to.have.length(24);
    });

    it('reports usage per user and per day to an admin', async () => {
      await generate('recent', { model: 'pro' });
      const usage = await get<Usage>('/usage');
      expect(usage.users).to.have.length(1);
      expect(usage.users[0]).to.deep.include({ email: LOCAL_CALLER.email, imageCount: 1, last30Days: { generatedCount: 1, spentUsd: billedFor(server.fake.requests[0]!) } });
      expect(usage.daily).to.have.length(14);
      expect(usage.daily[0]).to.deep.include({ day: today(), generatedCount: 1 });
      expect(usage.daily[1]).to.deep.include({ generatedCount: 0, spentUsd: 0 });
    });

    it('answers bad input with a JSON error saying what is accepted, and changes nothing', async () => {
      const name = await generate('stays');
      const cases: [string, RequestInit | undefined, number, RegExp][] = [
        ['/generations?limit=500', undefined, 400, /limit is at most 100/],
        ['/generations?limit=abc', undefined, 400, /limit must be a whole number from 1 to 100/],
        ['/generations?cursor=garbage', undefined, 400, /cursor is not valid/],
        [`/generations?q=${'x'.repeat(201)}`, undefined, 400, /q \(the words to find\) is at most 200 characters/],
        ['/generations?model=dall-e', undefined, 400, /model must be one of flash, pro, lite/],
        ['/generations/summary?size=8K', undefined, 400, /size must be one of 512, 1K, 2K, 4K/],
        ['/generations?from=2026-02-30', undefined, 400, /from must be a real date written YYYY-MM-DD/],
        ['/generations/summary?to=yesterday', undefined, 400, /to must be a real date written YYYY-MM-DD/],
        ['/generations?from=2026-11-02&to=2026-11-01', undefined, 400, /from \(2026-11-02\) must not be after to \(2026-11-01\)/],
        ['/generations?q=a&q=b', undefined, 400, /q must be given once/],
        ['/costs?months=0', undefined, 400, /months must be a whole number from 1 to 24/],
        ['/costs?months=25', undefined, 400, /months must be a whole number from 1 to 24/],
        ['/costs?months=1.5', undefined, 400, /months must be a whole number from 1 to 24/],
        ['/generations/..%2Fprefs.json', undefined, 404, /No image titled/],
        ['/generations/0123456789abcdef0123456789abcdef.png', undefined, 404, /No image titled/],
        ['/generations/..%2Fprefs.json', { method: 'DELETE' }, 404, /No image titled/],
        ['/generations/0123456789abcdef0123456789abcdef.json', { method: 'DELETE' }, 404, /No image titled/],
        ['/nope', undefined, 404, /No such API endpoint/],
        ['/me/default-model', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"model":' }, 400, /not valid JSON/],
      ];
      for (const [path, init, status, message] of cases) {
        const res = await api(path, init);
        expect(res.status, path).to.equal(status);
        const body = await json<{ error: string; message: string }>(res);
        expect(body.message, path).to.match(message);
        if (status === 400) expect(body.error, path).to.equal('invalid_argument');
      }
      expect((await get<GenerationPage>('/generations')).generations.map((g) => g.name)).to.deep.equal([name]);
      expect((await get<Costs>('/costs')).total.imageCount).to.equal(1);
    });

    it('sums a search’s images to the cent of what each cost', async () => {
      await generate('red fox');
      await generate('red fox at night', { image_size: '2K' });
      await generate('a heron');
      const [fox, night] = server.fake.requests;
      expect(await get<GenerationSummary>('/generations/summary?q=RED%20fox')).to.deep.equal({ imageCount: 2, costUsd: addUsd(billedFor(fox!), billedFor(night!)) });
      expect(await get<GenerationSummary>('/generations/summary?size=2K')).to.deep.equal({ imageCount: 1, costUsd: billedFor(night!) });
      expect(await get<GenerationSummary>(`/generations/summary?from=${today()}&to=${today()}&model=pro`)).to.deep.equal({ imageCount: 0, costUsd: 0 });
    });
  });
}
