import { expect } from 'chai';
import sharp from 'sharp';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { buildCatalogue } from '../../server/core/models.js';
import { AppError } from '../../server/errors.js';
import { WriteOutcomeUnknownError, type RecordStore } from '../../server/records/record-store.js';
import type { ImageName } from '../../server/core/names.js';
import { expectedDimensions } from '../fakes/gemini-fake.js';
import { CLIENT_KINDS, type ClientKind, type McpTestClient } from '../support/mcp-clients.js';
import { STORE_KINDS, type StoreKind } from '../support/store-kits.js';
import { billedFor } from '../support/models.js';
import { formatUsd } from '../../server/core/models.js';
import { startTestServer, type TestServer } from './harness.js';

type Content = CallToolResult['content'][number];

function textOf(result: CallToolResult): string {
  return result.content.filter((c): c is Extract<Content, { type: 'text' }> => c.type === 'text').map((c) => c.text).join('\n');
}
function imageOf(result: CallToolResult): Extract<Content, { type: 'image' }> {
  const image = result.content.find((c): c is Extract<Content, { type: 'image' }> => c.type === 'image');
  if (!image) throw new Error(`no image in result: ${textOf(result)}`);
  return image;
}
function titleOf(result: CallToolResult): string {
  const match = /"([0-9a-f]{32}\.png)"/.exec(textOf(result));
  if (!match?.[1]) throw new Error(`no title in: ${textOf(result)}`);
  return match[1];
}

/** Every client on the local stores; the cloud stores through today's client. */
const MATRIX: { store: StoreKind; kind: ClientKind }[] = [...CLIENT_KINDS.map((kind) => ({ store: 'local' as const, kind })), { store: 'cloud', kind: '2026-07-28' }];

