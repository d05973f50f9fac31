import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ImageName } from '../../server/core/names.js';
import { startTestServer, type TestServer } from '../e2e/harness.js';
import { keepScreenshot, launchChromium, pageErrors } from '../support/chromium.js';

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

describe('the upload page in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
  });
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('uploads the chosen photo under its strict CSP and shows the title to give Claude', async () => {
    const client = await server.connect();
    const url = /http:\/\/\S+\/upload\/\S+/.exec(textOf(await client.callTool({ name: 'upload_reference', arguments: {} })))?.[0];
    if (!url) throw new Error('no link');
    const page = await browser.newPage();
    const errors = pageErrors(page);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(url);
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c84' } }).jpeg().toBuffer();
    await page.getByLabel('Photo').setInputFiles({ name: 'dog.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Upload' }).click();
    const title = await page.locator('#status code').textContent({ timeout: 10_000 });
    expect(title).to.match(/^[0-9a-f]{32}\.ref\.png$/);
    await keepScreenshot(page, 'upload-page-done');
    expect(await server.records.getUpload(title as ImageName)).to.include({ originalType: 'jpeg', width: 300, height: 200 });
    expect(errors).to.deep.equal([]);
    expect(violations).to.deep.equal([]);

    // The same link again: the page says it is used.
    await page.goto(url);
    expect(await page.locator('h1').textContent()).to.equal('This upload link cannot be used');
    expect(await page.locator('p').textContent()).to.match(/used already/);
  });

  it('shows why a file was refused, and the link still takes another', async () => {
    const client = await server.connect();
    const url = /http:\/\/\S+\/upload\/\S+/.exec(textOf(await client.callTool({ name: 'upload_reference', arguments: {} })))?.[0];
    if (!url) throw new Error('no link');
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByLabel('Photo').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('just some text') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#status.error').waitFor({ timeout: 10_000 });
    expect(await page.locator('#status').textContent()).to.match(/not a photo this server accepts/);
    const photo = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#48c' } }).png().toBuffer();
    await page.getByLabel('Photo').setInputFiles({ name: 'ok.png', mimeType: 'image/png', buffer: photo });
    await page.getByRole('button', { name: 'Upload' }).click();
    expect(await page.locator('#status code').textContent({ timeout: 10_000 })).to.match(/\.ref\.png$/);
  });
});
