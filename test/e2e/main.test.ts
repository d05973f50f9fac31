/** The real entry point as a process: config errors, first log line, serving, draining. */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGcsFake } from '../fakes/gcs-fake.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import { startGoogleFake } from '../fakes/google-fake.js';
import { emulatorHost } from '../support/firestore-emulator.js';
import { CLIENT_KINDS, connectMcp } from '../support/mcp-clients.js';
import { TestOAuthClient, connectWithSignIn } from './oauth-harness.js';

const TSX = path.resolve('node_modules/tsx/dist/loader.mjs');

function startMain(env: Record<string, string>): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', TSX, 'server/main.ts'], {
    env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function waitFor(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('server/main.ts', () => {
  let fake: GeminiFake;
  let root: string;
  before(async () => {
    fake = await startGeminiFake();
    root = await mkdtemp(path.join(tmpdir(), 'image-studio-main-'));
  });
  after(async () => {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses to start without IMG_AUTH_DISABLED or a Gemini key, naming each variable', async () => {
    const run = startMain({ PORT: 'x' });
    expect(await run.exited).to.equal(1);
    const { stderr } = run.output();
    expect(stderr).to.include('PORT: expected a whole number');
    expect(stderr).to.include('GEMINI_API_KEY: required');
    expect(stderr).to.include('IMG_AUTH_DISABLED: sign-in is not configured');
  });

  it('refuses to start open when sign-in is not configured', async () => {
    const run = startMain({ GEMINI_API_KEY: 'k' });
    expect(await run.exited).to.equal(1);
    expect(run.output().stderr).to.match(/IMG_AUTH_DISABLED: sign-in is not configured .*set IMG_AUTH_DISABLED=1/);
  });

  it("starts on loopback, says so first, generates through MCP for each of today's clients, and exits cleanly on SIGTERM", async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const run = startMain({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: fake.apiKey, IMG_GEMINI_BASE_URL: fake.url, PORT: port, IMG_ROOT: root });
    try {
      await waitFor(() => run.output().stdout.includes('\n'), 'the first log line');
      const first = JSON.parse(run.output().stdout.split('\n')[0]!) as { severity: string; message: string };
      expect(first.severity).to.equal('INFO');
      expect(first.message).to.match(new RegExp(`listening on http://127.0.0.1:${port}, sign-in DISABLED.*loopback only`));

      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).to.deep.equal({ ok: true });

      for (const kind of CLIENT_KINDS) {
        const client = await connectMcp(kind, `http://localhost:${port}/mcp`);
        const result = await client.callTool({ name: 'generate_image', arguments: { prompt: `a kite for ${kind}` } });
        await client.close();
        expect(result.isError, kind).to.not.equal(true);
        const text = result.content.find((c) => c.type === 'text');
        expect(text && 'text' in text ? text.text : '', kind).to.match(new RegExp(`http://localhost:${port}/i/[0-9a-f]{32}\\.png`));
      }
      expect((await readdir(root)).filter((f) => f.endsWith('.png'))).to.have.length(CLIENT_KINDS.length);
      expect(run.output().stdout).to.not.include(fake.apiKey);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).to.equal(0);
  });

  it('on SIGTERM, waits for a generation in flight whose answer already went out, then exits with it stored', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const own = await mkdtemp(path.join(tmpdir(), 'image-studio-drain-'));
    const run = startMain({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: fake.apiKey, IMG_GEMINI_BASE_URL: fake.url, PORT: port, IMG_ROOT: own, IMG_TOOL_WAIT_SECONDS: '5' });
    try {
      await waitFor(() => run.output().stdout.includes('\n'), 'the first log line');
      fake.failNext({ kind: 'delay', ms: 6500 });
      const client = await connectMcp('2026-07-28', `http://localhost:${port}/mcp`);
      const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a slow sunset' } });
      await client.close();
      expect(result.isError).to.not.equal(true);
      expect(result.structuredContent).to.include({ status: 'generating' });
      run.child.kill('SIGTERM'); // the answer went out; Gemini still works for about 1.5 s
      expect(await run.exited).to.equal(0);
      const files = await readdir(own);
      expect(files.filter((f) => f.endsWith('.png')), 'the image was stored before the process exited').to.have.length(1);
      expect(files.filter((f) => /^[0-9a-f]{32}\.json$/.test(f)), 'and recorded').to.have.length(1);
    } finally {
      run.child.kill('SIGKILL');
      await rm(own, { recursive: true, force: true });
    }
  });

  it('runs on Cloud Storage and Firestore when a bucket is configured, and says so first', async () => {
    const gcs = await startGcsFake();
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const projectId = `demo-main-${Date.now()}`;
    const run = startMain({
      IMG_AUTH_DISABLED: '1',
      GEMINI_API_KEY: fake.apiKey,
      IMG_GEMINI_BASE_URL: fake.url,
      PORT: port,
      IMG_BUCKET: gcs.bucketName,
      GOOGLE_CLOUD_PROJECT: projectId,
      STORAGE_EMULATOR_HOST: gcs.url,
      FIRESTORE_EMULATOR_HOST: emulatorHost(),
    });
    try {
      await waitFor(() => run.output().stdout.includes('\n') || run.output().stderr.length > 0, 'the first log line');
      expect(run.output().stderr).to.equal('');
      const first = JSON.parse(run.output().stdout.split('\n')[0]!) as { message: string };
      expect(first.message).to.include(`storing in Cloud Storage bucket ${gcs.bucketName} and Firestore`);

      const client = await connectMcp('2026-07-28', `http://localhost:${port}/mcp`);
      const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'a kite in the cloud' } });
      await client.close();
      expect(result.isError, JSON.stringify(result.content)).to.not.equal(true);
      expect([...gcs.objects.keys()].filter((k) => k.startsWith('images/'))).to.have.length(1);
      const name = [...gcs.objects.keys()].find((k) => k.startsWith('images/'))!.slice('images/'.length);
      const served = await fetch(`http://127.0.0.1:${port}/i/${name}`);
      expect(served.status).to.equal(200);
      expect(served.headers.get('content-type')).to.equal('image/png');
    } finally {
      run.child.kill('SIGTERM');
      await gcs.close();
    }
    expect(await run.exited).to.equal(0);
  });

  it('with sign-in configured, says so first and turns away anonymous MCP calls', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const run = startMain({
      GEMINI_API_KEY: fake.apiKey,
      IMG_GEMINI_BASE_URL: fake.url,
      PORT: port,
      IMG_ROOT: root,
      IMG_HOST: '127.0.0.1', // keep the test on loopback; the default with sign-in is every interface
      IMG_PUBLIC_URL: `http://localhost:${port}`,
      GOOGLE_OAUTH_CLIENT_ID: 'test.apps.googleusercontent.com',
      GOOGLE_OAUTH_CLIENT_SECRET: 'test-secret',
      IMG_JWT_SIGNING_KEY: 'k'.repeat(64),
      IMG_ALLOWED_EMAILS: 'ada@example.com',
    });
    try {
      await waitFor(() => run.output().stdout.includes('\n') || run.output().stderr.length > 0, 'the first log line');
      expect(run.output().stderr).to.equal('');
      const first = JSON.parse(run.output().stdout.split('\n')[0]!) as { message: string };
      expect(first.message).to.include('sign-in with Google for 1 allowed address(es)');
      const anonymous = await fetch(`http://localhost:${port}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).to.equal(401);
      const metadata = (await (await fetch(`http://localhost:${port}/.well-known/oauth-authorization-server`)).json()) as { registration_endpoint: string };
      expect(metadata.registration_endpoint).to.equal(`http://localhost:${port}/register`);
      expect(run.output().stdout).to.not.include('test-secret').and.not.include('k'.repeat(64));
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).to.equal(0);
  });

  it('signs a Claude.ai client in end to end against a Google stand-in named by IMG_GOOGLE_BASE_URL', async () => {
    const google = await startGoogleFake();
    const port = String(20000 + Math.floor(Math.random() * 20000));
    google.registerRedirectUri(`http://localhost:${port}/auth/callback`);
    google.nextIdentity({ email: 'ada@example.com' });
    const run = startMain({
      GEMINI_API_KEY: fake.apiKey,
      IMG_GEMINI_BASE_URL: fake.url,
      PORT: port,
      IMG_ROOT: root,
      IMG_HOST: '127.0.0.1',
      IMG_PUBLIC_URL: `http://localhost:${port}`,
      GOOGLE_OAUTH_CLIENT_ID: google.clientId,
      GOOGLE_OAUTH_CLIENT_SECRET: google.clientSecret,
      IMG_GOOGLE_BASE_URL: google.url,
      IMG_JWT_SIGNING_KEY: 'k'.repeat(64),
      IMG_ALLOWED_EMAILS: 'ada@example.com',
    });
    try {
      await waitFor(() => run.output().stdout.includes('\n') || run.output().stderr.length > 0, 'the first log line');
      const provider = new TestOAuthClient({ clientMetadataUrl: 'https://claude.ai/oauth/mcp-oauth-client-metadata', redirectUrl: 'https://claude.ai/api/mcp/auth_callback' });
      const { client } = await connectWithSignIn(`http://localhost:${port}`, provider);
      const help = (await client.callTool({ name: 'help', arguments: {} })) as { isError?: boolean };
      expect(help.isError).to.not.equal(true);
      await client.close();
      expect(google.requests.map((r) => r.endpoint)).to.include.members(['authorize', 'token', 'certs']);
    } finally {
      run.child.kill('SIGTERM');
      await google.close();
    }
    expect(await run.exited).to.equal(0);
  });
});