for (const { store, kind } of MATRIX) {
  describe(`generate_image over MCP for a ${kind} client on the ${store} stores (Gemini fake)`, () => {
    let server: TestServer;
    let client: McpTestClient;
    const call = async (args: Record<string, unknown>) => client.callTool({ name: 'generate_image', arguments: args });

    beforeEach(async () => {
      server = await startTestServer({ store });
      client = await server.connect({ kind });
    });
    afterEach(async () => {
      await server.close();
    });

    it('lists the tools with a schema that says what each parameter is for', async () => {
      const { tools } = await client.listTools();
      // Those only the MCP Apps call (test/apps) are hidden from the model by the hosts that render apps.
      const forModel = tools.filter((t) => (t._meta?.ui as { visibility?: string[] } | undefined)?.visibility?.includes('model') ?? true);
      expect(forModel.map((t) => t.name).sort()).to.deep.equal(['browse_images', 'generate_image', 'help', 'image_info', 'list_images', 'list_uploads', 'upload_reference']);
      const generate = tools.find((t) => t.name === 'generate_image')!;
      const props = generate.inputSchema.properties as Record<string, { description?: string; enum?: string[] }>;
      expect(Object.keys(props).sort()).to.deep.equal(['aspect_ratio', 'image_size', 'model', 'prompt', 'reference_images']);
      expect(generate.inputSchema.required).to.deep.equal(['prompt']);
      expect(props.image_size?.enum).to.deep.equal(['512', '1K', '2K', '4K']);
      expect(props.aspect_ratio?.enum).to.include.members(['1:1', '16:9', '21:9', '9:16', '1:8', '8:1']);
      expect(props.model?.description).to.match(/ONLY when the user explicitly asked/);
      expect(generate.annotations).to.include({ readOnlyHint: false, openWorldHint: true });
      expect(generate.outputSchema?.properties).to.include.keys('title', 'url', 'share_url', 'cost_usd');
    });

    it('speaks the revision it should', () => {
      expect(client.protocolVersion).to.equal(kind === '2026-07-28' ? '2026-07-28' : '2025-11-25');
    });

    it('generates, stores and serves an image, answering with a small preview and the links', async () => {
      const result = await call({ prompt: 'a red fox in snow', aspect_ratio: '16:9', image_size: '2K' });
      expect(result.isError, textOf(result)).to.not.equal(true);
      const name = titleOf(result);

      const preview = imageOf(result);
      expect(preview.mimeType).to.equal('image/jpeg');
      const previewMeta = await sharp(Buffer.from(preview.data, 'base64')).metadata();
      expect(Math.max(previewMeta.width, previewMeta.height)).to.be.at.most(512);
      expect(preview.data.length).to.be.below(1024 * 1024);

      const text = textOf(result);
      expect(text.split('\n')[0]).to.equal(`[Full-size image (${expectedDimensions('16:9', '2K').width}×${expectedDimensions('16:9', '2K').height} PNG)](${server.url}/i/${name})`);
      expect(text).to.include(`${server.url}/v/${name}`);
      // What Gemini billed for this answer: its reported tokens at Nano Banana 2.1's rates.
      const billed = billedFor(server.fake.requests[0]!);
      expect(billed).to.be.within(0.05, 0.06); // 1,680 image tokens at $30 per million, and a few more
      expect(text).to.include('flash (Nano Banana 2.1, gemini-nano-banana-2.1)').and.include('2K').and.include('16:9').and.include(formatUsd(billed));
      expect(text).to.not.match(/[A-Za-z0-9+/]{200,}/); // no base64 outside the image block
      expect(result.structuredContent).to.deep.equal({
        title: name,
        status: 'done',
        url: `${server.url}/i/${name}`,
        share_url: `${server.url}/v/${name}`,
        ...expectedDimensions('16:9', '2K'),
        image_size: '2K',
        aspect_ratio: '16:9',
        model: 'flash',
        model_id: 'gemini-nano-banana-2.1',
        cost_usd: billed,
      });
      // Every client here speaks 2025-06-18 or later, which has resource links.
      expect(result.content.find((c) => c.type === 'resource_link')).to.deep.include({ uri: `${server.url}/i/${name}`, name, mimeType: 'image/png' });

      const served = await fetch(`${server.url}/i/${name}`);
      expect(served.status).to.equal(200);
      expect(served.headers.get('content-type')).to.equal('image/png');
      const png = Buffer.from(await served.arrayBuffer());
      expect(await sharp(png).metadata()).to.include({ format: 'png', ...expectedDimensions('16:9', '2K') });

      const sent = server.fake.requests[0]!;
      expect(sent.model).to.equal('gemini-nano-banana-2.1');
      expect(sent.body.generationConfig?.imageConfig).to.deep.equal({ aspectRatio: '16:9', imageSize: '2K' });

      const record = await server.records.get(name as never);
      expect(record).to.include({ email: LOCAL_CALLER.email, prompt: 'a red fox in snow', modelAlias: 'flash', modelId: 'gemini-nano-banana-2.1', imageSize: '2K', aspectRatio: '16:9', costUsd: billed });
      expect(record?.usage.totalTokens).to.equal(sent.answer?.usage.totalTokenCount);
      expect(record?.usage.imageOutputTokens).to.equal(sent.answer?.usage.candidatesTokensDetails.find((d) => d.modality === 'IMAGE')?.tokenCount);
      expect(await server.records.totals(LOCAL_CALLER.email)).to.include({ imageCount: 1, costUsd: billed });

      const thumb = await fetch(`${server.url}/i/${name.replace('.png', '.thumb.webp')}`);
      expect(thumb.headers.get('content-type')).to.equal('image/webp');
      const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect(Math.max(thumbMeta.width, thumbMeta.height)).to.be.at.most(320);
    });

    it('sends an earlier generation to Gemini when it is named as a reference, by title or link', async () => {
      const first = titleOf(await call({ prompt: 'a quiet harbour' }));
      const stored = await server.images.read(first as ImageName, 'image');
      const second = await call({ prompt: 'the same harbour at night', reference_images: [`${server.url}/v/${first}?ref=1`] });
      expect(second.isError, textOf(second)).to.not.equal(true);

      const parts = server.fake.requests[1]!.body.contents?.[0]?.parts ?? [];
      expect(parts[0]?.text).to.equal('the same harbour at night');
      expect(parts[1]?.inlineData?.mimeType).to.equal('image/png');
      expect(Buffer.from(parts[1]?.inlineData?.data ?? '', 'base64').equals(stored)).to.equal(true);
      expect((await server.records.get(titleOf(second) as never))?.referenceNames).to.deep.equal([first]);
    });

    it("uses the user's saved default model unless the call names one", async () => {
      await server.records.setPrefs(LOCAL_CALLER.email, { defaultModel: 'pro' });
      await call({ prompt: 'a default-model picture' });
      await call({ prompt: 'an explicit flash picture', model: 'gemini-3.1-flash-image' });
      expect(server.fake.requests.map((r) => r.model)).to.deep.equal(['gemini-3-pro-image', 'gemini-3.1-flash-image']);
    });

    it('generates with lite, the fastest model, at its price', async () => {
      const result = await call({ prompt: 'twenty quick variants, first one', model: 'lite' });
      expect(result.isError, textOf(result)).to.not.equal(true);
      const billed = billedFor(server.fake.requests[0]!);
      expect(billed).to.be.within(0.0336, 0.04); // 1,120 image tokens at $30 per million, and a few more
      expect(textOf(result)).to.include('lite (Nano Banana 2 Lite, gemini-3.1-flash-lite-image)').and.include(formatUsd(billed));
      expect(server.fake.requests.map((r) => r.model)).to.deep.equal(['gemini-3.1-flash-lite-image']);
      expect(await server.records.totals(LOCAL_CALLER.email)).to.deep.include({ imageCount: 1, costUsd: billed });
    });

    it('makes a 512 px draft with the flash model that makes them, at its price', async () => {
      const result = await call({ prompt: 'a quick thumbnail sketch', image_size: '512', aspect_ratio: '1:8' });
      expect(result.isError, textOf(result)).to.not.equal(true);
      expect(server.fake.requests.map((r) => r.model)).to.deep.equal(['gemini-3.1-flash-image']);
      // 747 image tokens at Nano Banana 2's $60 per million (its $0.045 list price), and a few more.
      const billed = billedFor(server.fake.requests[0]!);
      expect(billed).to.be.within(0.045, 0.05);
      expect(await server.records.get(titleOf(result) as never)).to.include({ modelAlias: 'flash', modelId: 'gemini-3.1-flash-image', imageSize: '512', costUsd: billed, ...expectedDimensions('1:8', '512') });
    });

    it('accepts the retired preview names and product names, and sends the ids Gemini serves now', async () => {
      for (const model of ['gemini-3-pro-image-preview', 'gemini-3.1-flash-image-preview', 'Nano Banana Pro']) {
        const result = await call({ prompt: `a picture by ${model}`, model });
        expect(result.isError, textOf(result)).to.not.equal(true);
      }
      expect(server.fake.requests.map((r) => r.model)).to.deep.equal(['gemini-3-pro-image', 'gemini-nano-banana-2.1', 'gemini-3-pro-image']);
    });

    it('moves to the next model when Gemini retires one while the server runs, and reads the line-up once otherwise', async () => {
      expect((await call({ prompt: 'before' })).isError).to.not.equal(true);
      expect((await call({ prompt: 'again' })).isError).to.not.equal(true);
      expect(server.fake.lookups.filter((l) => l.method === 'GET')).to.have.length(1);

      server.fake.retire('gemini-nano-banana-2.1');
      const after = await call({ prompt: 'after the retirement' });
      expect(after.isError, textOf(after)).to.not.equal(true);
      expect(server.fake.requests.map((r) => r.model)).to.deep.equal(['gemini-nano-banana-2.1', 'gemini-nano-banana-2.1', 'gemini-nano-banana-2.1', 'gemini-3.1-flash-image']);
      expect(await server.records.get(titleOf(after) as never)).to.include({ modelAlias: 'flash', modelId: 'gemini-3.1-flash-image', costUsd: billedFor(server.fake.requests.at(-1)!) });
      expect(server.fake.lookups).to.have.length(2); // read again at once after the NOT_FOUND

      const help = textOf(await client.callTool({ name: 'help', arguments: {} }));
      expect(help).to.include('flash: now Nano Banana 2 (gemini-3.1-flash-image)').and.include('512 $0.045');
    });

    it('names the alias, the ids tried and the variable to set when Gemini serves none of its models', async () => {
      server.fake.retire('gemini-nano-banana-2.1');
      server.fake.retire('gemini-3.1-flash-image');
      const result = await call({ prompt: 'nothing to draw with' });
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include('"flash"').and.include('gemini-nano-banana-2.1, gemini-3.1-flash-image').and.include('IMG_MODEL_FLASH');
      expect(server.fake.requests).to.have.length(0);
      expect(await server.stored()).to.deep.equal([]);
      expect((await call({ prompt: 'pro still works', model: 'pro' })).isError).to.not.equal(true);
    });

    it('sends progress notifications while Gemini works, when the client asks for them', async () => {
      server.fake.failNext({ kind: 'delay', ms: 400 });
      const messages: string[] = [];
      const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'slow' } }, { onprogress: (p) => messages.push(p.message ?? '') });
      expect(result.isError).to.not.equal(true);
      expect(messages.length).to.be.at.least(3);
      expect(messages.some((m) => m.startsWith('Generating a 1K 1:1 image with flash'))).to.equal(true);
      expect(messages.at(-1)).to.match(/^Saving the image/);
    });

    it('keeps totals equal to the sum of the records when generations finish at once', async () => {
      const sizes = ['1K', '2K', '4K', '1K', '2K', '1K'] as const;
      const results = await Promise.all(sizes.map((image_size, i) => call({ prompt: `picture ${i}`, image_size, model: i % 2 ? 'pro' : 'flash' })));
      const records = await Promise.all(results.map((r) => server.records.get(titleOf(r) as never)));
      const totals = await server.records.totals(LOCAL_CALLER.email);
      expect(totals.imageCount).to.equal(sizes.length);
      expect(totals.costUsd).to.be.closeTo(records.reduce((sum, r) => sum + r!.costUsd, 0), 1e-9);
      expect(totals.byModel.pro?.imageCount).to.equal(3);
      expect((await server.stored()).filter((f) => f.endsWith('.png'))).to.have.length(sizes.length);
    });

    it('keeps answering /health while a generation is in flight', async () => {
      server.fake.failNext({ kind: 'delay', ms: 800 });
      let generationDone = false;
      const pending = call({ prompt: 'slow' }).then(() => (generationDone = true));
      await new Promise((r) => setTimeout(r, 100));
      const health = await fetch(`${server.url}/health`);
      expect(await health.json()).to.deep.equal({ ok: true });
      expect(generationDone).to.equal(false);
      await pending;
    });

    describe('when Gemini fails', () => {
      const cases: { fault: Parameters<TestServer['fake']['failNext']>[0]; count?: number; message: RegExp }[] = [
        { fault: { kind: 'prompt-blocked', reason: 'SAFETY' }, message: /blocked the prompt.*SAFETY/i },
        { fault: { kind: 'image-safety' }, message: /withheld the image \(IMAGE_SAFETY/ },
        { fault: { kind: 'image-safety', finishReason: 'IMAGE_PROHIBITED_CONTENT' }, message: /withheld the image \(IMAGE_PROHIBITED_CONTENT/ },
        { fault: { kind: 'no-image', finishReason: 'IMAGE_OTHER' }, message: /no image \(IMAGE_OTHER: image generation stopped/ },
        { fault: { kind: 'no-image', text: 'I cannot draw that.' }, message: /no image.*I cannot draw that/i },
        { fault: { kind: 'http', status: 400, message: 'Unsupported aspect ratio' }, message: /rejected the request/i },
        { fault: { kind: 'http', status: 429 }, count: 3, message: /quota|rate limit/i },
        { fault: { kind: 'http', status: 503 }, count: 3, message: /unavailable|overloaded|try again/i },
        { fault: { kind: 'malformed' }, message: /gemini/i },
      ];
      for (const { fault, count, message } of cases) {
        it(`answers a clear error and stores nothing on ${JSON.stringify(fault)}`, async () => {
          server.fake.failNext(fault, count ?? 1);
          const result = await call({ prompt: 'a picture' });
          expect(result.isError).to.equal(true);
          expect(textOf(result)).to.match(message);
          expect(textOf(result)).to.not.include(server.fake.apiKey);
          // No image or record; an answer without an image (not a safety block) is billed for the
          // tokens Gemini reports, and says so: only the spend moves.
          const billed = fault.kind === 'no-image';
          expect(await server.stored()).to.deep.equal(billed && store === 'local' ? ['totals.json'] : []);
          if (billed) expect(textOf(result)).to.match(/Gemini still billed the tokens it processed/);
          expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(0);
          expect((await server.records.totals(LOCAL_CALLER.email)).costUsd > 0).to.equal(billed);
        });
      }

      it('answers a timeout error when Gemini does not answer in time', async () => {
        await server.close();
        server = await startTestServer({ store, geminiTimeoutMs: 300 });
        client = await server.connect({ kind });
        server.fake.failNext({ kind: 'timeout' });
        const result = await call({ prompt: 'a picture' });
        expect(result.isError).to.equal(true);
        expect(textOf(result)).to.match(/did not answer within/i);
        expect(server.fake.requests).to.have.length(1);
        expect(await server.stored()).to.deep.equal([]);
      });

      it('succeeds after a transient 503', async () => {
        server.fake.failNext({ kind: 'http', status: 503 });
        const result = await call({ prompt: 'a picture' });
        expect(result.isError, textOf(result)).to.not.equal(true);
        expect(server.fake.requests).to.have.length(2);
      });
    });

    describe('rejects bad input before calling Gemini, and writes nothing', () => {
      const id = '0123456789abcdef0123456789abcdef';
      const cases: { args: Record<string, unknown>; message: RegExp }[] = [
        { args: { prompt: '' }, message: /prompt is empty/ },
        { args: { prompt: '   ' }, message: /prompt is empty/ },
        { args: { prompt: 'x'.repeat(8001) }, message: /prompt is too long: at most 8000/ },
        { args: {}, message: /^prompt is required: describe the image to generate$/ },
        { args: { prompt: 42 }, message: /^prompt must be text: describe the image to generate$/ },
        { args: { prompt: 'a', image_size: 4 }, message: /^image_size must be one of 512, 1K, 2K, 4K$/ },
        { args: { prompt: 'a', reference_images: [7] }, message: /^reference_images\.0: Invalid input: expected string, received number$/ },
        { args: { prompt: 'a', aspect_ratio: '2:1' }, message: /aspect_ratio must be one of 1:1, 2:3/ },
        { args: { prompt: 'a', image_size: '8K' }, message: /image_size must be one of 512, 1K, 2K, 4K/ },
        { args: { prompt: 'a', model: 'pro', image_size: '512' }, message: /image_size 512 is not available with pro \(Nano Banana Pro, gemini-3-pro-image\); it makes 1K, 2K, 4K/ },
        { args: { prompt: 'a', model: 'lite', image_size: '2K' }, message: /image_size 2K is not available with lite \(Nano Banana 2 Lite, gemini-3\.1-flash-lite-image\); it makes 1K\./ },
        { args: { prompt: 'a', model: 'Nano Banana 2.1', image_size: '512' }, message: /image_size 512 is not available with flash \(Nano Banana 2\.1, gemini-nano-banana-2\.1\); it makes 1K, 2K, 4K/ },
        { args: { prompt: 'a', model: 'pro', aspect_ratio: '8:1' }, message: /aspect_ratio 8:1 is not available with pro \(Nano Banana Pro, gemini-3-pro-image\); it takes 1:1, 2:3/ },
        { args: { prompt: 'a', model: 'dall-e-3' }, message: /Unknown model "dall-e-3". Accepted: flash/ },
        { args: { prompt: 'a', reference_images: Array(15).fill(`${id}.png`) }, message: /at most 14 reference_images/ },
        { args: { prompt: 'a', reference_images: [`${id}.png`] }, message: /Reference image .* was not found/ },
        { args: { prompt: 'a', reference_images: [`${id}.json`] }, message: /not an image title/ },
        { args: { prompt: 'a', reference_images: [`../${id}.png`] }, message: /not an image title/ },
        { args: { prompt: 'a', reference_images: ['/etc/passwd'] }, message: /not an image title/ },
        { args: { prompt: 'a', reference_images: [`http://localhost/i/..%2F${id}.png`] }, message: /not a link to a generated image/ },
        { args: { prompt: 'a', reference_images: 'cat.png' }, message: /reference_images/ },
      ];
      for (const { args, message } of cases) {
        it(`says what was wrong for ${JSON.stringify(args).slice(0, 90)}`, async () => {
          const result = await call(args);
          expect(result.isError).to.equal(true);
          expect(textOf(result)).to.match(message).and.not.match(/validation error|Invalid arguments for tool/);
          expect(server.fake.requests).to.have.length(0);
          expect(await server.stored()).to.deep.equal([]);
        });
      }
    });
  });
}

