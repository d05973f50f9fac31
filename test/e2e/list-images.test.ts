/**
 * list_images through real MCP clients: newest first with generations still running on top,
 * paging that covers every image once, the prompt search (and where it stops), limits, and who
 * may see whose images (local admin, a signed-in non-admin, a user not on the allow-list).
 */
import { expect } from 'chai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import type { GenerationRecord } from '../../server/records/record-store.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import type { ClientKind, McpTestClient } from '../support/mcp-clients.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';
import { ALLOWED, ADMIN, connectWithSignIn, startOAuthServers, type OAuthTestServer } from './oauth-harness.js';

interface Listed {
  images: { title: string; status: 'done' | 'generating'; created_at: string; model: string; model_id: string; image_size: string; aspect_ratio: string; cost_usd?: number; url: string; prompt: string }[];
  next_cursor?: string;
}

const textOf = (result: CallToolResult) => result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BOB = 'bob@example.com';

/** Records at one-minute steps back from `start` (two share a time, so the tie-break by name is paged too). */
function records(count: number, email: string, prompt: (i: number) => string, start = Date.parse('2026-11-24T10:00:00.000Z')): GenerationRecord[] {
  return Array.from({ length: count }, (_, i) => sampleRecord({ email, prompt: prompt(i), createdAt: new Date(start - Math.max(0, i - 1) * 60_000).toISOString() }));
}
const newestFirst = (list: readonly GenerationRecord[]) =>
  [...list].sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.name < b.name ? 1 : -1)).map((r) => r.name);

