/** The dashboard at /ui on a server started with sign-in disabled (IMG_AUTH_DISABLED=1), as in the original. */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import type { ImageName } from '../../server/core/names.js';
import { startTestServer, type TestServer } from '../e2e/harness.js';
import { keepScreenshot, launchChromium, pageErrors } from '../support/chromium.js';
import { emulatorDashboard } from '../support/dashboard-build.js';

describe('dashboard at /ui with sign-in disabled', function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: Browser;
  let dashboardDir: string;

  before(async () => {
    dashboardDir = await emulatorDashboard();
    server = await startTestServer({ dashboardDir });
    const client = await server.connect();
    await client.callTool({ name: 'generate_image', arguments: { prompt: 'a paper boat on a puddle' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows everything to the local user without asking anyone to sign in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${server.url}/ui`);
    expect(new URL(page.url()).pathname).to.equal('/ui/');
    await page.locator('image-tile').first().waitFor();
    expect(await page.locator('image-tile a').getAttribute('aria-label')).to.equal('a paper boat on a puddle');
    expect(await page.locator('image-tile').count()).to.equal(1);
    expect(await page.getByText('local mode: sign-in is off').count()).to.equal(1);
    expect(await page.getByRole('button', { name: /Sign (in|out)/ }).count()).to.equal(0);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('table', { name: 'Usage per user' }).waitFor();
    await keepScreenshot(page, 'local-ui-usage');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('uploads a reference photo on the Photos page, its thumbnail shown under the page’s content security policy', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/ui/#/photos`);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 90, b: 200 } } }).png().toBuffer();
    await page.getByLabel('Choose photos…').setInputFiles({ name: 'boat.png', mimeType: 'image/png', buffer: png });
    const thumbnail = page.locator('upload-card img');
    await thumbnail.waitFor();
    const naturalWidth = await thumbnail.evaluate(async (img) => {
      const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
      await image.decode().catch(() => undefined);
      return image.naturalWidth;
    });
    expect(naturalWidth, 'the thumbnail loaded').to.be.above(0);
    const title = (await page.locator('upload-card code').textContent()) ?? '';
    expect(title).to.match(/^[0-9a-f]{32}\.ref\.png$/);
    expect((await server.records.getUpload(title as ImageName))?.width).to.equal(64);
    expect(violations).to.deep.equal([]);
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('caches hashed assets for good and revalidates the page, under a strict content security policy', async () => {
    const page = await fetch(`${server.url}/ui/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('cache-control')).to.equal('no-cache');
    expect(page.headers.get('content-security-policy')).to.include("default-src 'self'").and.include("frame-ancestors 'none'");
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).to.be.a('string');
    const asset = await fetch(`${server.url}/ui/${script}`);
    expect(asset.status).to.equal(200);
    expect(asset.headers.get('cache-control')).to.include('immutable');
    // Compressed as Hosting would (fetch asks for br and gzip, and unpacks the answer itself).
    expect(asset.headers.get('content-encoding')).to.be.oneOf(['br', 'gzip']);
    expect(asset.headers.get('vary')).to.match(/accept-encoding/i);
    const gzip = await rawGet(`${server.url}/ui/${script}`, 'gzip');
    const plain = await rawGet(`${server.url}/ui/${script}`, 'identity');
    expect(gzip.encoding).to.equal('gzip');
    expect(plain.encoding).to.equal(undefined);
    expect(gzip.bytes, 'bytes sent gzipped').to.be.below(plain.bytes / 2);
    // Nothing outside the dashboard's directory is reachable.
    expect((await fetch(`${server.url}/ui/%2e%2e/package.json`)).status).to.be.oneOf([403, 404]);
  });
});

/** The bytes on the wire (fetch would unpack them) and their encoding. */
function rawGet(url: string, acceptEncoding: string): Promise<{ bytes: number; encoding?: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': acceptEncoding } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ bytes, ...(response.headers['content-encoding'] ? { encoding: response.headers['content-encoding'] } : {}) }));
    }).on('error', reject);
  });
}

describe('/ui before the dashboard is built', () => {
  it('says how to build it', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'no-dashboard-'));
    const server = await startTestServer({ dashboardDir: empty });
    try {
      const response = await fetch(`${server.url}/ui/`);
      expect(response.status).to.equal(404);
      expect(await response.text()).to.include('npm run build');
    } finally {
      await server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