for (const { store, kind } of MATRIX) {
  describe(`image_info and help tools for a ${kind} client on the ${store} stores`, () => {
    let server: TestServer;
    let client: McpTestClient;
    before(async () => {
      server = await startTestServer({ store, catalogue: buildCatalogue({ prices: { pro: { '4K': 0.31 } } }) });
      client = await server.connect({ kind });
    });
    after(async () => {
      await server.close();
    });

    it('image_info shows what was recorded, looked up by title or link', async () => {
      const generated = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a teapot', image_size: '4K', model: 'pro' } }));
      const name = titleOf(generated);
      const recorded = await server.records.get(name as never);
      for (const image of [name, `${server.url}/i/${name}`]) {
        const info = textOf((await client.callTool({ name: 'image_info', arguments: { image } })));
        expect(info).to.include('Prompt: a teapot').and.include('pro (gemini-3-pro-image)').and.include('4K').and.include(`Cost: ${formatUsd(recorded!.costUsd)}`);
      }
    });

    it('answers an unknown tool with the JSON-RPC error -32602, as the spec asks', async () => {
      const failure = await client.callTool({ name: 'make_video', arguments: {} }).then(
        () => undefined,
        (err: unknown) => err as { code?: number; message: string },
      );
      expect(failure?.code, failure?.message).to.equal(-32602);
      expect(failure?.message).to.include('make_video');
    });

    it('image_info says clearly when there is no such image', async () => {
      const result = (await client.callTool({ name: 'image_info', arguments: { image: 'ffffffffffffffffffffffffffffffff.png' } }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.match(/No image titled .* that you can see/);
    });

    it('help shows the live prices, including overrides', async () => {
      const help = textOf(await client.callTool({ name: 'help', arguments: {} }));
      expect(help).to.include('4K $0.310').and.include('flash: now Nano Banana 2.1 (gemini-nano-banana-2.1)').and.include('16:9');
    });
  });

}

for (const store of STORE_KINDS) {
  describe(`generate_image when the record cannot be written, on the ${store} stores`, () => {
    it('removes the stored image again and says nothing was saved', async () => {
      const server = await startTestServer({
        store,
        records: (store) =>
          Object.assign(Object.create(store) as typeof store, {
            finishJob: async () => {
              throw new Error('disk quota exceeded on /srv/images');
            },
          }),
      });
      try {
        const client = await server.connect();
        const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a boat' } }));
        expect(result.isError).to.equal(true);
        expect(textOf(result)).to.match(/could not be saved, so nothing was stored/);
        expect(textOf(result)).to.not.include('/srv/images');
        expect(server.fake.requests).to.have.length(1);
        expect(await server.stored()).to.deep.equal([]);
      } finally {
        await server.close();
      }
    });
  });
}

describe('generate_image on the cloud stores when Cloud Storage fails', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ store: 'cloud' });
  });
  afterEach(async () => server.close());

  for (const pathIncludes of ['thumbs/', 'images/']) {
    it(`answers a clear error and keeps no object or record when the upload to ${pathIncludes} fails`, async () => {
      server.gcs!.failNext({ method: 'POST', pathIncludes, status: 503 });
      const client = await server.connect();
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a boat' } }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.equal('The image was generated but could not be saved, so nothing was stored. Please try again.');
      expect(await server.stored()).to.deep.equal([]);
      expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(0);
    });
  }
});

