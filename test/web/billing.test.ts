/**
 * The billing page and the usage report in headless Chromium, as on Firebase Hosting (see
 * dashboard-fixture.ts): a user's own month against their budget and their cumulative spend,
 * an admin's view of everyone with budget editing and the CSV export, what a delete changes
 * (image counts) and what it does not (spend, activity), phones, the keyboard, an outage.
 *
 * The tests run in order and build on each other (the budgets bob gets, the image ada
 * deletes): run the file whole.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Costs, Me, Usage } from '../../server/api/api-types.js';
import type { ImageName } from '../../server/core/names.js';
import { ADMIN, ALLOWED } from '../e2e/oauth-harness.js';
import { googleIdToken } from '../support/auth-emulator.js';
import { keepScreenshot } from '../support/chromium.js';
import { DESKTOP, PHONE, dashboardUsd, expectAccessible, expectNoSidewaysScroll, focusedText, startDashboard, type DashboardFixture } from './dashboard-fixture.js';

const ADA = ALLOWED;
const BOB = 'bob@example.com';
/** Allow-listed, and never generates: an admin still sets her budget. */
const CAROL = 'carol@example.com';
const DEFAULT_BUDGET = 5;

describe('billing and usage in Chromium', function () {
  this.timeout(120_000);
  let fixture: DashboardFixture;
  let adaNames: ImageName[] = [];
  const thisMonth = () => new Date().toISOString().slice(0, 7);

  /** The dashboard API as `email`, through the Hosting front, with an ID token from the Auth emulator. */
  async function apiAs(email: string, path: string, method = 'GET'): Promise<Response> {
    return fetch(`${fixture.front.url}/api${path}`, { method, headers: { authorization: `Bearer ${await googleIdToken(email)}` } });
  }
  async function apiJson<T>(email: string, path: string): Promise<T> {
    const response = await apiAs(email, path);
    expect(response.status, `GET ${path}`).to.equal(200);
    return (await response.json()) as T;
  }
  const setting = async (email: string) => (await fixture.servers.kit.records.userBudgets(thisMonth(), email))[0]?.setting;
  const meterOf = (page: Page, email: string) => page.locator(`article[aria-label="Budget of ${email}"] budget-meter`);
  const editorOf = (page: Page, email: string) => page.locator(`budget-editor[email="${email}"]`);
  const totalsRows = (page: Page) => page.getByRole('region', { name: 'Totals per user' }).locator('tbody tr').allInnerTexts();
  const cells = (row: string) => row.split('\t').map((cell) => cell.trim());
  /** The local day the browser shows for an instant, as budget-text.ts formats it. */
  const localDay = (page: Page, iso: string) => page.evaluate<string>(`new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(new Date(${JSON.stringify(iso)}))`);

  async function openBilling(email: string, viewport: { width: number; height: number } = DESKTOP) {
    const opened = await fixture.openAs(email, { viewport, path: '/#/billing' });
    await opened.page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await opened.page.locator('budget-meter').first().waitFor();
    return opened;
  }

  before(async () => {
    fixture = await startDashboard({ allowed: [ADA, BOB, CAROL], monthlyBudgetUsd: DEFAULT_BUDGET });
    adaNames = await fixture.generateAs(ADA, [{ prompt: 'a lighthouse at dusk over a calm sea' }, { prompt: 'a bowl of ramen from above', model: 'pro' }]);
    await fixture.generateAs(BOB, [{ prompt: 'bob’s secret birthday card' }]);
  });
  after(async () => {
    await fixture?.close();
  });

  it('shows a user their own month against their budget, their months and cumulative spend, and no one else’s', async () => {
    const { context, page, errors } = await openBilling(ADA);
    const [budget] = await fixture.servers.kit.records.userBudgets(thisMonth(), ADA);
    const totals = await fixture.servers.kit.records.totals(ADA);
    const spent = budget!.spend.spentUsd;
    expect(spent).to.be.greaterThan(0);

    const meter = meterOf(page, ADA);
    const summary = await meter.locator('.summary').innerText();
    expect(summary).to.include(`${dashboardUsd(spent)} of ${dashboardUsd(DEFAULT_BUDGET)} spent this month`);
    const me = await apiJson<Me>(ADA, '/me');
    expect(summary).to.include(`resets ${await localDay(page, me.budget.resetsAt)}`);
    const bar = meter.getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).to.equal(String(spent));
    expect(await bar.getAttribute('aria-valuemax')).to.equal(String(DEFAULT_BUDGET));
    // Read-only for a user: no editor.
    expect(await page.locator('budget-editor').count()).to.equal(0);

    // This month in the month table: what was spent and generated.
    const newestMonth = await page.getByRole('region', { name: 'Spend per month, table' }).locator('tbody tr').first().innerText();
    expect(newestMonth).to.include(dashboardUsd(spent)).and.include('2 generated');
    expect(await page.getByRole('region', { name: 'Spend per month, table' }).locator('tbody tr').count()).to.equal(12);

    expect((await totalsRows(page)).map(cells)).to.deep.equal([[ADA, String(totals.imageCount), dashboardUsd(totals.costUsd)]]);
    expect(await page.getByText('deleting an image is not a refund').count()).to.be.greaterThan(0);
    expect(await page.content()).to.not.include(BOB);
    expect(await page.locator('billing-page').innerText()).to.not.include(BOB);

    // The header's glance agrees.
    expect(await page.locator('header .glance').innerText()).to.equal(`${dashboardUsd(spent)} of ${dashboardUsd(DEFAULT_BUDGET)} this month`);
    await expectAccessible(page, 'billing');
    await keepScreenshot(page, 'billing');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('fits the billing page on a phone, with every figure readable', async () => {
    const { context, page } = await openBilling(ADA, PHONE);
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'billing on a phone');
    expect(await meterOf(page, ADA).getByRole('progressbar').isVisible()).to.be.true;
    // One user's tables fit the width: no figure hides off to the side.
    for (const name of ['Totals per user', 'Spend per month, table']) {
      const overflow = await page.getByRole('region', { name }).evaluate((el) => {
        const box = el as unknown as { scrollWidth: number; clientWidth: number };
        return box.scrollWidth - box.clientWidth;
      });
      expect(overflow, name).to.be.at.most(0);
    }
    await keepScreenshot(page, 'billing-phone');
    await context.close();
  });

  it('shows an admin every user and lets them set, lift and reset a budget', async () => {
    const { context, page, errors } = await openBilling(ADMIN);
    // Everyone on the allow-list, spend or not (the admin too).
    expect((await totalsRows(page)).map((r) => cells(r)[0]).sort()).to.deep.equal([ADA, BOB, CAROL, ADMIN].sort());
    const editor = editorOf(page, BOB);
    const bobSummary = () => meterOf(page, BOB).locator('.summary').innerText();
    expect(await editor.getByRole('radio', { name: `Use default (${dashboardUsd(DEFAULT_BUDGET)})` }).isChecked()).to.be.true;

    await editor.getByLabel(`Limit in US dollars for ${BOB}`).fill('1.50');
    await editor.getByRole('button', { name: 'Save budget' }).click();
    await page.locator('toast-notice').getByText(`Budget saved: ${BOB} has $1.50 a month.`).waitFor();
    expect(await setting(BOB)).to.equal(1.5);
    expect(await bobSummary()).to.include(`of ${dashboardUsd(1.5)} spent this month`);
    expect(await editor.getByRole('radio', { name: 'Limit', exact: true }).isChecked()).to.be.true;
    await expectAccessible(page, 'billing as an admin');
    await keepScreenshot(page, 'billing-admin');

    await editor.getByRole('radio', { name: 'No limit' }).check();
    await editor.getByRole('button', { name: 'Save budget' }).click();
    // One toast at a time: the new notice replaces the previous one.
    await page.locator('toast-notice').getByText(`Budget saved: ${BOB} has no limit.`).waitFor();
    expect(await page.locator('toast-notice .toast').count()).to.equal(1);
    expect(await setting(BOB)).to.equal(null);
    expect(await bobSummary()).to.include('spent this month · no limit');
    expect(await meterOf(page, BOB).getByRole('progressbar').count()).to.equal(0);

    await editor.getByRole('radio', { name: /^Use default/ }).check();
    await editor.getByRole('button', { name: 'Save budget' }).click();
    await page.locator('toast-notice').getByText(`Budget saved: ${BOB} has the default (${dashboardUsd(DEFAULT_BUDGET)}).`).waitFor();
    expect(await setting(BOB)).to.equal(undefined);
    expect(await bobSummary()).to.include(`of ${dashboardUsd(DEFAULT_BUDGET)} spent this month`);

    // Carol has not generated anything: her budget can be set before her first image.
    const carol = editorOf(page, CAROL);
    await carol.getByLabel(`Limit in US dollars for ${CAROL}`).fill('2');
    await carol.getByRole('button', { name: 'Save budget' }).click();
    await page.locator('toast-notice').getByText(`Budget saved: ${CAROL} has $2.00 a month.`).waitFor();
    expect(await setting(CAROL)).to.equal(2);
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('fits an admin’s billing page, editors included, on a phone', async () => {
    const { context, page } = await openBilling(ADMIN, PHONE);
    await editorOf(page, BOB).waitFor();
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'billing as an admin on a phone');
    // Every user's months: wider than a phone, so they scroll in a region the keyboard can reach.
    expect(await page.getByRole('region', { name: 'Spend per month, table' }).getAttribute('tabindex')).to.equal('0');
    await keepScreenshot(page, 'billing-admin-phone');
    await context.close();
  });

  it('shows the server’s message and changes nothing when an admin enters an amount it refuses', async () => {
    const { context, page } = await openBilling(ADMIN);
    const editor = editorOf(page, BOB);
    const before = await meterOf(page, BOB).locator('.summary').innerText();
    const settingBefore = await setting(BOB);
    await editor.getByLabel(`Limit in US dollars for ${BOB}`).fill('1.505');
    await editor.getByRole('button', { name: 'Save budget' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).to.include('Not saved').and.include('at most 2 decimals');
    expect(await setting(BOB)).to.equal(settingBefore);
    expect(await meterOf(page, BOB).locator('.summary').innerText()).to.equal(before);
    await page.reload();
    await meterOf(page, BOB).waitFor();
    expect(await meterOf(page, BOB).locator('.summary').innerText()).to.equal(before);
    await context.close();
  });

  it('downloads a CSV of every user’s months that matches the API', async () => {
    const { context, page } = await openBilling(ADMIN);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).to.equal(`image-studio-spend-${thisMonth()}.csv`);
    const text = await readFile(await download.path(), 'utf8');
    await page.locator('toast-notice').getByText(`Downloaded image-studio-spend-${thisMonth()}.csv.`).waitFor();

    // Headers with commas are quoted (RFC 4180), and read back whole.
    expect(text.split('\r\n')[0]).to.equal('User,Month,"Spent (USD, that month)",Generated (that month),"Spent (USD, cumulative)",Images (kept now)');
    const [header, ...rows] = parseCsv(text);
    expect(header).to.deep.equal(['User', 'Month', 'Spent (USD, that month)', 'Generated (that month)', 'Spent (USD, cumulative)', 'Images (kept now)']);
    const costs = await apiJson<Costs>(ADMIN, '/costs?months=12');
    const expected = costs.users.flatMap((u) => u.months.map((m) => [u.email, m.month, m.spentUsd, m.generatedCount, u.costUsd, u.imageCount]));
    expect(rows.map(([email, month, spent, generated, cumulative, kept]) => [email, month, Number(spent), Number(generated), Number(cumulative), Number(kept)])).to.deep.equal(expected);
    expect(rows).to.have.length(4 * 12); // ada, bob, carol and the admin, 12 months each
    // Money as a plain number with at least 2 decimals.
    for (const row of rows) expect(row[2]).to.match(/^\d+\.\d{2,}$/);
    await context.close();
  });

  it('keeps spend and activity but counts one image fewer after a delete, on billing and usage', async () => {
    const usageRow = async (page: Page) => cells(await page.getByRole('table', { name: 'Usage per user' }).locator('tbody tr').filter({ hasText: ADA }).innerText());
    const todayRow = async (page: Page) => cells(await page.getByRole('table', { name: 'Daily activity' }).locator('tbody tr').first().innerText());
    const admin = await fixture.openAs(ADMIN, { path: '/#/usage' });
    await admin.page.getByRole('table', { name: 'Usage per user' }).locator('tbody tr').first().waitFor();
    const usageBefore = await usageRow(admin.page);
    const dayBefore = await todayRow(admin.page);
    const user = await openBilling(ADA);
    const monthBefore = await user.page.getByRole('region', { name: 'Spend per month, table' }).locator('tbody tr').first().innerText();
    const [totalsBefore] = (await totalsRows(user.page)).map(cells);

    expect((await apiAs(ADA, `/generations/${adaNames[0]}`, 'DELETE')).status).to.equal(204);

    await user.page.reload();
    await user.page.getByRole('region', { name: 'Totals per user' }).locator('tbody tr').first().waitFor();
    const [totalsAfter] = (await totalsRows(user.page)).map(cells);
    expect(totalsAfter).to.deep.equal([ADA, String(Number(totalsBefore![1]) - 1), totalsBefore![2]]);
    expect(await user.page.getByRole('region', { name: 'Spend per month, table' }).locator('tbody tr').first().innerText()).to.equal(monthBefore);
    await user.context.close();

    await admin.page.reload();
    await admin.page.getByRole('table', { name: 'Usage per user' }).locator('tbody tr').first().waitFor();
    const usageAfter = await usageRow(admin.page);
    // User, images (kept), spent (cumulative), kept by model, last 30 days generated and spent, last generation.
    expect(usageAfter[1]).to.equal(String(Number(usageBefore[1]) - 1));
    expect([usageAfter[2], usageAfter[4], usageAfter[5], usageAfter[6]]).to.deep.equal([usageBefore[2], usageBefore[4], usageBefore[5], usageBefore[6]]);
    expect(await todayRow(admin.page)).to.deep.equal(dayBefore);
    const usage = await apiJson<Usage>(ADMIN, '/usage');
    expect(usage.daily[0]!.generatedCount).to.equal(3);
    await admin.context.close();
  });

  it('shows the usage report at desktop and phone widths, its wide table scrollable by keyboard', async () => {
    const desktop = await fixture.openAs(ADMIN, { path: '/#/usage' });
    await desktop.page.getByRole('heading', { name: 'Daily activity, last 14 days' }).waitFor();
    const header = await desktop.page.getByRole('table', { name: 'Usage per user' }).locator('thead').innerText();
    expect(cells(header)).to.deep.equal(['User', 'Images (kept)', 'Spent (cumulative)', 'Kept, by model', 'Last 30 days: generated', 'Last 30 days: spent', 'Last generation']);
    expect(await desktop.page.getByRole('table', { name: 'Daily activity' }).locator('tbody tr').count()).to.equal(14);
    await expectAccessible(desktop.page, 'usage');
    await keepScreenshot(desktop.page, 'usage');
    await desktop.context.close();

    const { context, page } = await fixture.openAs(ADMIN, { path: '/#/usage', viewport: PHONE });
    await page.getByRole('heading', { name: 'Daily activity, last 14 days' }).waitFor();
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'usage on a phone');
    const region = page.getByRole('region', { name: 'Usage per user, table' });
    const scrollLeft = () => region.evaluate((el) => (el as unknown as { scrollLeft: number }).scrollLeft);
    expect(await region.evaluate((el) => (el as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth > (el as unknown as { clientWidth: number }).clientWidth)).to.be.true;
    // Reach it with Tab, then scroll it with the arrow keys.
    const focused = () => region.evaluate((el) => (el as unknown as { matches(selector: string): boolean }).matches(':focus'));
    for (let i = 0; i < 30 && !(await focused()); i++) await page.keyboard.press('Tab');
    expect(await focused()).to.be.true;
    expect(await scrollLeft()).to.equal(0);
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    // Keyboard scrolling is animated: give it a moment to move.
    for (let i = 0; i < 20 && (await scrollLeft()) === 0; i++) await page.waitForTimeout(100);
    expect(await scrollLeft()).to.be.greaterThan(0);
    await keepScreenshot(page, 'usage-phone');
    await context.close();
  });

  it('shows a styled error with Retry when billing cannot load, and loads on Retry', async () => {
    const { context, page } = await fixture.openAs(ADA);
    await page.getByRole('link', { name: 'Billing', exact: true }).waitFor();
    fixture.failReads = true;
    try {
      await page.getByRole('link', { name: 'Billing', exact: true }).click();
      const alert = page.locator('billing-page').getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).to.include('Something went wrong on the server');
      expect(await alert.locator('svg.icon').isVisible()).to.be.true;
      // Distinct from a notice: the error's own edge and background.
      const style = await alert.evaluate((el) => {
        const s = (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftWidth: string; backgroundColor: string } }).getComputedStyle(el);
        return [s.borderLeftWidth, s.backgroundColor];
      });
      expect(style[0]).to.equal('6px');
      expect(style[1]).to.not.equal('rgb(255, 255, 255)');
      await expectAccessible(page, 'billing error');
      await page.emulateMedia({ colorScheme: 'dark' });
      await expectAccessible(page, 'billing error, dark');
      await keepScreenshot(page, 'billing-error-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    } finally {
      fixture.failReads = false;
    }
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await meterOf(page, ADA).waitFor();
    await context.close();
  });

  it('reaches the Billing tab by keyboard and opens it with Enter', async () => {
    const { context, page } = await fixture.openAs(ADA, { viewport: PHONE });
    await page.getByRole('link', { name: 'Billing', exact: true }).waitFor();
    for (let i = 0; i < 15 && (await focusedText(page)) !== 'Billing'; i++) await page.keyboard.press('Tab');
    expect(await focusedText(page)).to.equal('Billing');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    expect(new URL(page.url()).hash).to.equal('#/billing');
    await context.close();
  });
});

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
