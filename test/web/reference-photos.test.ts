/**
 * The dashboard's Photos page in headless Chromium, as on Firebase Hosting (see
 * dashboard-fixture.ts): uploading reference photos through the real file input to the real
 * server (Firestore and Auth emulators, the cloud image store), the server's refusals shown
 * next to their files, the list as cards with thumbnails fetched with the caller's token,
 * delete with its confirm step, privacy between users, an outage, the cap, phones and axe.
 *
 * The tests run in order and build on each other (the photo ada uploads first is the one she
 * generates with and later deletes): run the file whole.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { GenerationSummary, UploadList } from '../../server/api/api-types.js';
import { newUploadName, type ImageName } from '../../server/core/names.js';
import { ALLOWED } from '../e2e/oauth-harness.js';
import { googleIdToken } from '../support/auth-emulator.js';
import { type DashboardFixture, DESKTOP, expectAccessible, expectNoSidewaysScroll, focusedName, keepViewportScreenshot, PHONE, startDashboard } from './dashboard-fixture.js';

const ADA = ALLOWED;
const BOB = 'bob@example.com';
/** Keeps as many photos as one may: her upload control is off. */
const CAROL = 'carol@example.com';
const TITLE = /^[0-9a-f]{32}\.ref\.png$/;
const MB = 1024 * 1024;
/** The GPS IFD pointer (tag 0x8825, type LONG) in a little-endian EXIF block. */
const GPS_POINTER = Buffer.from([0x25, 0x88, 0x04, 0x00]);

