/**
 * The dashboard's gallery, viewer and search in headless Chromium, as on Firebase Hosting
 * (dashboard-fixture.ts): sign-in through the Firebase Auth emulator, images made by real
 * generations through MCP (Gemini faked) and records committed straight to the store, on the
 * cloud stores. Screenshots of each view land in test-artifacts/screenshots/.
 *
 * The tests run in order, like one group's day: later ones build on what earlier ones did
 * (ada's default model, the image she deletes), so run the file whole, not one test alone.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { buildCatalogue } from '../../server/core/models.js';
import { newImageName, type ImageName } from '../../server/core/names.js';
import type { GenerationJob } from '../../server/records/record-store.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import { ADMIN, ALLOWED } from '../e2e/oauth-harness.js';
import { keepScreenshot } from '../support/chromium.js';
import {
  dashboardImageCost,
  dashboardUsd,
  expectAccessible,
  expectNoSidewaysScroll,
  focusedName,
  keepViewportScreenshot,
  PHONE,
  startDashboard,
  type DashboardFixture,
} from './dashboard-fixture.js';

const ADA = ALLOWED;
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const EVE = 'eve@example.com';

const POSTER = 'A poster in three lines:\nTitle: Harbour Days\nDate: 12 December';
const CAROL_RECORD_COST = 0.067;

describe('dashboard in Chromium: gallery, viewer and search', function () {
  this.timeout(120_000);
  let dash: DashboardFixture;
  /** Oldest first: lighthouse, fox, ramen, poster, the lighthouse again (made from the first). */
  const adaNames: ImageName[] = [];
  let bobName = '';
  /** Carol's records, by number (0 the oldest). */
  const carolNames: ImageName[] = [];

  before(async () => {
    dash = await startDashboard({ allowed: [ADA, BOB, CAROL] });
    adaNames.push(
      ...(await dash.generateAs(ADA, [
        { prompt: 'a lighthouse at dusk over a calm sea' },
        { prompt: 'a red fox in fresh snow, watercolor', aspect_ratio: '16:9' },
        { prompt: 'a bowl of ramen from above', model: 'pro' },
        { prompt: POSTER },
      ])),
    );
    adaNames.push(...(await dash.generateAs(ADA, [{ prompt: 'the same lighthouse at dawn', reference_images: [adaNames[0]!] }])));
    [bobName = ''] = await dash.generateAs(BOB, [{ prompt: 'bob’s secret birthday card' }]);
    // Carol has more images than one page holds, ten a day on three days, two of them pro at
    // 2K and one walrus, all three on the second page: records committed as they are, with
    // the pixels of one of Ada's images.
    const pro = buildCatalogue().pro.candidates[0]!;
    const { images } = dash.servers.kit;
    const pixels = { png: await images.read(adaNames[1]!, 'image'), thumbnail: await images.read(adaNames[1]!, 'thumbnail') };
    for (let i = 0; i < 30; i++) {
      const special = i === 4 || i === 25;
      const record = sampleRecord({
        email: CAROL,
        prompt: i === 1 ? 'carol’s image 1, a walrus on the ice' : `carol’s image ${i}`,
        createdAt: new Date(Date.UTC(2026, 10, 1 + Math.floor(i / 10), 12, i)).toISOString(),
        costUsd: CAROL_RECORD_COST,
        ...(special ? { modelAlias: 'pro' as const, modelId: pro.id, imageSize: '2K' as const } : {}),
      });
      carolNames.push(record.name);
      await images.save(record.name, pixels);
      await dash.servers.kit.records.commit(record);
    }
  });
  after(async () => {
    await dash?.close();
  });

  /** The tiles' accessible names (the prompts, shortened), in the grid's order. */
  async function tileNames(page: Page): Promise<string[]> {
    const links = page.locator('image-tile a');
    const names: string[] = [];
    for (let i = 0; i < (await links.count()); i++) names.push((await links.nth(i).getAttribute('aria-label')) ?? '');
    return names;
  }
  const viewer = (page: Page) => page.getByRole('dialog', { name: /^Image/ });
  const hashOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash);
  /** Whether every thumbnail in the grid has loaded (natural width above 0). */
  const thumbnailsLoaded = (page: Page) =>
    page.locator('image-tile').evaluateAll((tiles) =>
      // (The tests compile without the DOM's types, hence the casts.)
      tiles.length > 0 && tiles.every((tile) => {
        const img = (tile as unknown as { shadowRoot: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).shadowRoot.querySelector('img');
        return Boolean(img && img.complete && img.naturalWidth > 0);
      }),
    );
  /** The gallery's own alerts (the app's toast keeps an empty one in the page). */
  const galleryAlert = (page: Page) => page.locator('image-gallery').getByRole('alert');
  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('signs an allowed user in and shows their images as a grid of thumbnails, newest first, by day, with a total', async () => {
    const { context, page, errors } = await dash.openAs(ADA);
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    await page.locator('image-tile').nth(4).waitFor();
    expect(await tileNames(page)).to.deep.equal([
      'the same lighthouse at dawn',
      'A poster in three lines: Title: Harbour Days Date: 12 December',
      'a bowl of ramen from above',
      'a red fox in fresh snow, watercolor',
      'a lighthouse at dusk over a calm sea',
    ]);
    expect(await page.getByText('Signed in as').textContent()).to.include(ADA);
    // Every thumbnail is the small WebP, cropped into an equal square cell, and it loaded.
    const images = page.locator('image-tile img');
    expect(await images.first().getAttribute('src')).to.match(/^\/i\/[0-9a-f]{32}\.thumb\.webp$/);
    await waitFor('thumbnails', () => thumbnailsLoaded(page));
    const boxes = await Promise.all([0, 1, 2].map((i) => page.locator('image-tile').nth(i).boundingBox()));
    expect(new Set(boxes.map((b) => `${Math.round(b!.width)}×${Math.round(b!.height)}`)).size, 'equal cells').to.equal(1);
    expect(Math.round(boxes[0]!.width)).to.equal(Math.round(boxes[0]!.height));
    expect(boxes[1]!.y, 'several columns on a laptop').to.equal(boxes[0]!.y);
    // No buttons in the grid: a cell is one link.
    expect(await page.locator('image-gallery .grid button').count()).to.equal(0);

    // One day, today: its count and what its images cost; the whole set above it.
    const records = await Promise.all(adaNames.map((n) => dash.servers.kit.records.get(n)));
    const sum = records.reduce((s, r) => s + r!.costUsd, 0);
    expect(await page.getByRole('heading', { level: 3 }).allInnerTexts()).to.deep.equal(['Today']);
    expect(await page.locator('image-gallery .day-figures').innerText()).to.equal(`5 images · ${dashboardUsd(sum)}`);
    await page.locator('image-gallery .summary').waitFor();
    expect(await page.locator('image-gallery .summary strong').innerText()).to.equal(`5 images · ${dashboardUsd(sum)}`);
    expect(await page.locator('image-gallery .end').innerText()).to.equal('That’s all: 5 images.');
    expect(await page.getByText('Show images of').count()).to.equal(0);
    await expectAccessible(page, 'gallery');
    await keepScreenshot(page, 'gallery');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('opens an image in a viewer with its own URL; Back closes it and focus returns to its cell', async () => {
    const { context, page, errors } = await dash.openAs(ADA);
    await page.locator('image-tile').nth(4).waitFor();
    const poster = adaNames[3]!;
    await page.getByRole('link', { name: /^A poster in three lines/ }).click();
    await viewer(page).waitFor();
    expect(hashOf(page)).to.equal(`#/gallery?image=${poster}`);
    // The whole prompt, line breaks included.
    expect(await viewer(page).locator('.prompt').innerText()).to.equal(POSTER);
    // The large image (the full PNG, once loaded), fit to the screen.
    const full = viewer(page).locator('img.full');
    expect(await full.getAttribute('src')).to.equal(`/i/${poster}`);
    await viewer(page).locator('img.full.loaded').waitFor();
    const box = (await full.boundingBox())!;
    expect(box.width).to.be.at.most(1280);
    expect(box.height).to.be.at.most(800);
    await expectAccessible(page, 'viewer');
    await keepViewportScreenshot(page, 'viewer');

    await page.goBack();
    await viewer(page).waitFor({ state: 'hidden' });
    expect(hashOf(page)).to.not.include('image=');
    expect(await focusedName(page)).to.match(/^A poster in three lines/);

    // A link straight to an image opens the viewer over the gallery; closing it stays on the page.
    await page.goto(`${dash.front.url}/#/gallery?image=${adaNames[1]!}`);
    await page.reload(); // a fresh page, as when the link comes from elsewhere
    await viewer(page).waitFor();
    expect(await viewer(page).locator('.prompt').innerText()).to.equal('a red fox in fresh snow, watercolor');
    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'hidden' });
    expect(hashOf(page)).to.equal('#/gallery');
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('shows every recorded detail in the viewer, with references that open their image', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.locator('image-tile').first().click();
    await viewer(page).waitFor();
    const again = (await dash.servers.kit.records.get(adaNames[4]!))!;
    const details = await viewer(page).locator('dl').innerText();
    expect(details).to.include(again.modelId).and.include(again.modelAlias);
    expect(details).to.include(`${again.width} × ${again.height}`);
    expect(details).to.include(dashboardImageCost(again.costUsd));
    expect(details).to.include(`Total ${again.usage.totalTokens!.toLocaleString('en-US')}`);
    expect(details).to.include(again.name);
    expect(details).to.not.include('Owner'); // her own image
    // Its reference is a link to that image in the viewer.
    const reference = viewer(page).getByRole('link', { name: adaNames[0]! });
    await reference.click();
    await viewer(page).locator('.prompt').filter({ hasText: 'a lighthouse at dusk over a calm sea' }).waitFor();
    expect(hashOf(page)).to.equal(`#/gallery?image=${adaNames[0]!}`);
    const lighthouse = (await dash.servers.kit.records.get(adaNames[0]!))!;
    expect(await viewer(page).locator('dl').innerText()).to.include(dashboardImageCost(lighthouse.costUsd)).and.include('References\nNone');
    await context.close();
  });

  it('moves between images with the arrow keys, the buttons and a swipe', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.locator('image-tile').first().click();
    await viewer(page).waitFor();
    const shown = () => viewer(page).locator('.prompt').innerText();
    expect(await shown()).to.equal('the same lighthouse at dawn');
    expect(await viewer(page).getByRole('button', { name: 'Previous image' }).count()).to.equal(0);
    await page.keyboard.press('ArrowRight');
    await viewer(page).locator('.prompt').filter({ hasText: 'Harbour Days' }).waitFor();
    expect(hashOf(page)).to.equal(`#/gallery?image=${adaNames[3]!}`);
    await viewer(page).getByRole('button', { name: 'Next image' }).click();
    await viewer(page).locator('.prompt').filter({ hasText: 'ramen' }).waitFor();
    expect(await viewer(page).locator('.position').innerText()).to.equal('3 of 5');
    // A finger swiping to the left shows the next image, to the right the previous one.
    const stage = viewer(page).locator('.stage');
    const swipe = async (fromX: number, toX: number) => {
      await stage.dispatchEvent('pointerdown', { pointerId: 7, isPrimary: true, pointerType: 'touch', clientX: fromX, clientY: 300 });
      await stage.dispatchEvent('pointerup', { pointerId: 7, isPrimary: true, pointerType: 'touch', clientX: toX, clientY: 310 });
    };
    await swipe(600, 300);
    await viewer(page).locator('.prompt').filter({ hasText: 'fox' }).waitFor();
    await swipe(300, 600);
    await viewer(page).locator('.prompt').filter({ hasText: 'ramen' }).waitFor();
    // A tap is not a swipe.
    await swipe(400, 410);
    expect(await shown()).to.equal('a bowl of ramen from above');
    await page.keyboard.press('ArrowLeft');
    await viewer(page).locator('.prompt').filter({ hasText: 'Harbour Days' }).waitFor();
    // Moving between images does not pile up history: Back closes the viewer.
    await page.goBack();
    await viewer(page).waitFor({ state: 'hidden' });
    expect(await focusedName(page)).to.match(/^A poster in three lines/);
    await context.close();
  });

  it('copies the title, the share link and the prompt, downloads the image and opens its share page', async () => {
    const { context, page } = await dash.openAs(ADA);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.front.url });
    const poster = adaNames[3]!;
    await page.goto(`${dash.front.url}/#/gallery?image=${poster}`);
    await viewer(page).waitFor();
    const clipboard = () => page.evaluate<string>('navigator.clipboard.readText()');

    await viewer(page).getByRole('button', { name: 'Copy title' }).click();
    await page.getByRole('status').filter({ hasText: 'Title copied' }).waitFor();
    expect(await clipboard()).to.equal(poster);
    await viewer(page).getByRole('button', { name: 'Copy share link' }).click();
    await page.getByRole('status').filter({ hasText: 'Share link copied' }).waitFor();
    expect(await clipboard()).to.equal(`${dash.front.url}/v/${poster}`);
    await viewer(page).getByRole('button', { name: 'Copy prompt' }).click();
    await page.getByRole('status').filter({ hasText: 'Prompt copied' }).waitFor();
    expect(await clipboard()).to.equal(POSTER);

    const [download] = await Promise.all([page.waitForEvent('download'), viewer(page).getByRole('link', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).to.equal(poster);
    expect(await download.failure()).to.equal(null);

    const [share] = await Promise.all([context.waitForEvent('page'), viewer(page).getByRole('link', { name: 'Open share page' }).click()]);
    await share.waitForLoadState();
    expect(new URL(share.url()).pathname).to.equal(`/v/${poster}`);
    // Served on the dashboard's origin (Hosting sends /v/** to the server), the image alone.
    const sharePage = await fetch(share.url());
    expect(sharePage.status).to.equal(200);
    expect(await sharePage.text()).to.include(`/i/${poster}`).and.not.include('Harbour Days');
    await context.close();
  });

  it('does not show a non-admin another user’s gallery', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    await page.goto(`${dash.front.url}/#/gallery/${encodeURIComponent(BOB)}`);
    await galleryAlert(page).filter({ hasText: 'Only admins' }).waitFor();
    expect(await page.content()).to.not.include('birthday card');
    expect(await page.locator('image-tile').count()).to.equal(0);
    // Nor one of their images by its title.
    await page.goto(`${dash.front.url}/#/gallery?image=${bobName}`);
    await viewer(page).getByRole('alert').waitFor();
    expect(await viewer(page).innerText()).to.not.include('birthday card');
    await context.close();
  });

  it('saves the default model, and the next generation without a model uses it', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.getByRole('link', { name: 'Default model' }).click();
    expect(await page.getByRole('radio', { name: /^flash/ }).isChecked()).to.be.true;
    await page.getByRole('radio', { name: /^pro/ }).check();
    await page.getByText('Saved: new images use pro').waitFor();

    const [name] = await dash.generateAs(ADA, [{ prompt: 'a kite over the dunes' }]);
    expect((await dash.servers.kit.records.get(name!))?.modelAlias).to.equal('pro');
    adaNames.push(name!);

    await page.reload();
    await page.getByRole('link', { name: 'Images' }).click();
    await page.locator('image-tile').nth(5).waitFor();
    expect((await tileNames(page))[0]).to.equal('a kite over the dunes');
    await page.locator('image-tile').first().click();
    expect(await viewer(page).locator('dl').innerText()).to.match(/Model\s+pro/);
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Default model' }).click();
    expect(await page.getByRole('radio', { name: /^pro/ }).isChecked()).to.be.true;
    await context.close();
  });

  it('deletes an image from the viewer after confirmation: the viewer moves on, the grid and total update, the spend stays', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.locator('image-tile').nth(5).waitFor();
    await page.locator('image-gallery .summary').waitFor();
    const victim = adaNames[0]!; // the oldest: the last cell
    const before = await dash.servers.kit.records.totals(ADA);
    await page.getByRole('link', { name: 'a lighthouse at dusk over a calm sea' }).click();
    await viewer(page).waitFor();

    await viewer(page).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this image?' }).getByRole('button', { name: 'Cancel' }).click();
    expect(await dash.servers.kit.records.get(victim)).to.not.equal(undefined);

    await viewer(page).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this image?' }).getByRole('button', { name: 'Delete image' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted one image' }).waitFor();
    // It was the last image: the viewer shows the one before it.
    await viewer(page).locator('.prompt').filter({ hasText: 'a red fox' }).waitFor();
    expect(await dash.servers.kit.records.get(victim)).to.equal(undefined);
    expect((await fetch(`${dash.front.url}/i/${victim}`)).status).to.equal(404);
    expect((await dash.servers.kit.records.totals(ADA)).costUsd).to.equal(before.costUsd); // spend is cumulative

    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'hidden' });
    expect(await tileNames(page)).to.not.include('a lighthouse at dusk over a calm sea');
    const left = await Promise.all(adaNames.slice(1).map((n) => dash.servers.kit.records.get(n)));
    await page.locator('image-gallery .summary strong').filter({ hasText: /^5 images/ }).waitFor();
    expect(await page.locator('image-gallery .summary strong').innerText()).to.equal(`5 images · ${dashboardUsd(left.reduce((s, r) => s + r!.costUsd, 0))}`);

    // The image made from it names the deleted reference, without a link (as loaded before,
    // and as the server answers now).
    const namesDeletedReference = async () => {
      await page.getByRole('link', { name: 'the same lighthouse at dawn' }).click();
      await viewer(page).waitFor();
      expect(await viewer(page).locator('.references').innerText()).to.include(victim).and.include('(no longer available)');
      expect(await viewer(page).getByRole('link', { name: victim }).count()).to.equal(0);
    };
    await namesDeletedReference();
    // Escape goes back in history: reload only once that has happened, or the page reloads
    // with the viewer's address and opens it again.
    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'hidden' });
    await page.waitForFunction('!location.hash.includes("image=")');
    await page.reload();
    await namesDeletedReference();
    await context.close();
  });

  it('shows an admin every user’s gallery through the switcher, even after the user list failed once', async () => {
    const { context, page, errors } = await dash.openAs(ADMIN);
    // The list of users fails once (as in an outage); the gallery's Retry loads it again.
    let failed = 0;
    await page.route('**/api/costs', (route) =>
      failed++ === 0 ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'unavailable', message: 'The records are unavailable. Try again.' }) }) : route.fallback(),
    );
    await page.getByText('admin', { exact: true }).waitFor();
    await galleryAlert(page).filter({ hasText: 'Not loaded: the list of users.' }).waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    await galleryAlert(page).waitFor({ state: 'detached' });
    await page.getByLabel('Show images of').locator('option').filter({ hasText: CAROL }).waitFor({ state: 'attached' });
    const options = await page.getByLabel('Show images of').locator('option').allInnerTexts();
    expect(options).to.include.members([ADA, BOB, CAROL]);

    await page.getByLabel('Show images of').selectOption(BOB);
    await page.getByRole('heading', { name: `Images of ${BOB}` }).waitFor();
    await page.locator('image-tile').first().waitFor();
    expect(await tileNames(page)).to.deep.equal(['bob’s secret birthday card']);
    await page.locator('image-tile').first().click();
    await viewer(page).waitFor();
    expect(hashOf(page)).to.equal(`#/gallery/${BOB}?image=${bobName}`);
    expect(await viewer(page).locator('dl').innerText()).to.match(new RegExp(`Owner\\s+${BOB}`));
    expect(await viewer(page).getByRole('button', { name: 'Delete' }).count()).to.equal(1);
    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'hidden' });

    await page.getByLabel('Show images of').selectOption(ADA);
    await page.getByRole('heading', { name: `Images of ${ADA}` }).waitFor();
    await page.locator('image-tile').nth(4).waitFor();
    expect(await tileNames(page)).to.include('a bowl of ramen from above');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('tells a signed-in user who is not on the list who they are, and signs out', async () => {
    const { context, page } = await dash.openAs(EVE);
    await page.getByRole('alert').filter({ hasText: `You are signed in as ${EVE}, which is not on this Image Studio server's allow-list.` }).waitFor();
    expect(await page.locator('image-tile').count()).to.equal(0);
    await keepScreenshot(page, 'not-allowed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
    await keepScreenshot(page, 'signed-out');
    await context.close();
  });

  it('loads a long gallery a page at a time as it scrolls, by day, to an end marker; Back from the viewer keeps the place', async () => {
    // A screen shorter than the first page: the second loads only on scrolling.
    const { context, page } = await dash.openAs(CAROL, { viewport: { width: 1280, height: 600 } });
    await page.locator('image-tile').nth(23).waitFor();
    await page.locator('image-gallery .summary').waitFor();
    expect(await page.locator('image-tile').count()).to.equal(24);
    await page.locator('image-gallery .more').scrollIntoViewIfNeeded();
    await page.locator('image-tile').nth(29).waitFor();
    const names = await tileNames(page);
    expect(names).to.have.length(30);
    expect(names[0]).to.equal('carol’s image 29');
    expect(names[29]).to.equal('carol’s image 0');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).to.equal(0);
    expect(await page.locator('image-gallery .end').innerText()).to.equal('That’s all: 30 images.');
    // Ten a day on three days, each with its count and what its images cost.
    const headings = await page.getByRole('heading', { level: 3 }).allInnerTexts();
    expect(headings).to.have.length(3);
    expect(headings[0]).to.match(/^Tue,? (November 3|3 November),? 2026$/);
    expect(headings[2]).to.match(/^Sun,? (November 1|1 November),? 2026$/);
    expect(await page.locator('image-gallery .day-figures').allInnerTexts()).to.deep.equal(Array(3).fill(`10 images · ${dashboardUsd(10 * CAROL_RECORD_COST)}`));
    expect(await page.locator('image-gallery .summary strong').innerText()).to.equal(`30 images · ${dashboardUsd(30 * CAROL_RECORD_COST)}`);

    const scrolled = await page.evaluate<number>('window.scrollY');
    expect(scrolled).to.be.above(0);
    await page.getByRole('link', { name: 'carol’s image 2', exact: true }).click();
    await viewer(page).waitFor();
    // The last image loaded has no next one on the list.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await viewer(page).locator('.prompt').filter({ hasText: 'carol’s image 0' }).waitFor();
    expect(await viewer(page).getByRole('button', { name: 'Next image' }).count()).to.equal(0);
    await page.goBack();
    await viewer(page).waitFor({ state: 'hidden' });
    expect(await focusedName(page)).to.equal('carol’s image 0');
    expect(Math.abs((await page.evaluate<number>('window.scrollY')) - scrolled)).to.be.below(400);
    await context.close();
  });

  it('searches all of a user’s images by prompt words, model, size and dates, each search with its own URL', async () => {
    const { context, page, errors } = await dash.openAs(CAROL);
    await page.locator('image-tile').nth(23).waitFor();
    const words = page.getByLabel('Prompt words');

    // The match is on the second page, which is not loaded.
    await words.fill('walrus');
    await page.keyboard.press('Enter');
    await page.locator('image-gallery .end').filter({ hasText: '1 image matches' }).waitFor();
    expect(await tileNames(page)).to.deep.equal(['carol’s image 1, a walrus on the ice']);
    expect(hashOf(page)).to.equal('#/gallery?q=walrus');
    await page.locator('image-gallery .summary strong').filter({ hasText: /^1 image/ }).waitFor();
    expect(await page.locator('image-gallery .summary').innerText()).to.include(`1 image · ${dashboardUsd(CAROL_RECORD_COST)}`).and.include('match');
    await expectAccessible(page, 'search');
    await keepScreenshot(page, 'search');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.locator('image-tile').nth(23).waitFor();
    expect(hashOf(page)).to.equal('#/gallery');

    await page.getByLabel('Model').selectOption('pro');
    await page.locator('image-gallery .end').filter({ hasText: '2 images match' }).waitFor();
    expect(await tileNames(page)).to.deep.equal(['carol’s image 25', 'carol’s image 4']);
    await page.getByLabel('Size').selectOption('2K');
    await page.locator('image-gallery .end').filter({ hasText: '2 images match' }).waitFor();
    expect(hashOf(page)).to.equal('#/gallery?model=pro&size=2K');
    await page.getByLabel('Model').selectOption('');
    await page.getByLabel('Size').selectOption('1K');
    // The total counts every match at once; the grid loads them a page at a time.
    await page.locator('image-gallery .summary strong').filter({ hasText: /^28 images/ }).waitFor();
    await page.locator('image-tile').nth(23).waitFor();
    await page.locator('image-gallery .more').scrollIntoViewIfNeeded();
    await page.locator('image-gallery .end').filter({ hasText: '28 images match' }).waitFor();

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('From').fill('2026-11-02');
    await page.getByLabel('To').fill('2026-11-02');
    await page.locator('image-gallery .end').filter({ hasText: '10 images match' }).waitFor();
    const day = await tileNames(page);
    expect(day[0]).to.equal('carol’s image 19');
    expect(day.at(-1)).to.equal('carol’s image 10');

    // A search's URL opens that search; no match says so, and offers to clear it.
    await page.goto(`${dash.front.url}/#/gallery?q=zebra`);
    await page.getByText('No images match this search.').waitFor();
    expect(await page.getByLabel('Prompt words').inputValue()).to.equal('zebra');
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await page.locator('image-tile').nth(23).waitFor();
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('shows generations still running first, and failed ones with their reason, not as images', async () => {
    const now = Date.now();
    const job = (over: Partial<GenerationJob>): GenerationJob => ({
      name: newImageName(),
      email: BOB,
      status: 'generating',
      requestKey: `test-${Math.random()}`,
      prompt: 'a card still being drawn',
      modelAlias: 'flash',
      modelId: buildCatalogue().flash.candidates[0]!.id,
      imageSize: '1K',
      aspectRatio: '1:1',
      referenceNames: [],
      startedAt: new Date(now).toISOString(),
      leaseUntil: new Date(now + 3_600_000).toISOString(),
      reservedUsd: 0.067,
      ...over,
    });
    const running = job({});
    const failing = job({ prompt: 'a card that failed', startedAt: new Date(now - 60_000).toISOString() });
    await dash.servers.kit.records.startJob(running, undefined);
    await dash.servers.kit.records.startJob(failing, undefined);
    await dash.servers.kit.records.failJob(failing.name, 'Gemini declined this prompt as unsafe.');

    const { context, page } = await dash.openAs(BOB);
    const inProgress = page.locator('image-gallery section').filter({ has: page.getByRole('heading', { name: 'In progress' }) });
    await inProgress.waitFor();
    const cells = await inProgress.locator('li').allInnerTexts();
    expect(cells, 'the running and the failed generation').to.have.length(2);
    expect(cells[0]).to.include('Generating…').and.include('a card still being drawn');
    expect(cells[1]).to.include('Failed').and.include('a card that failed').and.include('Gemini declined this prompt as unsafe.');
    expect(await inProgress.getByRole('link').count()).to.equal(0);
    expect(await tileNames(page)).to.deep.equal(['bob’s secret birthday card']);
    await dash.servers.kit.records.failJob(running.name, 'Stopped by the test.');
    await context.close();
  });

  it('shows an error with Retry when the server fails, and Retry reloads what failed, thumbnails included', async () => {
    const { context, page } = await dash.openAs(ADA);
    await page.locator('image-tile').first().waitFor();
    await page.getByRole('link', { name: 'Default model' }).click();
    dash.failReads = true;
    try {
      await page.getByRole('link', { name: 'Images' }).click();
      // The page and the totals fail apart: the alert names each as its failure arrives.
      await galleryAlert(page).filter({ hasText: 'Not loaded: the images, the totals.' }).waitFor();
      expect(await galleryAlert(page).innerText()).to.include('Something went wrong on the server');
    } finally {
      dash.failReads = false;
    }
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('image-tile').nth(4).waitFor();
    await galleryAlert(page).waitFor({ state: 'detached' });

    // Thumbnails that fail to load (the image server down a moment) come back on Retry.
    await page.route('**/*.thumb.webp*', (route) => route.abort());
    await page.reload();
    await galleryAlert(page).filter({ hasText: '5 thumbnails did not load.' }).waitFor();
    expect(await page.getByText('The thumbnail did not load.').count()).to.equal(5);
    await page.unroute('**/*.thumb.webp*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await waitFor('thumbnails after Retry', () => thumbnailsLoaded(page));
    expect(await galleryAlert(page).count()).to.equal(0);
    await context.close();
  });

  it('works on a phone-sized screen and with the keyboard alone', async () => {
    const { context, page, errors } = await dash.openAs(ADA, { viewport: PHONE });
    await page.locator('image-tile').nth(4).waitFor();
    await waitFor('thumbnails', () => thumbnailsLoaded(page));
    await expectNoSidewaysScroll(page);
    // Two columns on a phone.
    const boxes = await Promise.all([0, 1, 2].map((i) => page.locator('image-tile').nth(i).boundingBox()));
    expect(boxes[1]!.y).to.equal(boxes[0]!.y);
    expect(boxes[2]!.y).to.be.above(boxes[0]!.y);
    await expectAccessible(page, 'gallery on a phone');
    await keepScreenshot(page, 'gallery-phone');

    // Tab to the first image, open it with Enter, move with the arrows, close with Escape.
    const first = (await tileNames(page))[0]!;
    for (let i = 0; i < 30 && (await focusedName(page)) !== first; i++) await page.keyboard.press('Tab');
    expect(await focusedName(page)).to.equal(first);
    await page.keyboard.press('Enter');
    await viewer(page).waitFor();
    await viewer(page).locator('img.full.loaded').waitFor();
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'viewer on a phone');
    await keepViewportScreenshot(page, 'viewer-phone');
    await page.keyboard.press('ArrowRight');
    const second = (await tileNames(page))[1]!;
    await viewer(page).locator('.prompt').filter({ hasText: second.slice(0, 20) }).waitFor();
    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'hidden' });
    expect(await focusedName(page)).to.equal(second);

    // The search form fits and passes axe on a phone too.
    await page.getByLabel('Prompt words').fill('kite');
    await page.keyboard.press('Enter');
    await page.locator('image-gallery .end').filter({ hasText: '1 image matches' }).waitFor();
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'search on a phone');
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
