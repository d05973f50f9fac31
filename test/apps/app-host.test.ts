/**
 * The viewer and the gallery in headless Chromium, inside a test host built on the SDK's own
 * host side (AppBridge, test-host-page.ts): the app's HTML from resources/read in a sandboxed
 * iframe under the CSP built from what the resource declares, the protocol over postMessage,
 * the app's tool calls forwarded to the real server (Gemini faked, noisy images so that the
 * sizes are realistic). Screenshots: app-viewer, app-gallery.
 */
import { expect } from 'chai';
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
import type { Browser, FrameLocator } from 'playwright-core';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { GALLERY_URI, VIEWER_URI } from '../../server/mcp/apps/app-meta.js';
import type { McpUiResourceMeta } from '@modelcontextprotocol/ext-apps';
import { sampleRecord } from '../contract/record-store.contract.js';
import { startTestServer, type TestServer } from '../e2e/harness.js';
import { keepScreenshot, launchChromium } from '../support/chromium.js';
import { connectModern } from './app-clients.js';
import { openTestHost, type TestHost } from './test-host.js';

const MAX_RESULT_CHARS = 100_000;
const BOB = 'bob@example.com';
const HOST_CONTEXT = { theme: 'dark' as const, displayMode: 'inline' as const, locale: 'en-GB', platform: 'web' as const };

/** The value once it passes `ok`, or the last one read after 10 s (the assertion after it then says what was wrong). */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function appResource(client: Client, uri: string): Promise<{ html: string; ui: McpUiResourceMeta }> {
  const read = await client.readResource({ uri });
  const content = read.contents[0] as unknown as { text: string; _meta: { ui: McpUiResourceMeta } };
  return { html: content.text, ui: content._meta.ui };
}

