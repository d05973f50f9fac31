/**
 * Generations as jobs, through real MCP clients against the Gemini fake: a generation past the
 * tool's wait is answered in time and found later; a client that leaves mid-generation still
 * gets a stored image from one Gemini call; identical concurrent calls share one; a caller who
 * leaves before Gemini is called spends nothing; monthly budgets refuse before Gemini.
 */
import { expect } from 'chai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { monthOf } from '../../server/core/budget.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import type { ImageStore } from '../../server/images/image-store.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';

const textOf = (result: CallToolResult) => result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Nano Banana 2 at 1K: $0.067 list price, 1,120 image tokens. */
const NANO_BANANA_2 = { model: 'gemini-3.1-flash-image', image_size: '1K' };

for (const store of STORE_KINDS) {
  describe(`generation jobs on the ${store} stores`, () => {
    let server: TestServer;
    afterEach(async () => server?.close());

    it('answers a generation past the wait in time, not as an error, and image_info finds it later', async () => {
      server = await startTestServer({ store, toolWaitMs: 300 });
      server.fake.failNext({ kind: 'delay', ms: 4000 });
      const client = await server.connect();
      const started = Date.now();
      const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow lighthouse' } });
      expect(Date.now() - started, 'answered after the wait, long before Gemini').to.be.below(2500);
      expect(result.isError).to.not.equal(true);
      const title = (result.structuredContent as { title: string; status: string }).title;
      expect(result.structuredContent).to.include({ status: 'generating' });
      expect(textOf(result)).to.include('Still generating').and.include(`image_info with "${title}"`);

      const early = (await client.callTool({ name: 'image_info', arguments: { image: title } }));
      expect(early.isError).to.not.equal(true);
      expect(textOf(early)).to.include('still generating');

      let info: CallToolResult | undefined;
      for (let i = 0; i < 100 && !info?.content.some((c) => c.type === 'image'); i++) {
        await later(100);
        info = (await client.callTool({ name: 'image_info', arguments: { image: title } }));
      }
      expect(info?.content.some((c) => c.type === 'image'), 'the preview, once done').to.equal(true);
      expect(textOf(info!)).to.include(`Title: ${title}`);
      expect(server.fake.requests).to.have.length(1);
    });

    it('finishes, stores and records the image of a client that left mid-generation, from one Gemini call', async () => {
      server = await startTestServer({ store });
      server.fake.failNext({ kind: 'delay', ms: 800 });
      const client = await server.connect();
      const call = client.callTool({ name: 'generate_image', arguments: { prompt: 'an abandoned boat' } });
      call.catch(() => {});
      await later(300);
      await client.close(); // the client goes away while Gemini works
      let records: unknown[] = [];
      for (let i = 0; i < 100 && records.length === 0; i++) {
        await later(100);
        records = [...(await server.records.listByUser(LOCAL_CALLER.email, { limit: 10 })).records];
      }
      expect(records).to.have.length(1);
      expect(server.fake.requests).to.have.length(1);
      expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(1);
    });

    it('gives two identical concurrent calls one Gemini call and the same title', async () => {
      server = await startTestServer({ store });
      server.fake.failNext({ kind: 'delay', ms: 600 });
      const [a, b] = await Promise.all([server.connect(), server.connect()]);
      const args = { prompt: 'twin lighthouses', aspect_ratio: '16:9' };
      const first = a.callTool({ name: 'generate_image', arguments: args });
      await later(100);
      const [one, two] = await Promise.all([first, b.callTool({ name: 'generate_image', arguments: args })]);
      expect(one.isError).to.not.equal(true);
      expect(two.isError).to.not.equal(true);
      expect((two.structuredContent as { title: string }).title).to.equal((one.structuredContent as { title: string }).title);
      expect(textOf(two)).to.include('already generating');
      expect(server.fake.requests).to.have.length(1);
      // Once finished, the same call is a new image (a variation).
      const again = (await a.callTool({ name: 'generate_image', arguments: args }));
      expect((again.structuredContent as { title: string }).title).to.not.equal((one.structuredContent as { title: string }).title);
      expect(server.fake.requests).to.have.length(2);
    });

    it('stops a caller who leaves before Gemini is called: nothing is sent or spent', async () => {
      let slowReads = false;
      server = await startTestServer({
        store,
        // Reference images load slowly, so the client can leave before Gemini is called.
        images: (images: ImageStore) =>
          Object.assign(Object.create(images) as ImageStore, {
            read: async (...args: Parameters<ImageStore['read']>) => {
              if (slowReads) await later(1500);
              return images.read(...args);
            },
          }),
      });
      const client = await server.connect();
      const reference = ((await client.callTool({ name: 'generate_image', arguments: { prompt: 'a reference' } }))).structuredContent as { title: string };
      const spent = (await server.records.totals(LOCAL_CALLER.email)).costUsd;
      slowReads = true;
      const leaving = await server.connect();
      const call = leaving.callTool({ name: 'generate_image', arguments: { prompt: 'the same at night', reference_images: [reference.title] } });
      call.catch(() => {});
      await later(200);
      await leaving.close();
      await later(2500);
      expect(server.fake.requests, 'only the reference was generated').to.have.length(1);
      expect((await server.records.totals(LOCAL_CALLER.email)).costUsd).to.equal(spent);
      expect(await server.records.listGenerating(LOCAL_CALLER.email)).to.deep.equal([]);
    });

    it('stops a caller who leaves while waiting to retry: no further Gemini call, nothing spent', async () => {
      server = await startTestServer({ store });
      server.fake.failNext({ kind: 'http', status: 503, retryAfterSeconds: 2 });
      const leaving = await server.connect();
      const call = leaving.callTool({ name: 'generate_image', arguments: { prompt: 'a busy day' } });
      call.catch(() => {});
      await later(300);
      await leaving.close();
      await later(2500);
      expect(server.fake.requests, 'only the failed attempt').to.have.length(1);
      expect((await server.records.totals(LOCAL_CALLER.email)).costUsd).to.equal(0);
      expect(await server.records.listGenerating(LOCAL_CALLER.email)).to.deep.equal([]);
    });

    it('allows one $0.067 image under a $0.10 budget and refuses the next before Gemini, saying why', async () => {
      server = await startTestServer({ store, monthlyBudgetUsd: 0.1 });
      const client = await server.connect();
      server.fake.nextUsage({ imageOutputTokens: 1120 }); // exactly Nano Banana 2's 1K image: $0.0672
      const first = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'one', ...NANO_BANANA_2 } }));
      expect(first.isError).to.not.equal(true);
      expect(textOf(first)).to.include('this month $0.067 of $0.100 spent');
      const second = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'two', ...NANO_BANANA_2 } }));
      expect(second.isError).to.equal(true);
      const next = new Date();
      const resets = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
      expect(textOf(second)).to.include('$0.100').and.include('$0.067').and.include(resets).and.include('nothing was spent');
      expect(server.fake.requests).to.have.length(1);
      expect((await server.records.monthSpend(LOCAL_CALLER.email, monthOf(new Date().toISOString()))).spentUsd).to.equal(0.0672);
    });

    it('lets at most two of six concurrent $0.067 calls through a $0.20 budget', async () => {
      server = await startTestServer({ store, monthlyBudgetUsd: 0.2 });
      const clients = await Promise.all(Array.from({ length: 6 }, () => server.connect()));
      const results = await Promise.all(clients.map((c, i) => c.callTool({ name: 'generate_image', arguments: { prompt: `six ${i}`, ...NANO_BANANA_2 } })));
      const through = results.filter((r) => r.isError !== true);
      expect(through.length).to.be.at.most(2);
      expect(through.length).to.be.at.least(1);
      for (const refused of results.filter((r) => r.isError === true)) expect(textOf(refused)).to.include('monthly budget');
      expect(server.fake.requests).to.have.length(through.length);
    });

    it('records what Gemini billed: 3,000 image tokens on Nano Banana 2 cost $0.18, not the $0.067 list price', async () => {
      server = await startTestServer({ store });
      server.fake.nextUsage({ imageOutputTokens: 3000 });
      const client = await server.connect();
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a detailed map', ...NANO_BANANA_2 } }));
      const { title, cost_usd } = result.structuredContent as { title: string; cost_usd: number };
      expect(cost_usd).to.equal(0.18);
      expect(textOf(result)).to.include('$0.180');
      expect((await server.records.get(title as never))?.costUsd).to.equal(0.18);
      expect((await server.records.totals(LOCAL_CALLER.email)).costUsd).to.equal(0.18);
    });

    it('charges nothing for a safety block, and image_info says what became of it', async () => {
      server = await startTestServer({ store });
      server.fake.failNext({ kind: 'image-safety' });
      const client = await server.connect();
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'something blocked' } }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include('Nothing was stored or added to your spend');
      expect((await server.records.totals(LOCAL_CALLER.email)).costUsd).to.equal(0);
      expect((await server.records.monthSpend(LOCAL_CALLER.email, monthOf(new Date().toISOString())))).to.include({ spentUsd: 0, reservedUsd: 0 });
      expect(await server.records.listGenerating(LOCAL_CALLER.email)).to.deep.equal([]);
    });
  });
}
