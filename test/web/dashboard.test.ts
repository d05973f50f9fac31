/**
 * The dashboard in headless Chromium, as on Firebase Hosting: the built bundle and, through
 * firebase.json's rewrites, the API and images on one origin (hosting-front.ts), sign-in through the real Firebase Auth emulator, records and images made
 * by real generations through MCP (signed in with the MCP OAuth flow, Gemini faked), on the
 * cloud stores (Firestore emulator, Cloud Storage fake). Screenshots of each main view land
 * in test-artifacts/screenshots/.
 *
 * The tests run in order, like one group's day: later ones build on what earlier ones did
 * (ada's default model, the image she deletes), so run the file whole, not one test alone.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isImageName, type ImageName } from '../../server/core/names.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import { ADMIN, ALLOWED, connectWithSignIn, startOAuthServers, type OAuthTestServer } from '../e2e/oauth-harness.js';
import { keepScreenshot, launchChromium, pageErrors } from '../support/chromium.js';
import { emulatorDashboard } from '../support/dashboard-build.js';
import { startHostingFront, type HostingFront } from '../support/hosting-front.js';

const ADA = ALLOWED;
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const EVE = 'eve@example.com';

describe('dashboard in Chromium (sign-in with the Firebase Auth emulator)', function () {
  this.timeout(90_000);
  let servers: OAuthTestServer;
  let front: HostingFront;
  let browser: Browser;
  let failReads = false;
  const adaNames: ImageName[] = [];
  let bobName = '';

  /** Generates through MCP as `email`, signed in by the connector flow; returns the image titles. */
  async function generateAs(email: string, calls: { prompt: string; model?: string; aspect_ratio?: string }[]): Promise<ImageName[]> {
    servers.google.nextIdentity({ email });
    const { client } = await connectWithSignIn(servers.url);
    const names: ImageName[] = [];
    for (const args of calls) {
      const result = (await client.callTool({ name: 'generate_image', arguments: args })) as CallToolResult;
      const text = result.content.find((c) => c.type === 'text')?.text ?? '';
      const name = /"([0-9a-f]{32}\.png)"/.exec(text)?.[1];
      if (result.isError || !name || !isImageName(name)) throw new Error(`generation failed: ${text}`);
      names.push(name);
    }
    await client.close();
    return names;
  }

  async function openAs(email: string, options: { viewport?: { width: number; height: number } } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${front.url}/`);
    await page.getByLabel('Auth emulator: sign in as').fill(email);
    await page.getByRole('button', { name: 'Sign in as this address' }).click();
    return { context, page, errors };
  }

  const cardPrompts = (page: Page) => page.locator('image-card .prompt').allInnerTexts();

  before(async () => {
    const dashboardDir = await emulatorDashboard();
    servers = await startOAuthServers({
      store: 'cloud',
      instances: 1,
      allowed: [ADA, BOB, CAROL],
      dashboardSignIn: true,
      records: (store) => failingReads(store, () => failReads),
    });
    adaNames.push(
      ...(await generateAs(ADA, [
        { prompt: 'a lighthouse at dusk over a calm sea' },
        { prompt: 'a red fox in fresh snow, watercolor', aspect_ratio: '16:9' },
        { prompt: 'a bowl of ramen from above', model: 'pro' },
      ])),
    );
    [bobName = ''] = await generateAs(BOB, [{ prompt: 'bob’s secret birthday card' }]);
    // Carol has more images than one page holds (records only: paging needs no pixels).
    for (let i = 0; i < 30; i++) {
      await servers.kit.records.commit(sampleRecord({ email: CAROL, prompt: `carol’s image ${i}`, createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() }));
    }
    front = await startHostingFront(dashboardDir, servers.url);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await front?.close();
    await servers?.close();
  });

  it('signs an allowed user in and shows their images, newest first, as thumbnails', async () => {
    const { context, page, errors } = await openAs(ADA);
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    await page.locator('image-card').nth(2).waitFor();
    expect(await cardPrompts(page)).to.deep.equal(['a bowl of ramen from above', 'a red fox in fresh snow, watercolor', 'a lighthouse at dusk over a calm sea']);
    expect(await page.getByText('Signed in as').textContent()).to.include(ADA);
    const facts = await page.locator('image-card .facts').allInnerTexts();
    // Each card shows what its record says Gemini billed.
    const costOf = async (name: ImageName) => dashboardUsd((await servers.kit.records.get(name))!.costUsd);
    expect(facts[0]).to.include(`pro · 1K · 1:1 · ${await costOf(adaNames[2]!)}`);
    expect(facts[1]).to.include(`flash · 1K · 16:9 · ${await costOf(adaNames[1]!)}`);
    // Every thumbnail is the small WebP, and it loaded.
    const images = page.locator('image-card img');
    for (let i = 0; i < 3; i++) {
      const img = images.nth(i);
      expect(await img.getAttribute('src')).to.match(/^\/i\/[0-9a-f]{32}\.thumb\.webp$/);
      // (The tests compile without the DOM's types, hence the casts.)
      const width = await img.evaluate((el) => {
        const image = el as unknown as { complete: boolean; naturalWidth: number; decode(): Promise<void> };
        return (image.complete ? Promise.resolve() : image.decode()).then(() => image.naturalWidth);
      });
      expect(width).to.be.within(1, 320);
    }
    expect(await page.getByText('Show images of').count()).to.equal(0);
    await keepScreenshot(page, 'gallery');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('shows a user only their own cost, with a total', async () => {
    const { context, page } = await openAs(ADA);
    await page.getByRole('link', { name: 'Costs' }).click();
    await page.getByRole('cell', { name: 'Total' }).waitFor();
    const rows = await page.locator('cost-table tbody tr').allInnerTexts();
    expect(rows).to.have.length(1);
    const spent = dashboardUsd((await servers.kit.records.totals(ADA)).costUsd);
    expect(rows[0]!.split('\t')).to.deep.equal([ADA, '3', spent]);
    expect((await page.locator('cost-table tfoot tr').innerText()).split('\t')).to.deep.equal(['Total', '3', spent]);
    await keepScreenshot(page, 'costs');
    await context.close();
  });

  it('does not show a non-admin another user’s gallery', async () => {
    const { context, page } = await openAs(ADA);
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    await page.goto(`${front.url}/#/gallery/${encodeURIComponent(BOB)}`);
    await page.getByRole('alert').filter({ hasText: 'Only admins' }).waitFor();
    expect(await page.content()).to.not.include('birthday card');
    expect(await page.locator('image-card').count()).to.equal(0);
    await context.close();
  });

  it('saves the default model, and the next generation without a model uses it', async () => {
    const { context, page } = await openAs(ADA);
    await page.getByRole('link', { name: 'Default model' }).click();
    expect(await page.getByRole('radio', { name: /^flash/ }).isChecked()).to.be.true;
    const labels = await page.locator('model-picker label').allInnerTexts();
    expect(labels.find((l) => l.startsWith('pro'))).to.include('4K $0.24');
    // Each alias shows the sizes its current model makes, and only those.
    expect(labels.find((l) => l.startsWith('lite'))).to.include('Nano Banana 2 Lite').and.include('1K $0.034').and.not.include('2K');
    await page.getByRole('radio', { name: /^pro/ }).check();
    await page.getByText('Saved: new images use pro').waitFor();
    await keepScreenshot(page, 'default-model');

    const [name] = await generateAs(ADA, [{ prompt: 'a kite over the dunes' }]);
    const record = await servers.kit.records.get(name!);
    expect(record?.modelAlias).to.equal('pro');
    adaNames.push(name!);

    await page.reload();
    await page.getByRole('link', { name: 'Images' }).click();
    await page.locator('image-card').nth(3).waitFor();
    expect((await cardPrompts(page))[0]).to.equal('a kite over the dunes');
    expect(await page.locator('image-card .facts').first().innerText()).to.include('pro');
    await page.getByRole('link', { name: 'Default model' }).click();
    expect(await page.getByRole('radio', { name: /^pro/ }).isChecked()).to.be.true;
    await context.close();
  });

  it('opens the full image and copies its name for a later reference', async () => {
    const { context, page } = await openAs(ADA);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: front.url });
    await page.locator('image-card').first().waitFor();
    const newest = adaNames.at(-1)!;
    const [opened] = await Promise.all([context.waitForEvent('page'), page.locator('image-card a.thumb').first().click()]);
    await opened.waitForLoadState();
    expect(new URL(opened.url()).pathname).to.equal(`/i/${newest}`);
    expect(await opened.evaluate<string>('document.contentType')).to.equal('image/png');
    await opened.close();

    await page.getByRole('button', { name: 'Copy name' }).first().click();
    await page.getByText('Name copied').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).to.equal(newest);
    await context.close();
  });

  it('deletes an image after confirmation; the spend stays', async () => {
    const { context, page } = await openAs(ADA);
    await page.locator('image-card').nth(3).waitFor();
    const victim = adaNames[0]!; // the oldest: the last card
    const before = await servers.kit.records.totals(ADA);
    const card = page.locator('image-card').last();
    expect(await card.locator('.prompt').innerText()).to.equal('a lighthouse at dusk over a calm sea');

    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('image-card').count()).to.equal(4);
    expect(await servers.kit.records.get(victim)).to.not.equal(undefined);

    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete image' }).click();
    await page.getByText('Deleted one image').waitFor();
    expect(await cardPrompts(page)).to.not.include('a lighthouse at dusk over a calm sea');
    expect(await servers.kit.records.get(victim)).to.equal(undefined);
    expect((await fetch(`${front.url}/i/${victim}`)).status).to.equal(404);
    expect(await servers.kit.records.totals(ADA)).to.deep.equal(before);

    await page.getByRole('link', { name: 'Costs' }).click();
    await page.getByRole('cell', { name: 'Total' }).waitFor();
    expect((await page.locator('cost-table tfoot tr').innerText()).split('\t')).to.deep.equal(['Total', '4', dashboardUsd(before.costUsd)]);
    await context.close();
  });

  it('shows an admin every user, their galleries and the usage report', async () => {
    const { context, page, errors } = await openAs(ADMIN);
    await page.getByText('admin', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Costs' }).click();
    await page.getByRole('cell', { name: 'Total' }).waitFor();
    const rows = await page.locator('cost-table tbody th').allInnerTexts();
    expect([...rows].sort()).to.deep.equal([ADA, BOB, CAROL].sort());
    const allTotals = await servers.kit.records.allTotals();
    const count = allTotals.reduce((sum, t) => sum + t.imageCount, 0);
    expect(await page.locator('cost-table tfoot tr').innerText()).to.match(new RegExp(`Total\\s+${count}\\s`));
    await keepScreenshot(page, 'costs-admin');

    await page.getByRole('link', { name: BOB }).click();
    await page.getByRole('heading', { name: `Images of ${BOB}` }).waitFor();
    await page.locator('image-card').first().waitFor();
    expect(await cardPrompts(page)).to.deep.equal(['bob’s secret birthday card']);
    expect(await page.locator('image-card a.thumb').getAttribute('href')).to.equal(`/i/${bobName}`);
    await page.getByLabel('Show images of').selectOption(ADA);
    await page.getByRole('heading', { name: `Images of ${ADA}` }).waitFor();
    await page.locator('image-card').nth(2).waitFor();
    expect(await cardPrompts(page)).to.include('a bowl of ramen from above');

    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Daily activity, last 14 days' }).waitFor();
    const usageRows = await page.getByRole('table', { name: 'Usage per user' }).locator('tbody tr').allInnerTexts();
    const adaRow = usageRows.find((r) => r.startsWith(ADA));
    expect(adaRow).to.match(/flash 2, pro 2/); // cumulative: the deleted image still counts
    expect(await page.getByRole('table', { name: 'Daily activity' }).locator('tbody tr').count()).to.equal(14);
    await keepScreenshot(page, 'usage');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('tells a signed-in user who is not on the list who they are, and signs out', async () => {
    const { context, page } = await openAs(EVE);
    await page.getByRole('alert').filter({ hasText: `You are signed in as ${EVE}, which is not on this Image Studio server's allow-list.` }).waitFor();
    expect(await page.locator('image-card').count()).to.equal(0);
    await keepScreenshot(page, 'not-allowed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
    await keepScreenshot(page, 'signed-out');
    await context.close();
  });

  it('loads a long gallery a page at a time as it scrolls', async () => {
    const { context, page } = await openAs(CAROL);
    await page.locator('image-card').nth(23).waitFor();
    expect(await page.locator('image-card').count()).to.equal(24);
    await page.locator('image-gallery .more').scrollIntoViewIfNeeded();
    await page.locator('image-card').nth(29).waitFor();
    const prompts = await cardPrompts(page);
    expect(prompts).to.have.length(30);
    expect(prompts[0]).to.equal('carol’s image 29');
    expect(prompts[29]).to.equal('carol’s image 0');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).to.equal(0);
    await context.close();
  });

  it('shows an error with a retry when the server fails, and recovers', async () => {
    const { context, page } = await openAs(ADA);
    await page.getByRole('heading', { name: 'My images' }).waitFor();
    failReads = true;
    try {
      await page.getByRole('link', { name: 'Costs' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').innerText()).to.include('Something went wrong on the server');
    } finally {
      failReads = false;
    }
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('cell', { name: 'Total' }).waitFor();
    await context.close();
  });

  it('works on a phone-sized screen and with the keyboard alone', async () => {
    const { context, page } = await openAs(ADA, { viewport: { width: 390, height: 844 } });
    await page.locator('image-card').first().waitFor();
    const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
    expect(scrollWidth).to.be.at.most(innerWidth);
    await keepScreenshot(page, 'gallery-phone');

    // Tab from the top of the page to the Costs tab and open it with Enter.
    const focused = () =>
      page.evaluate<string>(`(() => {
        let active = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return active?.textContent ?? '';
      })()`);
    for (let i = 0; i < 10 && (await focused()) !== 'Costs'; i++) await page.keyboard.press('Tab');
    expect(await focused()).to.equal('Costs');
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'Total' }).waitFor();
    await context.close();
  });
});

/** Money as the dashboard shows it (web/src/format.ts): 2 or 3 decimals. */
function dashboardUsd(value: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 3 }).format(value);
}

/** A record store whose reads fail while `failing()` says so, like Firestore being unavailable. */
function failingReads(store: RecordStore, failing: () => boolean): RecordStore {
  const guard = <T>(read: () => Promise<T>) => (failing() ? Promise.reject(new Error('Firestore unavailable (test)')) : read());
  // Everything else passes through (Object.create keeps the store's own methods).
  return Object.assign(Object.create(store) as RecordStore, {
    get: (name: ImageName) => guard(() => store.get(name)),
    listByUser: (email: string, page: { limit: number; cursor?: string }) => guard(() => store.listByUser(email, page)),
    listSince: (since: string) => guard(() => store.listSince(since)),
    totals: (email: string) => guard(() => store.totals(email)),
    allTotals: () => guard(() => store.allTotals()),
    userBudgets: (month: string, email?: string) => guard(() => store.userBudgets(month, email)),
  });
}
