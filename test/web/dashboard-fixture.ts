/**
 * What the dashboard's browser tests share: the servers as on Firebase Hosting (the built
 * bundle and firebase.json's rewrites on one origin, hosting-front.ts), sign-in through the
 * real Firebase Auth emulator, images made by real generations through MCP (Gemini faked) on
 * the cloud stores, a record store whose reads can be made to fail, and axe-core on each view.
 */
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isImageName, type ImageName } from '../../server/core/names.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { connectWithSignIn, startOAuthServers, type OAuthTestServer } from '../e2e/oauth-harness.js';
import { launchChromium, pageErrors, SCREENSHOT_DIR } from '../support/chromium.js';
import { emulatorDashboard } from '../support/dashboard-build.js';
import { startHostingFront, type HostingFront } from '../support/hosting-front.js';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface DashboardFixture {
  readonly servers: OAuthTestServer;
  readonly front: HostingFront;
  readonly browser: Browser;
  /** While true, the record store's reads fail as if Firestore were down. */
  failReads: boolean;
  /** Generates through MCP as `email`, signed in by the connector flow; returns the image titles. */
  generateAs(email: string, calls: readonly GenerateArgs[]): Promise<ImageName[]>;
  /** A new browser context signed in as `email` through the Auth emulator, on the dashboard's start page. */
  openAs(email: string, options?: { viewport?: { width: number; height: number }; path?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export interface GenerateArgs {
  readonly prompt: string;
  readonly model?: string;
  readonly aspect_ratio?: string;
  readonly image_size?: string;
  readonly reference_images?: readonly string[];
}

export async function startDashboard(options: { allowed: readonly string[]; monthlyBudgetUsd?: number }): Promise<DashboardFixture> {
  const dashboardDir = await emulatorDashboard();
  const outage = { failReads: false };
  const servers = await startOAuthServers({
    store: 'cloud',
    instances: 1,
    allowed: [...options.allowed],
    dashboardSignIn: true,
    ...(options.monthlyBudgetUsd === undefined ? {} : { monthlyBudgetUsd: options.monthlyBudgetUsd }),
    records: (store) => failingReads(store, () => outage.failReads),
  });
  const front = await startHostingFront(dashboardDir, servers.url);
  const browser = await launchChromium();
  return {
    servers,
    front,
    browser,
    get failReads() {
      return outage.failReads;
    },
    set failReads(failing: boolean) {
      outage.failReads = failing;
    },
    async generateAs(email, calls) {
      servers.google.nextIdentity({ email });
      const { client } = await connectWithSignIn(servers.url);
      const names: ImageName[] = [];
      for (const args of calls) {
        const result = (await client.callTool({ name: 'generate_image', arguments: { ...args } })) as CallToolResult;
        const text = result.content.find((c) => c.type === 'text')?.text ?? '';
        const name = /"([0-9a-f]{32}\.png)"/.exec(text)?.[1];
        if (result.isError || !name || !isImageName(name)) throw new Error(`generation failed: ${text}`);
        names.push(name);
      }
      await client.close();
      return names;
    },
    async openAs(email, { viewport = DESKTOP, path = '/' } = {}) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(`${front.url}${path}`);
      await page.getByLabel('Auth emulator: sign in as').fill(email);
      await page.getByRole('button', { name: 'Sign in as this address' }).click();
      return { context, page, errors };
    },
    async close() {
      await browser.close();
      await front.close();
      await servers.close();
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** Runs axe-core on the page as it is now; fails on any serious or critical violation, naming each. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const described = serious.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  expect(described, `axe-core on ${view}`).to.deep.equal([]);
}

/** The element that has focus, through shadow roots: its text. */
export function focusedText(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active?.textContent?.trim() ?? '';
  })()`);
}

/** The element that has focus, through shadow roots: its aria-label, else its text. */
export function focusedName(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active?.getAttribute('aria-label') ?? active?.textContent?.trim() ?? '';
  })()`);
}

/** Whether the page scrolls sideways (it must not, at any width). */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
  expect(scrollWidth, 'page width').to.be.at.most(innerWidth);
}

/** Totals, month spend and budgets as the dashboard shows them (web/src/format.ts formatUsd): always 2 decimals. */
export function dashboardUsd(value: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** One image's cost as the dashboard shows it (formatImageCost): always 3 decimals. */
export function dashboardImageCost(value: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(value);
}

/** A record store whose reads fail while `failing()` says so, like Firestore being unavailable. */
export function failingReads(store: RecordStore, failing: () => boolean): RecordStore {
  const guard = <T>(read: () => Promise<T>) => (failing() ? Promise.reject(new Error('Firestore unavailable (test)')) : read());
  const reads = ['get', 'listByUser', 'searchByUser', 'summarizeByUser', 'listSince', 'totals', 'allTotals', 'userBudgets', 'listGenerating', 'listJobs', 'listUploads', 'countUploads', 'getUpload'] as const;
  // Everything else passes through (Object.create keeps the store's own methods).
  const wrapper = Object.create(store) as Record<string, unknown>;
  for (const name of reads) {
    const method = (store as unknown as Record<string, unknown>)[name];
    if (typeof method === 'function') wrapper[name] = (...args: unknown[]) => guard(() => (method as (...a: unknown[]) => Promise<unknown>).apply(store, args));
  }
  return wrapper as unknown as RecordStore;
}

/** Saves what the viewport shows (a dialog over the page), where keepScreenshot saves whole pages. */
export async function keepViewportScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
