/**
 * The MCP Apps through real MCP clients: what a client that renders apps is offered (the tools'
 * `_meta.ui`, the views as resources with their CSP and domain, the tools only the views call),
 * what a text-only client is offered (everything as before the apps), that both get the same
 * answers from the tools they share, the result budget, and whose images the views may show.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult as CallToolResultV1 } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { GALLERY_URI, VIEWER_URI } from '../../server/mcp/apps/app-meta.js';
import type { GalleryPage } from '../../server/mcp/apps/browse-images-page-tool.js';
import type { ImageViewDetails } from '../../server/mcp/apps/image-view-tool.js';
import type { GenerationRecord } from '../../server/records/record-store.js';
import { connectModern, wireChars } from '../apps/app-clients.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import { connectMcp } from '../support/mcp-clients.js';
import { startTestServer, type TestServer } from './harness.js';
import { ADMIN, ALLOWED, connectWithSignIn, startOAuthServers, type OAuthTestServer } from './oauth-harness.js';

type CallToolResult = Awaited<ReturnType<Client['callTool']>>;
type ListedTool = Awaited<ReturnType<Client['listTools']>>['tools'][number];
const MAX_RESULT_CHARS = 100_000;
const BOB = 'bob@example.com';
const uiOf = (tool: ListedTool | undefined) => tool?._meta?.ui as { resourceUri?: string; visibility?: string[] } | undefined;
const titleOf = (result: { structuredContent?: unknown }) => (result.structuredContent as { title: string }).title;
const textOf = (result: CallToolResult | CallToolResultV1) => result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');

describe('MCP Apps over MCP', () => {
  let server: TestServer;
  let apps: Client;
  let textOnly: Client;
  before(async () => {
    server = await startTestServer({ noisyImages: true });
    apps = await connectModern(`${server.url}/mcp`, { apps: true });
    textOnly = await connectModern(`${server.url}/mcp`, { apps: false });
  });
  after(async () => {
    await apps?.close();
    await textOnly?.close();
    await server?.close();
  });

  describe('for a client that renders apps', () => {
    it('names the viewer on generate_image and image_info, the gallery on browse_images, and marks the views’ own tools app-only', async () => {
      const tools = new Map((await apps.listTools()).tools.map((t) => [t.name, t]));
      expect(uiOf(tools.get('generate_image'))).to.deep.equal({ resourceUri: VIEWER_URI });
      expect(uiOf(tools.get('image_info'))).to.deep.equal({ resourceUri: VIEWER_URI });
      expect(uiOf(tools.get('browse_images'))).to.deep.equal({ resourceUri: GALLERY_URI });
      expect(uiOf(tools.get('image_view'))).to.deep.equal({ resourceUri: VIEWER_URI, visibility: ['app'] });
      expect(uiOf(tools.get('browse_images_page'))).to.deep.equal({ resourceUri: GALLERY_URI, visibility: ['app'] });
      // Hosts from before 2026-01-26 read the flat key.
      expect(tools.get('generate_image')?._meta?.['ui/resourceUri']).to.equal(VIEWER_URI);
      expect(uiOf(tools.get('list_images')), 'list_images stays text').to.equal(undefined);
    });

    it('serves both views as self-contained HTML with the app MIME type, an empty CSP allow-list and Claude’s domain for this server', async () => {
      const listed = (await apps.listResources()).resources.map((r) => [r.uri, r.mimeType]);
      expect(listed).to.deep.equal([
        [VIEWER_URI, 'text/html;profile=mcp-app'],
        [GALLERY_URI, 'text/html;profile=mcp-app'],
      ]);
      const expectedDomain = `${createHash('sha256').update(`${server.url}/mcp`).digest('hex').slice(0, 32)}.claudemcpcontent.com`;
      for (const uri of [VIEWER_URI, GALLERY_URI]) {
        const [content] = (await apps.readResource({ uri })).contents as unknown as { uri: string; mimeType: string; text: string; _meta: { ui: Record<string, unknown> } }[];
        expect(content?.uri).to.equal(uri);
        expect(content?.mimeType).to.equal('text/html;profile=mcp-app');
        expect(content?._meta.ui).to.deep.equal({
          csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] },
          domain: expectedDomain,
          prefersBorder: true,
        });
        const html = content?.text ?? '';
        expect(html).to.match(/^<!doctype html>/);
        expect(html, 'nothing loaded from elsewhere').to.not.match(/\b(src|href)\s*=\s*["']?(https?:)?\/\/|@import|<link\b/i);
        expect(html).to.include(`data-mode="${uri === VIEWER_URI ? 'viewer' : 'gallery'}"`);
      }
    });

    it('gives the viewer the image far larger than the chat preview, with its details, under 100,000 characters even at 4K', async () => {
      const generated = await apps.callTool({ name: 'generate_image', arguments: { prompt: 'a harbour at night, 4K noise', image_size: '4K', aspect_ratio: '16:9' } });
      expect(wireChars(generated)).to.be.below(MAX_RESULT_CHARS);
      const view = await apps.callTool({ name: 'image_view', arguments: { image: titleOf(generated) } });
      expect(view.isError, textOf(view)).to.not.equal(true);
      expect(wireChars(view)).to.be.below(MAX_RESULT_CHARS);
      const details = view.structuredContent as ImageViewDetails;
      expect(details).to.include({ title: titleOf(generated), status: 'done', image_size: '4K', aspect_ratio: '16:9', model: 'flash', url: `${server.url}/i/${titleOf(generated)}` });
      const image = view.content.find((c) => c.type === 'image');
      const shown = await sharp(Buffer.from(image?.type === 'image' ? image.data : '', 'base64')).metadata();
      const preview = generated.content.find((c) => c.type === 'image');
      const previewMeta = await sharp(Buffer.from(preview?.type === 'image' ? preview.data : '', 'base64')).metadata();
      expect(shown.format).to.equal('jpeg');
      expect(shown.width, 'wider than the preview').to.be.above(previewMeta.width ?? 0);
    });

    it('answers image_view for an image that does not exist as image_info does', async () => {
      const view = await apps.callTool({ name: 'image_view', arguments: { image: '0123456789abcdef0123456789abcdef.png' } });
      expect(view.isError).to.equal(true);
      expect(textOf(view)).to.include('No image titled 0123456789abcdef0123456789abcdef.png');
    });
  });

  describe('for a client without the extension', () => {
    it('lists the tools without _meta and without the views’ own tools, and offers no resources', async () => {
      const tools = (await textOnly.listTools()).tools;
      expect(tools.map((t) => t.name).sort()).to.deep.equal(['browse_images', 'generate_image', 'help', 'image_info', 'list_images', 'list_uploads', 'upload_reference']);
      for (const tool of tools) expect(tool._meta, tool.name).to.equal(undefined);
      expect((await textOnly.listResources()).resources).to.deep.equal([]);
      let refused: unknown;
      await textOnly.readResource({ uri: VIEWER_URI }).catch((err: unknown) => (refused = err));
      expect(refused, 'no view to read').to.be.instanceOf(Error);
      const view = await textOnly.callTool({ name: 'image_view', arguments: { image: '0123456789abcdef0123456789abcdef.png' } }).catch((err: unknown) => err);
      expect(String(view)).to.include('Tool image_view not found');
    });

    it('gets the same answers from generate_image, image_info and list_images as a client that renders apps', async () => {
      const generated = await textOnly.callTool({ name: 'generate_image', arguments: { prompt: 'a lighthouse at dusk' } });
      expect(generated.content.map((c) => c.type)).to.deep.equal(['text', 'image', 'resource_link']);
      const title = titleOf(generated);
      expect(textOf(generated)).to.match(/^\[Full-size image \(\d+×\d+ PNG\)\]\(http/);
      const strip = (result: CallToolResult) => ({ content: result.content, structuredContent: result.structuredContent, isError: result.isError });
      for (const [name, args] of [
        ['image_info', { image: title }],
        ['list_images', { query: 'lighthouse' }],
      ] as const) {
        const [a, b] = await Promise.all([apps.callTool({ name, arguments: args }), textOnly.callTool({ name, arguments: args })]);
        expect(strip(b), name).to.deep.equal(strip(a));
      }
      // And so does a 2025-era client, which never says whether it renders apps.
      const legacy = await connectMcp('claude.ai', `${server.url}/mcp`);
      const info = await legacy.callTool({ name: 'image_info', arguments: { image: title } });
      expect(info.content).to.deep.equal((await textOnly.callTool({ name: 'image_info', arguments: { image: title } })).content);
    });

    it('answers browse_images with the newest images as text and a note about the gallery', async () => {
      const result = await textOnly.callTool({ name: 'browse_images', arguments: { query: 'lighthouse' } });
      const text = textOf(result);
      expect(text).to.match(/^Your images whose prompt contains "lighthouse", newest first:\n- [0-9a-f]{32}\.png: /);
      expect(text).to.include('this opened the gallery');
      expect(result.content.map((c) => c.type)).to.deep.equal(['text']);
    });
  });
});

describe('the gallery’s pages over MCP', () => {
  let server: TestServer;
  let apps: Client;
  const own: GenerationRecord[] = [];
  before(async () => {
    server = await startTestServer({ noisyImages: true });
    apps = await connectModern(`${server.url}/mcp`, { apps: true });
    // 20 of the local user's images with noisy thumbnails (the budget's worst case), one a walrus, and one of Bob's.
    const made = await apps.callTool({ name: 'generate_image', arguments: { prompt: 'pixels to share' } });
    const name = titleOf(made) as GenerationRecord['name'];
    const pixels = { png: await server.images.read(name, 'image'), thumbnail: await server.images.read(name, 'thumbnail') };
    await server.records.remove(name);
    for (let i = 0; i < 20; i++) {
      const record = sampleRecord({ email: LOCAL_CALLER.email, prompt: i === 7 ? 'a walrus on the ice' : `harbour study ${i}`, createdAt: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString() });
      await server.images.save(record.name, pixels);
      await server.records.commit(record);
      own.unshift(record);
    }
    const bobs = sampleRecord({ email: BOB, prompt: 'bob’s secret walrus' });
    await server.images.save(bobs.name, pixels);
    await server.records.commit(bobs);
  });
  after(async () => {
    await apps?.close();
    await server?.close();
  });
  const page = async (args: Record<string, unknown>) => {
    const result = await apps.callTool({ name: 'browse_images_page', arguments: args });
    expect(result.isError, textOf(result)).to.not.equal(true);
    expect(wireChars(result)).to.be.below(MAX_RESULT_CHARS);
    return result.structuredContent as GalleryPage;
  };

  it('pages through the caller’s own images newest first, with thumbnails inline, each page under 100,000 characters', async () => {
    const first = await page({});
    expect(first.images.map((i) => i.title)).to.deep.equal(own.slice(0, 16).map((r) => r.name));
    for (const image of first.images) expect(image.thumbnail).to.match(/^data:image\/webp;base64,/);
    expect(first.next_cursor).to.be.a('string');
    const second = await page({ cursor: first.next_cursor });
    expect(second.images.map((i) => i.title)).to.deep.equal(own.slice(16).map((r) => r.name));
    expect(second.next_cursor).to.equal(undefined);
  });

  it('searches prompts (of the caller’s images only, even for an admin)', async () => {
    const found = await page({ query: 'WALRUS' });
    expect(found.images.map((i) => i.title)).to.deep.equal([own[12]!.name]);
  });

  it('refuses a query too long, with the reason', async () => {
    const result = await apps.callTool({ name: 'browse_images_page', arguments: { query: 'x'.repeat(201) } });
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include('query is too long');
  });
});

describe('the views’ tools for signed-in users (OAuth)', () => {
  let server: OAuthTestServer;
  const allowed = [ALLOWED, BOB];
  before(async () => {
    server = await startOAuthServers({ instances: 1, allowed });
  });
  after(async () => server?.close());

  it('shows a user their own images only, hides others’ from image_view, and refuses a user off the allow-list', async () => {
    const ada = sampleRecord({ email: ALLOWED, prompt: 'ada’s fox' });
    const bobs = sampleRecord({ email: BOB, prompt: 'bob’s secret' });
    await server.kit.records.commit(ada);
    await server.kit.records.commit(bobs);
    server.google.nextIdentity({ email: ALLOWED });
    // A 2025-era client, as Claude.ai's connector: its tool calls do not say whether it renders apps, so the views' tools are there.
    const { client } = await connectWithSignIn(server.url);
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResultV1;

    const gallery = (await call('browse_images_page', {})).structuredContent as GalleryPage;
    expect(gallery.images.map((i) => i.title)).to.deep.equal([ada.name]);
    const others = await call('image_view', { image: bobs.name });
    expect(others.isError).to.equal(true);
    expect(textOf(others)).to.equal(`No image titled ${bobs.name} that you can see.`);

    allowed.splice(allowed.indexOf(ALLOWED), 1);
    for (const name of ['browse_images_page', 'image_view', 'browse_images']) {
      const refused = await call(name, name === 'image_view' ? { image: ada.name } : {});
      expect(refused.isError, name).to.equal(true);
      expect(textOf(refused), name).to.include(`signed in as ${ALLOWED}, which is not on`);
    }
    await client.close();
  });

  it('keeps an admin’s gallery to their own images', async () => {
    await server.kit.records.commit(sampleRecord({ email: ADMIN, prompt: 'root’s own' }));
    server.google.nextIdentity({ email: ADMIN });
    const { client } = await connectWithSignIn(server.url);
    const gallery = (await client.callTool({ name: 'browse_images_page', arguments: {} })).structuredContent as GalleryPage;
    expect(gallery.images.map((i) => i.prompt)).to.deep.equal(['root’s own']);
    await client.close();
  });
});
