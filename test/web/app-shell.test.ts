/**
 * The dashboard's frame in headless Chromium (see dashboard-fixture.ts): booting through an
 * outage, the routes (the old #/costs, the gallery's query), the one toast, and the default
 * model page at desktop and phone sizes.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Me } from '../../server/api/api-types.js';
import { ALLOWED } from '../e2e/oauth-harness.js';
import { googleIdToken } from '../support/auth-emulator.js';
import { keepScreenshot } from '../support/chromium.js';
import { DESKTOP, PHONE, dashboardImageCost, dashboardUsd, expectAccessible, expectNoSidewaysScroll, startDashboard, type DashboardFixture } from './dashboard-fixture.js';

const ADA = ALLOWED;

describe('dashboard shell in Chromium', function () {
  this.timeout(90_000);
  let fixture: DashboardFixture;

  before(async () => {
    fixture = await startDashboard({ allowed: [ADA], monthlyBudgetUsd: 5 });
  });
  after(async () => {
    await fixture?.close();
  });

  const billingTab = (page: Page) => page.getByRole('link', { name: 'Billing', exact: true });

  it('offers Retry when who-you-are cannot load, and starts once it can', async () => {
    fixture.failReads = true;
    let opened;
    try {
      opened = await fixture.openAs(ADA);
      await opened.page.getByRole('alert').filter({ hasText: 'Something went wrong on the server' }).waitFor();
      expect(await billingTab(opened.page).count()).to.equal(0);
    } finally {
      fixture.failReads = false;
    }
    await opened.page.getByRole('button', { name: 'Retry' }).click();
    await billingTab(opened.page).waitFor();
    expect(await opened.page.locator('header .glance').innerText()).to.equal(`${dashboardUsd(0)} of ${dashboardUsd(5)} this month`);
    await opened.context.close();
  });

  it('opens Billing from the old #/costs address', async () => {
    const { context, page } = await fixture.openAs(ADA, { path: '/#/costs' });
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    expect(await billingTab(page).getAttribute('aria-current')).to.equal('page');
    await context.close();
  });

  it('keeps the gallery as it is when only the query of its address changes', async () => {
    const { context, page } = await fixture.openAs(ADA, { path: '/#/gallery' });
    await page.locator('image-gallery').waitFor();
    const gallery = `document.querySelector('image-studio-app').shadowRoot.querySelector('image-gallery')`;
    await page.evaluate(`${gallery}.dataset.probe = 'same element'`);
    await page.evaluate(`location.hash = '#/gallery?q=fox&model=pro'`);
    await page.waitForFunction(`location.hash === '#/gallery?q=fox&model=pro'`);
    expect(await page.evaluate<string | undefined>(`${gallery}?.dataset.probe`)).to.equal('same element');
    expect(await page.evaluate<string | null>(`${gallery}.getAttribute('user')`)).to.equal(ADA);
    await context.close();
  });

  it('shows one notice at a time, replacing the previous, and lets it be dismissed', async () => {
    const { context, page } = await fixture.openAs(ADA, { path: '/#/model' });
    const toasts = page.locator('toast-notice .toast');
    await page.getByRole('radio', { name: /^pro/ }).check();
    await page.locator('toast-notice').getByRole('status').getByText('Saved: new images use pro').waitFor();
    await page.getByRole('radio', { name: /^lite/ }).check();
    await page.locator('toast-notice').getByText('Saved: new images use lite').waitFor();
    expect(await toasts.count()).to.equal(1);
    expect(await toasts.innerText()).to.not.include('pro');
    await page.getByRole('button', { name: 'Dismiss notice' }).click();
    expect(await toasts.count()).to.equal(0);

    // Left alone, a notice goes by itself after a few seconds.
    await page.getByRole('radio', { name: /^flash/ }).check();
    await toasts.waitFor();
    await toasts.waitFor({ state: 'detached', timeout: 8000 });
    await context.close();
  });

  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`shows the default model with prices per image to a tenth of a cent, accessible on a ${size}`, async () => {
      const { context, page } = await fixture.openAs(ADA, { path: '/#/model', viewport });
      await page.getByRole('heading', { name: 'My default model' }).waitFor();
      const response = await fetch(`${fixture.front.url}/api/me`, { headers: { authorization: `Bearer ${await googleIdToken(ADA)}` } });
      const me = (await response.json()) as Me;
      const pro = me.models.find((m) => m.alias === 'pro')!;
      const label = await page.locator('model-picker label').filter({ hasText: 'pro — ' }).innerText();
      for (const [imageSize, price] of Object.entries(pro.pricesUsd)) expect(label).to.include(`${imageSize} ${dashboardImageCost(price)}`);
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `default model (${size})`);
      if (size === 'phone') await keepScreenshot(page, 'default-model-phone');
      await context.close();
    });
  }
});