/** A 800×600 JPEG of varied pixels (about 350 KB, so a throttled upload shows its progress), with a GPS position in its EXIF. */
async function dogJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(800 * 600 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = ((i * 7919) % 251) ^ (i >> 9);
  return sharp(raw, { raw: { width: 800, height: 600, channels: 3 } })
    .withExif({ IFD0: { Make: 'TestCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

describe('the Photos page in Chromium', function () {
  this.timeout(120_000);
  let fixture: DashboardFixture;
  /** Ada's first upload, through the page. */
  let dogTitle = '';

  async function apiAs(email: string, path: string, method = 'GET', body?: Buffer): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await googleIdToken(email)}` };
    // As the dashboard sends a file (api/client.ts apiUpload).
    if (body) headers['content-type'] = 'application/octet-stream';
    return fetch(`${fixture.front.url}/api${path}`, { method, headers, ...(body ? { body } : {}) });
  }
  async function apiJson<T>(email: string, path: string): Promise<T> {
    const response = await apiAs(email, path);
    expect(response.status, `GET ${path}`).to.equal(200);
    return (await response.json()) as T;
  }
  const serverTitles = async (email: string) => (await apiJson<UploadList>(email, '/uploads')).uploads.map((u) => u.title);
  const cardTitles = (page: Page) => page.locator('upload-card code').allInnerTexts();
  const photosAlert = (page: Page) => page.locator('reference-photos').getByRole('alert');
  const toast = (page: Page, text: string) => page.locator('toast-notice').getByText(text, { exact: true });
  /** Whether every card's thumbnail has loaded (natural width above 0). */
  const thumbnailsLoaded = (page: Page) =>
    page.locator('upload-card').evaluateAll((cards) =>
      // (The tests compile without the DOM's types, hence the cast.)
      cards.length > 0 &&
      cards.every((card) => {
        const img = (card as unknown as { shadowRoot: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).shadowRoot.querySelector('img');
        return Boolean(img && img.complete && img.naturalWidth > 0);
      }),
    );
  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  async function openPhotos(email: string, viewport: { width: number; height: number } = DESKTOP) {
    const opened = await fixture.openAs(email, { viewport, path: '/#/photos' });
    await opened.page.getByRole('heading', { name: 'My photos' }).waitFor();
    await opened.page.locator('reference-photos .count').waitFor();
    return opened;
  }
  const chooser = (page: Page) => page.getByLabel('Choose photos…');

  before(async () => {
    fixture = await startDashboard({ allowed: [ADA, BOB, CAROL] });
    await fixture.generateAs(ADA, [{ prompt: 'a meadow in the morning' }]);
  });
  after(async () => {
    await fixture?.close();
  });

  it('starts empty, says what photos are for, and is accessible on a laptop and a phone', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { context, page, errors } = await openPhotos(ADA, viewport);
      expect(await page.getByRole('link', { name: 'Photos', exact: true }).getAttribute('aria-current')).to.equal('page');
      expect(await page.locator('reference-photos .count').innerText()).to.equal('0 of 100 photos');
      await page.getByText('No photos yet').waitFor();
      const intro = await page.locator('reference-photos .intro').innerText();
      expect(intro).to.include('put my dog in this scene').and.include('cost nothing').and.include('only you can use or see them').and.include('location and other metadata are removed');
      expect(await chooser(page).isEnabled()).to.be.true;
      expect(await chooser(page).getAttribute('accept')).to.equal('image/png,image/jpeg,image/webp,image/heic,image/heif,.heic,.heif');
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `empty photos (${viewport.width} px)`);
      expect(errors).to.deep.equal([]);
      await context.close();
    }
  });

  it('uploads a JPEG through the file input with its progress, lists it first with its thumbnail, and keeps it out of the gallery and totals', async () => {
    const summaryBefore = await apiJson<GenerationSummary>(ADA, `/generations/summary?user=${encodeURIComponent(ADA)}`);
    const { context, page, errors } = await openPhotos(ADA);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.front.url });
    // A slow uplink (about 128 KB/s), so the progress of a 350 KB photo is there to see.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 128 * 1024 });
    const jpeg = await dogJpeg();
    expect((await sharp(jpeg).metadata()).exif?.includes(GPS_POINTER), 'the test photo has a GPS position').to.be.true;

    await chooser(page).setInputFiles({ name: 'dog.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    const progress = page.getByRole('progressbar', { name: 'Uploading dog.jpg' });
    await progress.waitFor();
    const seen = new Set<number>();
    while ((await progress.count()) > 0) {
      const value = await progress.evaluate((el) => (el as unknown as { value: number }).value).catch(() => undefined);
      if (value !== undefined) seen.add(Math.round(value * 100));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...seen].some((percent) => percent > 0 && percent < 100), `progress between 0 and 100%: ${[...seen].join(', ')}`).to.be.true;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    await page.locator('upload-card').first().waitFor();
    [dogTitle = ''] = await cardTitles(page);
    expect(dogTitle).to.match(TITLE);
    await toast(page, `Uploaded dog.jpg as ${dogTitle}`).waitFor();
    expect(await page.locator('reference-photos .queue').innerText()).to.include(`dog.jpg uploaded as ${dogTitle}`);
    expect(await page.locator('reference-photos .count').innerText()).to.equal('1 of 100 photos');
    await waitFor('the thumbnail', () => thumbnailsLoaded(page));
    expect(await page.locator('upload-card img').getAttribute('src')).to.match(/^blob:/);
    const card = await page.locator('upload-card article').innerText();
    expect(card).to.include('800 × 600 px · from JPEG');

    // The server has it, as the page says, with no location left in what it keeps.
    const [listed] = (await apiJson<UploadList>(ADA, '/uploads')).uploads;
    expect(listed).to.include({ title: dogTitle, width: 800, height: 600, originalType: 'jpeg' });
    expect(card).to.include(await page.evaluate<string>(`new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(${JSON.stringify(listed!.createdAt)}))`));
    const stored = await sharp(await fixture.servers.kit.images.read(dogTitle as ImageName, 'image')).metadata();
    expect(stored.exif, 'no EXIF (and so no GPS) in the stored photo').to.equal(undefined);

    // Copy title: the clipboard has exactly the title.
    await page.getByRole('button', { name: `Copy title ${dogTitle}` }).click();
    await toast(page, `Copied ${dogTitle}`).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).to.equal(dogTitle);

    // Not a generation: the gallery, its count and its cost are as they were.
    expect(await apiJson<GenerationSummary>(ADA, `/generations/summary?user=${encodeURIComponent(ADA)}`)).to.deep.equal(summaryBefore);
    await page.getByRole('link', { name: 'Images', exact: true }).click();
    await page.locator('image-tile').first().waitFor();
    expect(await page.locator('image-tile').count()).to.equal(1);
    expect(await page.locator('image-gallery').innerHTML()).to.not.include(dogTitle.slice(0, 32));
    expect(await page.locator('image-gallery .summary').innerText()).to.include('1 image');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('makes the uploaded title usable as a reference image in generate_image', async () => {
    const requestsBefore = fixture.servers.gemini.requests.length;
    const [name] = await fixture.generateAs(ADA, [{ prompt: 'put my dog in this scene', reference_images: [dogTitle] }]);
    const record = await fixture.servers.kit.records.get(name!);
    expect(record?.referenceNames).to.deep.equal([dogTitle]);
    // Gemini got the photo's pixels beside the prompt.
    const parts = fixture.servers.gemini.requests.slice(requestsBefore).at(-1)?.body.contents?.[0]?.parts ?? [];
    expect(parts.filter((p) => p.inlineData?.data).length).to.equal(1);
  });

  it('uploads several chosen files one after another, and a dropped one, newest first', async () => {
    const { context, page } = await openPhotos(ADA);
    const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#48c' } }).png().toBuffer();
    const webp = await sharp({ create: { width: 90, height: 120, channels: 3, background: '#c48' } }).webp().toBuffer();
    await chooser(page).setInputFiles([
      { name: 'blue.png', mimeType: 'image/png', buffer: png },
      { name: 'pink.webp', mimeType: 'image/webp', buffer: webp },
    ]);
    await page.locator('reference-photos .queue').getByText('pink.webp uploaded as').waitFor();

    // A file dropped on the upload area goes the same way.
    const green = await sharp({ create: { width: 60, height: 60, channels: 3, background: '#4a4' } }).png().toBuffer();
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      const bytes = Uint8Array.from(atob(${JSON.stringify(green.toString('base64'))}), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], 'green.png', { type: 'image/png' }));
      return transfer;
    })()`);
    const dropZone = page.locator('reference-photos section.upload');
    await dropZone.dispatchEvent('dragover', { dataTransfer });
    expect(await dropZone.getAttribute('class')).to.include('dragging');
    await dropZone.dispatchEvent('drop', { dataTransfer });
    await page.locator('reference-photos .queue').getByText('green.png uploaded as').waitFor();
    expect(await dropZone.getAttribute('class')).to.not.include('dragging');

    const titles = await cardTitles(page);
    expect(titles).to.have.length(4);
    expect(titles[3]).to.equal(dogTitle);
    const uploads = (await apiJson<UploadList>(ADA, '/uploads')).uploads;
    expect(uploads.map((u) => u.title)).to.deep.equal(titles);
    expect(uploads.map((u) => [u.originalType, u.width])).to.deep.equal([['png', 60], ['webp', 90], ['png', 120], ['jpeg', 800]]);
    expect(await page.locator('reference-photos .count').innerText()).to.equal('4 of 100 photos');
    await waitFor('four thumbnails', () => thumbnailsLoaded(page));
    await context.close();
  });

  it('shows the server’s refusal of a text file named photo.jpg next to it, and adds nothing', async () => {
    const before = await serverTitles(ADA);
    const { context, page } = await openPhotos(ADA);
    const text = Buffer.from('just some notes, not a photo at all');
    await chooser(page).setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: text });
    const refused = page.locator('reference-photos .queue li.refused').filter({ hasText: 'photo.jpg' });
    await refused.waitFor();
    // The server's own words: the same bytes sent straight to the API are refused with them.
    const direct = await apiAs(ADA, '/uploads', 'POST', text);
    expect(direct.status).to.equal(415);
    const { message } = (await direct.json()) as { message: string };
    expect(message).to.match(/photo/i);
    expect(await refused.getByRole('alert').innerText()).to.equal(message);
    expect(await refused.innerText()).to.include('photo.jpg: not uploaded');
    await keepViewportScreenshot(page, 'photos-refused');
    expect(await cardTitles(page)).to.deep.equal(before);
    expect(await serverTitles(ADA)).to.deep.equal(before);
    await context.close();
  });

  it('refuses a file over the size limit without sending it', async () => {
    const before = await serverTitles(ADA);
    const { context, page } = await openPhotos(ADA);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/api/uploads')) posts.push(request.url());
    });
    await chooser(page).setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(21 * MB, 0xff) });
    const refused = page.locator('reference-photos .queue li.refused').filter({ hasText: 'huge.jpg' });
    await refused.waitFor();
    expect(await refused.getByRole('alert').innerText()).to.equal('That file is 21 MB, more than the 20 MB a photo may be: choose a smaller photo, or export it at a lower resolution.');
    expect(posts).to.deep.equal([]);
    expect(await cardTitles(page)).to.deep.equal(before);
    expect(await serverTitles(ADA)).to.deep.equal(before);
    await context.close();
  });

  it('deletes a photo only once confirmed (keyboard too), from the page and the server', async () => {
    const { context, page } = await openPhotos(ADA);
    await page.locator('upload-card').nth(3).waitFor();
    const deleteButton = page.getByRole('button', { name: `Delete ${dogTitle}`, exact: true });

    // Keyboard: Enter asks, the safe answer has focus, Enter on it keeps the photo.
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    const keep = page.getByRole('button', { name: `No, keep ${dogTitle}` });
    await keep.waitFor();
    await keepViewportScreenshot(page, 'photos-delete-confirm');
    expect(await focusedName(page)).to.equal(`No, keep ${dogTitle}`);
    await page.keyboard.press('Enter');
    await deleteButton.waitFor();
    expect(await focusedName(page)).to.equal(`Delete ${dogTitle}`);
    expect(await cardTitles(page)).to.include(dogTitle);
    expect(await serverTitles(ADA)).to.include(dogTitle);

    // Mouse: Delete, then Yes.
    await deleteButton.click();
    await page.getByRole('button', { name: `Yes, delete ${dogTitle}` }).click();
    await toast(page, `Deleted ${dogTitle}`).waitFor();
    expect(await cardTitles(page)).to.not.include(dogTitle);
    expect(await cardTitles(page)).to.have.length(3);
    expect(await page.locator('reference-photos .count').innerText()).to.equal('3 of 100 photos');
    expect(await serverTitles(ADA)).to.not.include(dogTitle);
    expect((await apiAs(ADA, `/uploads/${dogTitle}/thumbnail`)).status).to.equal(404);
    await context.close();
  });

  it('shows another user none of the first user’s photos', async () => {
    const adaTitles = await serverTitles(ADA);
    expect(adaTitles).to.have.length(3);
    const { context, page } = await openPhotos(BOB);
    await page.getByText('No photos yet').waitFor();
    expect(await page.locator('reference-photos .count').innerText()).to.equal('0 of 100 photos');
    expect(await page.locator('upload-card').count()).to.equal(0);
    expect(await serverTitles(BOB)).to.deep.equal([]);
    for (const title of adaTitles) {
      expect((await apiAs(BOB, `/uploads/${title}/thumbnail`)).status, 'thumbnail').to.equal(404);
      expect((await apiAs(BOB, `/uploads/${title}`, 'DELETE')).status, 'delete').to.equal(404);
    }
    expect(await serverTitles(ADA)).to.deep.equal(adaTitles);
    await context.close();
  });

  it('shows an error with Retry when the list cannot load, and the photos once it can', async () => {
    const { context, page } = await fixture.openAs(ADA, { path: '/#/model' });
    await page.getByRole('heading', { name: 'My default model' }).waitFor();
    fixture.failReads = true;
    try {
      await page.getByRole('link', { name: 'Photos', exact: true }).click();
      await photosAlert(page).waitFor();
      expect(await photosAlert(page).innerText()).to.include('Something went wrong on the server');
      expect(await page.locator('upload-card').count()).to.equal(0);
      expect(await chooser(page).count(), 'no upload control without the list').to.equal(0);
    } finally {
      fixture.failReads = false;
    }
    await page.locator('reference-photos').getByRole('button', { name: 'Retry' }).click();
    await page.locator('upload-card').nth(1).waitFor();
    expect(await photosAlert(page).count()).to.equal(0);
    await waitFor('thumbnails', () => thumbnailsLoaded(page));
    await context.close();
  });

  it('fits a phone with photos, accessible at both sizes, and keeps screenshots', async () => {
    for (const [viewport, shot] of [[DESKTOP, 'photos'], [PHONE, 'photos-phone']] as const) {
      const { context, page, errors } = await openPhotos(ADA, viewport);
      await page.locator('upload-card').nth(1).waitFor();
      await waitFor('thumbnails', () => thumbnailsLoaded(page));
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `photos (${viewport.width} px)`);
      // Every button has a name of its own: Copy and Delete name their photo.
      const names = await page.locator('upload-card').getByRole('button').evaluateAll((buttons) => buttons.map((b) => (b as unknown as { ariaLabel: string | null }).ariaLabel));
      expect(names.every(Boolean), 'every card button named').to.be.true;
      expect(new Set(names).size).to.equal(names.length);
      await keepViewportScreenshot(page, shot);
      expect(errors).to.deep.equal([]);
      await context.close();
    }
  });

  it('turns the upload control off at the most photos one may keep, and on again after a delete', async () => {
    const { images, records } = fixture.servers.kit;
    const pixels = {
      png: await sharp({ create: { width: 64, height: 48, channels: 3, background: '#6a6' } }).png().toBuffer(),
      thumbnail: await sharp({ create: { width: 64, height: 48, channels: 3, background: '#6a6' } }).webp().toBuffer(),
    };
    const max = (await apiJson<UploadList>(CAROL, '/uploads')).maxUploads;
    await Promise.all(
      Array.from({ length: max }, async (_, i) => {
        const name = newUploadName();
        await images.save(name, pixels);
        await records.createUpload({ name, email: CAROL, createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), bytes: pixels.png.length, width: 64, height: 48, originalType: 'png' });
      }),
    );
    const { context, page } = await openPhotos(CAROL);
    expect(await page.locator('reference-photos .count').innerText()).to.equal(`${max} of ${max} photos`);
    expect(await chooser(page).isDisabled()).to.be.true;
    expect(await page.locator('reference-photos .full').innerText()).to.include(`You keep ${max} of ${max} photos`).and.include('delete some to upload more');

    const [first = ''] = await cardTitles(page);
    await page.getByRole('button', { name: `Delete ${first}`, exact: true }).click();
    await page.getByRole('button', { name: `Yes, delete ${first}` }).click();
    await toast(page, `Deleted ${first}`).waitFor();
    expect(await chooser(page).isEnabled()).to.be.true;
    expect(await page.locator('reference-photos .full').count()).to.equal(0);
    await context.close();
  });
});