describe('generate_image when the record write has an unknown outcome', () => {
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  type Write = 'lands late' | 'fails late' | 'lands, answer lost' | 'lost';
  /** The record store's final write as a frozen or flaky store behaves: late, or with its answer lost. */
  const flakyCommit = (write: Write) => (store: RecordStore) =>
    Object.assign(Object.create(store) as RecordStore, {
      finishJob: async (record: Parameters<RecordStore['finishJob']>[0]) => {
        if (write === 'lands late' || write === 'fails late') {
          await later(300);
          if (write === 'fails late') throw new Error('permission denied upstream');
          return store.finishJob(record);
        }
        if (write === 'lands, answer lost') await store.finishJob(record);
        throw new WriteOutcomeUnknownError();
      },
    });

  const cases: { write: Write; kept: boolean }[] = [
    { write: 'lands late', kept: true },
    { write: 'fails late', kept: false },
    { write: 'lands, answer lost', kept: true },
    { write: 'lost', kept: false },
  ];
  for (const { write, kept } of cases) {
    it(`says the outcome is unknown and how to find the image, and ${kept ? 'keeps' : 'then removes'} it when the write ${write === 'lost' ? 'never landed' : write}`, async () => {
      const server = await startTestServer({ records: flakyCommit(write), recordDeadlineMs: 50 });
      try {
        const client = await server.connect();
        const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow boat' } });
        expect(result.isError).to.equal(true);
        const name = titleOf(result);
        expect(textOf(result)).to.include('not yet known whether it was saved and counted').and.include(`call image_info with "${name}"`).and.include(`${server.url}/i/${name}`);
        expect(textOf(result)).to.not.match(/nothing was stored|try again/i);
        expect((await server.stored()).filter((f) => f.endsWith('.png'))).to.deep.equal([name]); // kept while the write may land
        await later(450);
        const pngs = (await server.stored()).filter((f) => f.endsWith('.png'));
        expect(pngs).to.deep.equal(kept ? [name] : []);
        expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(kept ? 1 : 0);
        if (kept) {
          const info = await client.callTool({ name: 'image_info', arguments: { image: name } });
          expect(textOf(info)).to.include('Prompt: a slow boat');
        }
      } finally {
        await server.close();
      }
    });
  }
});

describe('generate_image when the record store fails before Gemini is called', () => {
  it('says nothing was generated, so nothing was spent', async () => {
    const server = await startTestServer({
      records: (store) =>
        Object.assign(Object.create(store) as RecordStore, {
          prefs: () => Promise.reject(new AppError('UNAVAILABLE', 'The record store is temporarily unavailable. Please try again in a moment.')),
        }),
    });
    try {
      const client = await server.connect();
      const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a boat' } });
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.equal('The record store is temporarily unavailable. Please try again in a moment. Nothing was generated, so nothing was spent.');
      expect(server.fake.requests).to.have.length(0);
      expect(await server.stored()).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });
});
