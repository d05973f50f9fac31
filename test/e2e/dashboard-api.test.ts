import { expect } from 'chai';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { monthResetsAt } from '../../server/core/budget.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';
import { billedFor, billedForAll } from '../support/models.js';

interface GenerationView {
  name: string;
  prompt: string;
  modelAlias: string;
  costUsd: number;
  imageUrl: string;
  thumbnailUrl: string;
}

for (const store of STORE_KINDS) {
  describe(`dashboard API with sign-in disabled, on the ${store} stores`, () => {
    let server: TestServer;
    const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api${path}`, init);
    const json = async <T>(res: Response) => (await res.json()) as T;

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
      const me = await json<{ email: string; isAdmin: boolean; defaultModel: string; mcpUrl: string; models: { alias: string; id: string; label: string; available: boolean; pricesUsd: Record<string, number> }[] }>(await api('/me'));
      expect(me).to.include({ email: LOCAL_CALLER.email, isAdmin: true, defaultModel: 'flash', mcpUrl: `${server.url}/mcp` });
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
      expect((await json<{ defaultModel: string }>(await api('/me'))).defaultModel).to.equal('pro');
    });

    it('pages the gallery newest first with thumbnails, and totals the costs', async () => {
      const names = [await generate('one'), await generate('two', { image_size: '2K' }), await generate('three', { model: 'pro' })];
      const first = await json<{ generations: GenerationView[]; nextCursor?: string }>(await api('/generations?limit=2'));
      expect(first.generations.map((g) => g.prompt)).to.deep.equal(['three', 'two']);
      expect(first.generations[0]?.thumbnailUrl).to.equal(`/i/${names[2]!.replace('.png', '.thumb.webp')}`);
      const thumb = await fetch(`${server.url}${first.generations[0]!.thumbnailUrl}`);
      expect(thumb.headers.get('content-type')).to.equal('image/webp');
      const second = await json<{ generations: GenerationView[]; nextCursor?: string }>(await api(`/generations?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`));
      expect(second.generations.map((g) => g.prompt)).to.deep.equal(['one']);
      expect(second.nextCursor).to.equal(undefined);

      const costs = await json<{ users: { email: string; imageCount: number; costUsd: number; budget: unknown; budgetSetting?: unknown }[]; total: { imageCount: number; costUsd: number } }>(await api('/costs'));
      // What Gemini billed for the three (flash 1K and 2K, pro 1K): about $0.034 + $0.050 + $0.134.
      const billed = billedForAll(server.fake.requests);
      expect(billed).to.be.within(0.218, 0.23);
      expect(costs.users.map(({ email, imageCount, costUsd }) => ({ email, imageCount, costUsd }))).to.deep.equal([{ email: LOCAL_CALLER.email, imageCount: 3, costUsd: billed }]);
      // Each row has the month's budget too (no limit on this server), and for an admin the user's own setting.
      const month = new Date().toISOString().slice(0, 7);
      expect(costs.users[0]).to.deep.include({
        budget: { limitUsd: null, spentUsd: costs.users[0]?.costUsd, reservedUsd: 0, month, resetsAt: monthResetsAt(month) },
        budgetSetting: 'default',
      });
      expect(costs.total).to.deep.equal({ imageCount: 3, costUsd: billed });
    });

    it('deletes an image, its thumbnail and its record, but not the spend', async () => {
      const name = await generate('to delete');
      const deleted = await api(`/generations/${name}`, { method: 'DELETE' });
      expect(deleted.status).to.equal(204);
      expect((await fetch(`${server.url}/i/${name}`)).status).to.equal(404);
      expect((await fetch(`${server.url}/i/${name.replace('.png', '.thumb.webp')}`)).status).to.equal(404);
      expect((await json<{ generations: unknown[] }>(await api('/generations'))).generations).to.deep.equal([]);
      const left = (await server.stored()).filter((f) => /\.(png|webp)$/.test(f) || f.startsWith('generations/') || /^[0-9a-f]{32}\.json$/.test(f));
      expect(left).to.deep.equal([]);
      expect((await json<{ total: { imageCount: number; costUsd: number } }>(await api('/costs'))).total).to.deep.equal({ imageCount: 1, costUsd: billedFor(server.fake.requests[0]!) });
      expect((await api(`/generations/${name}`, { method: 'DELETE' })).status).to.equal(404);
    });

    it('reports usage per user and per day to an admin', async () => {
      await generate('recent', { model: 'pro' });
      const usage = await json<{ users: { email: string; imageCount: number; last30Days: { imageCount: number }; byModel: Record<string, unknown> }[]; daily: { day: string; imageCount: number }[] }>(await api('/usage'));
      expect(usage.users).to.have.length(1);
      expect(usage.users[0]).to.deep.include({ email: LOCAL_CALLER.email, imageCount: 1, last30Days: { imageCount: 1, costUsd: billedFor(server.fake.requests[0]!) } });
      expect(usage.daily[0]).to.deep.include({ day: new Date().toISOString().slice(0, 10), imageCount: 1 });
    });

    it('answers bad input with a JSON error saying what is accepted', async () => {
      const cases: [string, RequestInit | undefined, number, RegExp][] = [
        ['/generations?limit=500', undefined, 400, /limit is at most 100/],
        ['/generations?limit=abc', undefined, 400, /limit/],
        ['/generations?cursor=garbage', undefined, 400, /cursor is not valid/],
        ['/generations/..%2Fprefs.json', { method: 'DELETE' }, 404, /No image titled/],
        ['/generations/0123456789abcdef0123456789abcdef.json', { method: 'DELETE' }, 404, /No image titled/],
        ['/nope', undefined, 404, /No such API endpoint/],
        ['/me/default-model', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"model":' }, 400, /not valid JSON/],
      ];
      for (const [path, init, status, message] of cases) {
        const res = await api(path, init);
        expect(res.status, path).to.equal(status);
        expect((await json<{ message: string }>(res)).message, path).to.match(message);
      }
    });
  });
}