for (const store of STORE_KINDS) {
  for (const kind of ['2026-07-28', '2025-11-25'] as const satisfies readonly ClientKind[]) {
    describe(`list_images for a ${kind} client on the ${store} stores`, () => {
      let server: TestServer;
      let client: McpTestClient;
      const list = async (args: Record<string, unknown> = {}) => (await client.callTool({ name: 'list_images', arguments: args }));
      const listed = (result: CallToolResult) => result.structuredContent as unknown as Listed;

      afterEach(async () => server?.close());
      async function start(options: { toolWaitMs?: number } = {}) {
        server = await startTestServer({ store, ...options });
        client = await server.connect({ kind });
      }

      it('is advertised read-only, with its arguments and output described', async () => {
        await start();
        const tool = (await client.listTools()).tools.find((t) => t.name === 'list_images');
        expect(tool?.annotations).to.include({ readOnlyHint: true });
        expect(Object.keys(tool?.inputSchema.properties ?? {}).sort()).to.deep.equal(['cursor', 'limit', 'query', 'user']);
        expect(tool?.inputSchema.required ?? []).to.deep.equal([]);
        expect(tool?.outputSchema?.properties).to.include.keys('images', 'next_cursor');
      });

      it('lists newest first with a generation still running on top, which later shows as done', async () => {
        await start({ toolWaitMs: 1000 });
        const first = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a quick fox' } }));
        const { title: done, cost_usd: cost } = first.structuredContent as { title: string; cost_usd: number };
        server.fake.failNext({ kind: 'delay', ms: 2500 });
        const slow = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow lighthouse', image_size: '2K', aspect_ratio: '16:9' } }));
        expect(slow.structuredContent).to.include({ status: 'generating' });
        const running = (slow.structuredContent as { title: string }).title;

        const during = await list();
        expect(during.isError, textOf(during)).to.not.equal(true);
        expect(listed(during).images.map((i) => [i.title, i.status])).to.deep.equal([[running, 'generating'], [done, 'done']]);
        expect(listed(during).images[0]).to.include({ image_size: '2K', aspect_ratio: '16:9', prompt: 'a slow lighthouse', url: `${server.url}/i/${running}` });
        expect(listed(during).images[0]).to.not.have.property('cost_usd');
        expect(listed(during).images[1]).to.include({ model: 'flash', model_id: 'gemini-nano-banana-2.1', cost_usd: cost, image_size: '1K', aspect_ratio: '1:1' });
        expect(listed(during).next_cursor).to.equal(undefined);
        const text = textOf(during);
        expect(text.indexOf(running)).to.be.below(text.indexOf(done));
        expect(text).to.include('generating').and.include(`$${cost.toFixed(3)}`).and.include(`${server.url}/i/${done}`).and.include('image_info');

        let after = during;
        for (let i = 0; i < 50 && listed(after).images[0]?.status !== 'done'; i++) {
          await later(100);
          after = await list();
        }
        expect(listed(after).images.map((i) => [i.title, i.status])).to.deep.equal([[running, 'done'], [done, 'done']]);
        expect(listed(after).images[0]?.cost_usd).to.be.a('number');
      });

      it('pages with the cursor through every image exactly once, newest first', async () => {
        await start();
        const mine = records(23, LOCAL_CALLER.email, (i) => `image ${i}`);
        for (const record of [...mine, ...records(5, BOB, (i) => `bob’s ${i}`)]) await server.records.commit(record);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await list({ limit: 7, ...(cursor ? { cursor } : {}) });
          expect(page.isError, textOf(page)).to.not.equal(true);
          const { images, next_cursor } = listed(page);
          seen.push(...images.map((i) => i.title));
          if (next_cursor) expect(textOf(page)).to.include(`cursor "${next_cursor}"`);
          else expect(textOf(page)).to.include('That is all');
          cursor = next_cursor;
          pages++;
        } while (cursor && pages < 10);
        expect(pages).to.equal(4);
        expect(seen).to.deep.equal(newestFirst(mine));
        // Bob's never appear in the local user's own list (only with user=, for an admin).
        expect(textOf(await list({ limit: 50 }))).to.not.include('bob’s');
      });

      it('keeps only images whose prompt contains the query, ignoring case, across pages', async () => {
        await start();
        const all = records(130, LOCAL_CALLER.email, (i) => (i % 10 === 3 ? `A LightHouse at dusk, number ${i}` : `a fox, number ${i}`));
        for (const record of all) await server.records.commit(record);
        const expected = newestFirst(all.filter((r) => r.prompt.includes('LightHouse')));
        const first = await list({ query: 'lighthouse', limit: 10 });
        expect(listed(first).images.map((i) => i.title)).to.deep.equal(expected.slice(0, 10));
        expect(listed(first).images.every((i) => i.prompt.includes('LightHouse'))).to.equal(true);
        expect(textOf(first)).to.include('whose prompt contains "lighthouse"').and.include('the same query');
        const second = await list({ query: 'lighthouse', limit: 10, cursor: listed(first).next_cursor });
        expect(listed(second).images.map((i) => i.title)).to.deep.equal(expected.slice(10));
        expect(listed(second).next_cursor).to.equal(undefined);

        const none = await list({ query: 'a zebra' });
        expect(none.isError).to.not.equal(true);
        expect(listed(none).images).to.deep.equal([]);
        expect(textOf(none)).to.include('none whose prompt contains "a zebra"');
      });

      it('refuses limits outside 1 to 50, bad cursors and long queries, saying what is accepted', async () => {
        await start();
        for (const [args, message] of [
          [{ limit: 0 }, 'limit must be a whole number from 1 to 50'],
          [{ limit: 51 }, 'limit must be a whole number from 1 to 50'],
          [{ limit: 2.5 }, 'limit must be a whole number from 1 to 50'],
          [{ cursor: 'garbage' }, 'cursor is not valid'],
          [{ query: 'x'.repeat(201) }, 'at most 200 characters'],
          [{ user: 'not an email' }, 'user must be an email address'],
        ] as const) {
          const result = await list(args);
          expect(result.isError, JSON.stringify(args)).to.equal(true);
          expect(textOf(result), JSON.stringify(args)).to.include(message);
        }
      });

      it("shows an admin another user's images with user=, and only theirs", async () => {
        await start();
        await server.records.commit(sampleRecord({ email: LOCAL_CALLER.email, prompt: 'mine' }));
        const bobs = records(3, BOB, (i) => `bob’s ${i}`);
        for (const record of bobs) await server.records.commit(record);
        const result = await list({ user: 'Bob@Example.com' });
        expect(result.isError, textOf(result)).to.not.equal(true);
        expect(listed(result).images.map((i) => i.title)).to.deep.equal(newestFirst(bobs));
        expect(textOf(result)).to.include(`Images of ${BOB}`).and.not.include('mine');
      });
    });
  }

  describe(`list_images answers on the ${store} stores`, () => {
    let server: TestServer;
    afterEach(async () => server?.close());

    it('stays far below 25,000 tokens at 50 images with the longest prompts', async () => {
      server = await startTestServer({ store });
      for (const record of records(55, LOCAL_CALLER.email, (i) => `${i} ${'a very long and detailed prompt '.repeat(250)}`.slice(0, 8000))) await server.records.commit(record);
      const client = await server.connect({ kind: 'claude.ai' });
      const result = (await client.callTool({ name: 'list_images', arguments: { limit: 50 } }));
      expect((result.structuredContent as unknown as Listed).images).to.have.length(50);
      const size = JSON.stringify(result).length;
      // Some 35,000 characters: under 10,000 tokens even at three characters a token (hex titles tokenize poorly).
      expect(size).to.be.below(36_000);
      expect(textOf(result).split('\n').filter((line) => line.startsWith('- '))).to.have.length(50);
    });
  });

  describe(`list_images for signed-in users on the ${store} stores`, () => {
    let server: OAuthTestServer;
    const allowed = [ALLOWED];
    beforeEach(async () => {
      allowed.splice(0, allowed.length, ALLOWED);
      server = await startOAuthServers({ store, instances: 1, allowed });
    });
    afterEach(async () => server.close());

    it("shows a user their own images only, and refuses user= for someone else's", async () => {
      const ada = sampleRecord({ email: ALLOWED, prompt: 'ada’s fox' });
      await server.kit.records.commit(ada);
      await server.kit.records.commit(sampleRecord({ email: BOB, prompt: 'bob’s secret' }));
      server.google.nextIdentity({ email: ALLOWED });
      const { client } = await connectWithSignIn(server.url);
      const call = async (args: Record<string, unknown>) => (await client.callTool({ name: 'list_images', arguments: args })) as CallToolResult;

      const own = await call({});
      expect((own.structuredContent as unknown as Listed).images.map((i) => i.title)).to.deep.equal([ada.name]);
      expect(textOf(own)).to.not.include('bob’s');
      expect((await call({ user: ALLOWED })).isError, 'their own address').to.not.equal(true);
      const refused = await call({ user: BOB });
      expect(refused.isError).to.equal(true);
      expect(textOf(refused)).to.include('Only admins can list another user’s images').and.not.include('bob’s');

      allowed.pop(); // off the list: the same refusal as every other tool
      const gone = await call({});
      expect(gone.isError).to.equal(true);
      expect(textOf(gone)).to.include(`signed in as ${ALLOWED}, which is not on`);
      await client.close();
    });

    it('lets a signed-in admin list another user', async () => {
      const ada = sampleRecord({ email: ALLOWED, prompt: 'ada’s fox' });
      await server.kit.records.commit(ada);
      server.google.nextIdentity({ email: ADMIN });
      const { client } = await connectWithSignIn(server.url);
      const result = (await client.callTool({ name: 'list_images', arguments: { user: ALLOWED } })) as CallToolResult;
      expect((result.structuredContent as unknown as Listed).images.map((i) => i.title)).to.deep.equal([ada.name]);
      await client.close();
    });
  });
}

describe('list_images searching many images (local stores)', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  it('stops a search after 1,000 images, says so, and goes on from the cursor', async () => {
    server = await startTestServer();
    const all = records(1050, LOCAL_CALLER.email, (i) => (i === 1040 ? 'the needle' : `hay ${i}`));
    for (const record of all) await server.records.commit(record);
    const client = await server.connect();
    const first = (await client.callTool({ name: 'list_images', arguments: { query: 'NEEDLE' } }));
    const page = first.structuredContent as unknown as Listed;
    expect(page.images).to.deep.equal([]);
    expect(page.next_cursor).to.be.a('string');
    expect(textOf(first)).to.include('Searched 1000 images without reaching the end').and.include(page.next_cursor!);
    const second = (await client.callTool({ name: 'list_images', arguments: { query: 'NEEDLE', cursor: page.next_cursor } }));
    expect((second.structuredContent as unknown as Listed).images.map((i) => i.prompt)).to.deep.equal(['the needle']);
    expect((second.structuredContent as unknown as Listed).next_cursor).to.equal(undefined);
  });
});
