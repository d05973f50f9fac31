/**
 * The container's contents, without Docker: the server compiled to dist/ and production
 * dependencies only (`npm ci --omit=dev` in a temporary copy), started the way the
 * Dockerfile's CMD starts it. It answers /health and generates an image through MCP (against
 * the Gemini fake), so nothing it needs at run time is a dev dependency.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import { envWithoutLoader } from '../support/child-env.js';
import { freePort } from '../support/free-ports.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('production build (dist/ with production dependencies only)', function () {
  this.timeout(300_000);
  let dir: string;
  let fake: GeminiFake;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'image-studio-prod-'));
    fake = await startGeminiFake();
    await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    await copyFile(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist')], { env: envWithoutLoader() });
    // As in the Dockerfile's runtime stage; --prefer-offline reuses the cache the first npm ci filled.
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, env: envWithoutLoader({ NODE_ENV: 'production' }) });
  });
  after(async () => {
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs the runtime dependencies and none of the dev ones', () => {
    const installed = (name: string) => existsSync(path.join(dir, 'node_modules', name, 'package.json'));
    expect(['express', 'sharp', '@google/genai', '@modelcontextprotocol/sdk', 'firebase-admin'].filter((name) => !installed(name))).to.deep.equal([]);
    expect(['typescript', 'tsx', 'vite', 'lit', 'firebase-tools', 'mocha', 'playwright-core'].filter(installed)).to.deep.equal([]);
  });

  it('starts from dist/, answers /health and generates through MCP, then drains on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--max-old-space-size=1024', 'dist/server/main.js'], {
      cwd: dir,
      env: envWithoutLoader({ NODE_ENV: 'production', PORT: String(port), IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: fake.apiKey, IMG_GEMINI_BASE_URL: fake.url, IMG_ROOT: path.join(dir, 'data') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`no /health within 20 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const client = new Client({ name: 'prod-check', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a shipping container at dawn' } })) as CallToolResult;
      await client.close();
      expect(result.isError ?? false, JSON.stringify(result.content)).to.equal(false);
      expect(result.content.some((c) => c.type === 'image' && c.mimeType === 'image/jpeg')).to.equal(true);
      const name = /"([0-9a-f]{32}\.png)"/.exec(result.content.map((c) => (c.type === 'text' ? c.text : '')).join(''))?.[1];
      expect((await fetch(`${url}/i/${name}`)).headers.get('content-type')).to.equal('image/png');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });
});
