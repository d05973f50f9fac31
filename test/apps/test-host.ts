/**
 * Opens the test host (test-host-page.ts, bundled once with esbuild, which vite and tsx bring)
 * in Chromium, with `window.callServer` calling the real server through an MCP client. Every
 * result the app receives is measured: none may reach 100,000 characters.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { once } from '../../server/lazy.js';
import { pageErrors } from '../support/chromium.js';
import { wireChars } from './app-clients.js';
import type { HostEvent, HostGlobals, StartOptions } from './test-host-page.js';

const bundle = once(async () => {
  const out = await build({
    entryPoints: [path.join(import.meta.dirname, 'test-host-page.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
});

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface TestHost {
  readonly page: Page;
  /** The tools the app called, in order, with the size of each result. */
  readonly calls: { name: string; args: Record<string, unknown>; chars: number; isError: boolean }[];
  /** Errors thrown in the host page or the app, and CSP violations reported on the console. */
  readonly problems: string[];
  events(kind?: HostEvent['kind']): Promise<HostEvent[]>;
  /** axe-core's serious and critical findings in the app's frame, one line each. */
  accessibilityProblems(): Promise<string[]>;
  /** Waits until the app stops resizing its frame: a click while the host resizes it can land beside the button. */
  settled(): Promise<void>;
  sendToolInput(args: Record<string, unknown>): Promise<void>;
  sendToolResult(result: CallToolResult): Promise<void>;
  close(): Promise<void>;
}

export async function openTestHost(browser: Browser, client: Client, options: StartOptions, viewport = { width: 760, height: 900 }): Promise<TestHost> {
  const page = await browser.newPage({ viewport });
  const problems = pageErrors(page);
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  const calls: TestHost['calls'] = [];
  await page.exposeFunction('callServer', async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args }));
    calls.push({ name, args, chars: wireChars(result), isError: result.isError === true });
    return result;
  });
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><title>Test host</title></head><body style="margin: 16px; background: #1d1d1b"></body></html>`);
  await page.addScriptTag({ content: await bundle() });
  // Passed as plain JSON: playwright's argument types cannot follow the host context's.
  await page.evaluate((start) => (globalThis as unknown as HostGlobals).startHost(JSON.parse(start) as StartOptions), JSON.stringify(options));
  return {
    page,
    calls,
    problems,
    events: (kind) => page.evaluate((k) => (globalThis as unknown as HostGlobals).hostEvents.filter((e) => k === undefined || e.kind === k), kind),
    accessibilityProblems: async () => {
      const app = page.frames().find((frame) => frame !== page.mainFrame());
      if (!app) return ['no app frame'];
      await app.evaluate(AXE_SOURCE);
      return app.evaluate<string[]>(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.impact + ' ' + v.id + ' (' + v.help + '): ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', ')))`,
      );
    },
    settled: async () => {
      let last = -1;
      for (let stable = 0; stable < 3; ) {
        await page.waitForTimeout(100);
        const height = (await page.locator('iframe').boundingBox())?.height ?? 0;
        stable = height === last ? stable + 1 : 0;
        last = height;
      }
    },
    sendToolInput: (args) => page.evaluate((a) => (globalThis as unknown as HostGlobals).host.sendToolInput({ arguments: a }), args),
    sendToolResult: (result) => page.evaluate((r) => (globalThis as unknown as HostGlobals).host.sendToolResult(r), result as never),
    close: () => page.close(),
  };
}
