/**
 * The pure parts of the MCP Apps: the origin Claude gives the views, how a request says whether
 * its client renders apps, and the picture budgets (on pure noise, JPEG's and WebP's worst case).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { claudeAppDomain } from '../../server/mcp/apps/app-domain.js';
import { uiSupportOf } from '../../server/mcp/apps/ui-support.js';
import { galleryThumbnail, THUMB_MAX_BYTES, VIEW_MAX_BYTES, viewImage } from '../../server/mcp/apps/view-images.js';
import { UI_CAPABILITIES } from './app-clients.js';

const noise = (width: number, height: number) => sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();

describe('claudeAppDomain', () => {
  it('is the first 32 hex characters of the sha256 of the exact MCP URL, under claudemcpcontent.com', () => {
    // printf %s https://example.com/mcp | sha256sum → c3d80a4ed901ee05b21755a88273b4a4bf0323a8…
    expect(claudeAppDomain('https://example.com/mcp')).to.equal('c3d80a4ed901ee05b21755a88273b4a4.claudemcpcontent.com');
  });

  it('changes with any change to the URL (a trailing slash, the scheme)', () => {
    const domains = new Set(['https://example.com/mcp', 'https://example.com/mcp/', 'http://example.com/mcp'].map(claudeAppDomain));
    expect(domains.size).to.equal(3);
  });
});

describe('uiSupportOf', () => {
  const envelope = (capabilities: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/clientCapabilities': capabilities } } });
  const initialize = (capabilities: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'c', version: '1' } } });

  it('says yes when a 2026-07-28 request or a 2025 initialize declares the extension with the app MIME type', () => {
    expect(uiSupportOf(envelope(UI_CAPABILITIES))).to.equal('yes');
    expect(uiSupportOf(initialize(UI_CAPABILITIES))).to.equal('yes');
  });

  it('says no when the client declares capabilities without it, or without the MIME type', () => {
    expect(uiSupportOf(envelope({}))).to.equal('no');
    expect(uiSupportOf(initialize({ sampling: {} }))).to.equal('no');
    expect(uiSupportOf(envelope({ extensions: { 'io.modelcontextprotocol/ui': {} } }))).to.equal('no');
    expect(uiSupportOf(envelope({ extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: 'text/html;profile=mcp-app' } } })), 'not a list').to.equal('no');
  });

  it('says unknown for a 2025-era request after initialize, and for bodies that are not one request', () => {
    expect(uiSupportOf({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).to.equal('unknown');
    expect(uiSupportOf({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'help', _meta: { progressToken: 1 } } })).to.equal('unknown');
    for (const body of [undefined, null, 'text', [initialize(UI_CAPABILITIES)]]) expect(uiSupportOf(body)).to.equal('unknown');
  });
});

describe('view pictures', function () {
  this.timeout(60_000);

  it('gives the viewer the largest JPEG within its budget, twice the 512 px preview even for a 4K noise image', async () => {
    const view = await viewImage(await noise(4096, 2304));
    expect(view.jpeg.length).to.be.at.most(VIEW_MAX_BYTES);
    expect(Math.max(view.width, view.height)).to.be.at.least(1024);
    const meta = await sharp(view.jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['jpeg', view.width, view.height]);
  });

  it('keeps an ordinary image at 1600 px', async () => {
    const smooth = await sharp({ create: { width: 2048, height: 2048, channels: 3, background: '#3a7bd5' } }).png().toBuffer();
    const view = await viewImage(smooth);
    expect([view.width, view.height]).to.deep.equal([1600, 1600]);
  });

  it('keeps gallery thumbnails within their cap, or leaves them out', async () => {
    const stored = await sharp(await noise(320, 320)).webp({ quality: 75 }).toBuffer();
    const thumb = await galleryThumbnail(stored);
    if (thumb) expect(thumb.length).to.be.at.most(THUMB_MAX_BYTES);
    const smooth = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#d57b3a' } }).webp().toBuffer();
    const small = await galleryThumbnail(smooth);
    expect((await sharp(small).metadata()).width).to.equal(160);
  });
});