describe('MCP Apps in a test host (Chromium)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let client: Client;
  let browser: Browser;
  let host: TestHost | undefined;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  /** A server of its own for each group, so that each knows every image there is. */
  function withServer() {
    before(async () => {
      server = await startTestServer({ noisyImages: true, toolWaitMs: 1500 });
      client = await connectModern(`${server.url}/mcp`, { apps: true });
    });
    after(async () => {
      await client?.close();
      await server?.close();
    });
  }
  afterEach(async function () {
    if (host) {
      for (const call of host.calls) expect(call.chars, `${call.name} result`).to.be.below(MAX_RESULT_CHARS);
      expect(host.problems, 'errors and CSP violations in the page').to.deep.equal([]);
      await host.close();
      host = undefined;
    }
  });

  async function open(uri: string): Promise<{ frame: FrameLocator }> {
    const { html, ui } = await appResource(client, uri);
    host = await openTestHost(browser, client, { html, csp: ui.csp ?? {}, hostContext: HOST_CONTEXT });
    return { frame: host.page.frameLocator('iframe') };
  }

  describe('the viewer', () => {
    withServer();
    let generated: CallToolResult;
    let title: string;
    before(async () => {
      generated = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a red fox in fresh snow, watercolor', aspect_ratio: '16:9', image_size: '2K' } }));
      title = (generated.structuredContent as { title: string }).title;
    });

    it('shows the generated image larger than the chat preview, with its title, model, size and cost', async () => {
      const { frame } = await open(VIEWER_URI);
      await host!.sendToolInput({ prompt: 'a red fox in fresh snow, watercolor', aspect_ratio: '16:9', image_size: '2K' });
      await host!.sendToolResult(generated);
      const image = frame.locator('#viewer-figure img');
      await image.waitFor();
      expect(await image.getAttribute('src')).to.match(/^data:image\/jpeg;base64,/);
      expect(await image.getAttribute('alt')).to.include('a red fox in fresh snow');
      const naturalWidth = await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      expect(naturalWidth, 'wider than the 512 px preview').to.be.above(512);
      expect(await until(() => frame.locator('#viewer-title').textContent(), (v) => v === title)).to.equal(title);
      const details = (await frame.locator('#viewer-details').textContent()) ?? '';
      expect(details).to.include('flash').and.include('2K').and.include('16:9').and.match(/\$0\.\d+/);
      // The app asked for the larger image itself, through the app-only tool.
      expect(host!.calls.map((c) => c.name)).to.deep.equal(['image_view']);
      await host!.settled();
      await keepScreenshot(host!.page, 'app-viewer');
      expect(await host!.accessibilityProblems(), 'axe-core on the viewer').to.deep.equal([]);
    });

    it('asks the host to download the full-size PNG, to put "use as reference" in the chat and to open the share page', async () => {
      const { frame } = await open(VIEWER_URI);
      await host!.sendToolInput({ image: title });
      // image_info's result has no structured content: the viewer goes by the tool input.
      await host!.sendToolResult((await client.callTool({ name: 'image_info', arguments: { image: title } })));
      await frame.locator('#viewer-figure img').waitFor();
      await host!.settled();

      const clickAndWait = async (button: string, kind: 'download' | 'message' | 'open-link') => {
        await frame.getByRole('button', { name: button }).click();
        const events = await until(() => host!.events(kind), (list) => list.length > 0);
        expect(events, `${button}: ${await frame.locator('#viewer-status').textContent()}`).to.have.length(1);
      };
      await clickAndWait('Download full size', 'download');
      await clickAndWait('Use as reference', 'message');
      await clickAndWait('Open share page', 'open-link');

      const [download] = await host!.events('download');
      expect(download?.params).to.deep.equal({
        contents: [{ type: 'resource_link', uri: `${server.url}/i/${title}`, name: title, title, mimeType: 'image/png' }],
      });
      const [message] = await host!.events('message');
      expect(message?.params).to.deep.equal({ role: 'user', content: [{ type: 'text', text: `Use the image titled "${title}" as a reference for: ` }] });
      const [link] = await host!.events('open-link');
      expect(link?.params).to.deep.equal({ url: `${server.url}/v/${title}` });
      // The downloaded link is the image itself.
      const png = await fetch(`${server.url}/i/${title}`);
      expect(png.headers.get('content-type')).to.equal('image/png');
    });

    it('shows a photo the user uploaded, from image_info, with "use as reference" and no download or share page', async () => {
      const answer = await fetch(`${server.url}/api/uploads`, { method: 'POST', body: await server.images.read(title as never, 'image'), headers: { 'content-type': 'image/png' } });
      const upload = ((await answer.json()) as { title: string }).title;
      expect(answer.status).to.equal(201);
      const { frame } = await open(VIEWER_URI);
      await host!.sendToolInput({ image: upload });
      await host!.sendToolResult(await client.callTool({ name: 'image_info', arguments: { image: upload } }));
      const image = frame.locator('#viewer-figure img');
      await image.waitFor();
      expect(await image.getAttribute('src')).to.match(/^data:image\/webp;base64,/);
      expect(await frame.locator('#viewer-title').textContent()).to.equal(upload);
      expect(await frame.locator('#viewer-details').textContent()).to.include('a photo you uploaded');
      expect(await frame.getByRole('button', { name: 'Download full size' }).isDisabled()).to.equal(true);
      expect(await frame.getByRole('button', { name: 'Open share page' }).isDisabled()).to.equal(true);
      await frame.getByRole('button', { name: 'Use as reference' }).click();
      const [message] = await until(() => host!.events('message'), (list) => list.length > 0);
      expect(message?.params).to.deep.equal({ role: 'user', content: [{ type: 'text', text: `Use the image titled "${upload}" as a reference for: ` }] });
      // Nothing was asked of image_view: an upload is shown from image_info's own answer.
      expect(host!.calls).to.deep.equal([]);
    });

    it('says an image is still generating, and shows it once it is done', async () => {
      server.fake.failNext({ kind: 'delay', ms: 4000 });
      const slow = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow harbour at dawn' } }));
      expect((slow.structuredContent as { status: string }).status).to.equal('generating');
      const { frame } = await open(VIEWER_URI);
      await host!.sendToolResult(slow);
      expect(await until(() => frame.locator('#viewer-figure').textContent(), (v) => v === 'Still generating…')).to.equal('Still generating…');
      expect(await frame.getByRole('button', { name: 'Download full size' }).isDisabled()).to.equal(true);
      await frame.locator('#viewer-figure img').waitFor({ timeout: 15_000 });
      expect(await frame.getByRole('button', { name: 'Download full size' }).isEnabled()).to.equal(true);
      expect(host!.calls.map((c) => c.name).every((name) => name === 'image_view')).to.equal(true);
    });

    it('says so when the tool failed, and calls nothing', async () => {
      const { frame } = await open(VIEWER_URI);
      await host!.sendToolResult({ content: [{ type: 'text', text: 'prompt is empty: describe the image to generate' }], isError: true });
      expect(await until(() => frame.locator('#viewer-status').textContent(), (v) => !!v?.includes('prompt is empty'))).to.include('prompt is empty');
      expect(host!.calls).to.deep.equal([]);
    });
  });

  describe('the gallery', () => {
    withServer();
    const own: string[] = [];
    let generating = '';
    before(async () => {
      // 20 images of the local user (one a walrus), one of Bob's, and one still generating.
      const made = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'pixels to share' } }));
      const pixelsOf = (made.structuredContent as { title: string }).title;
      const pixels = { png: await server.images.read(pixelsOf as never, 'image'), thumbnail: await server.images.read(pixelsOf as never, 'thumbnail') };
      await server.records.remove(pixelsOf as never);
      for (let i = 0; i < 20; i++) {
        const record = sampleRecord({
          email: LOCAL_CALLER.email,
          prompt: i === 3 ? 'a walrus on the ice at noon' : `harbour study number ${i}`,
          createdAt: new Date(Date.UTC(2026, 10, 1, 12, i)).toISOString(),
        });
        await server.images.save(record.name, pixels);
        await server.records.commit(record);
        own.unshift(record.name);
      }
      const bobs = sampleRecord({ email: BOB, prompt: 'bob’s secret birthday card', createdAt: new Date(Date.UTC(2026, 10, 2)).toISOString() });
      await server.images.save(bobs.name, pixels);
      await server.records.commit(bobs);
      server.fake.failNext({ kind: 'delay', ms: 20_000 });
      const slow = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow lighthouse at dusk' } }));
      generating = (slow.structuredContent as { title: string; status: string }).title;
      expect((slow.structuredContent as { status: string }).status).to.equal('generating');
    });

    it('pages through the caller’s own images, newest first with the generating one marked, and searches by prompt', async () => {
      const { frame } = await open(GALLERY_URI);
      await host!.sendToolInput({});
      await host!.sendToolResult((await client.callTool({ name: 'browse_images', arguments: {} })));
      const tiles = frame.locator('#grid button.tile');
      await frame.getByRole('button', { name: 'Show more' }).waitFor();
      const firstPage = await tiles.evaluateAll((nodes) => nodes.map((n) => (n as unknown as { dataset: { title: string } }).dataset.title));
      expect(firstPage[0], 'the generating one on top').to.equal(generating);
      expect(firstPage.slice(1)).to.deep.equal(own.slice(0, 16));
      expect(await frame.getByRole('button', { name: /^Generating a slow lighthouse at dusk$/ }).count()).to.equal(1);
      expect(await frame.locator('#grid img.thumb').first().getAttribute('src')).to.match(/^data:image\/webp;base64,/);
      await host!.settled();
      await keepScreenshot(host!.page, 'app-gallery');
      expect(await host!.accessibilityProblems(), 'axe-core on the gallery').to.deep.equal([]);

      await frame.getByRole('button', { name: 'Show more' }).click();
      expect(await until(() => frame.getByRole('button', { name: 'Show more' }).isHidden(), (hidden) => hidden)).to.equal(true);
      await frame.locator('#grid button.tile').nth(20).waitFor();
      const all = await tiles.evaluateAll((nodes) => nodes.map((n) => (n as unknown as { dataset: { title: string } }).dataset.title));
      expect(all).to.deep.equal([generating, ...own]);
      expect(await frame.locator('#gallery-status').textContent()).to.equal('21 images.');

      await frame.getByLabel('Search prompts').fill('walrus');
      await frame.getByRole('button', { name: 'Search', exact: true }).click();
      expect(await until(() => frame.locator('#gallery-status').textContent(), (v) => v === '1 image.')).to.equal('1 image.');
      expect(await tiles.count()).to.equal(1);
      expect(host!.calls.map((c) => [c.name, c.args])).to.deep.equal([
        ['browse_images_page', {}],
        ['browse_images_page', { cursor: host!.calls[1]!.args.cursor }],
        ['browse_images_page', { query: 'walrus' }],
      ]);
    });

    it('opens the viewer on a click (keyboard too) and goes back to the same tile', async () => {
      const { frame } = await open(GALLERY_URI);
      await host!.sendToolInput({ query: 'walrus' });
      const tile = frame.getByRole('button', { name: 'a walrus on the ice at noon' });
      await tile.waitFor();
      await host!.settled();
      await tile.focus();
      await host!.page.keyboard.press('Enter');
      await frame.locator('#viewer-figure img').waitFor();
      await host!.settled();
      expect(await until(() => frame.locator('#viewer-title').textContent(), (v) => v === own[16])).to.equal(own[16]);
      await frame.getByRole('button', { name: '← Back to your images' }).click();
      expect(await until(() => tile.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement), (focused) => focused), 'focus back on the tile').to.equal(true);
      expect(host!.calls.map((c) => c.name)).to.deep.equal(['browse_images_page', 'image_view']);
    });
  });

});
