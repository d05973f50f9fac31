import { expect } from 'chai';
import { get } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import { DEFAULT_STORAGE_TIMEOUT_SECONDS } from '../../server/config.js';
import { uploadTimeoutMs } from '../../server/images/storage-client.js';
import type { GcsFake } from '../fakes/gcs-fake.js';
import type { McpTestClient } from '../support/mcp-clients.js';
import { openStoreKit } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The server on the cloud stores when Cloud Storage hangs: requests taken in and never answered,
 * or answers that stop halfway (the GCS fake's `hang` and `stall` faults). The Storage client is
 * built exactly as in production (the default timeout T, and the client's retries on), so the
 * times measured here are the ones users would wait.
 */
const T = DEFAULT_STORAGE_TIMEOUT_SECONDS * 1000;
/** What an image request may take, at most, when Cloud Storage is frozen (the bound). */
const IMAGE_REQUEST_BOUND_MS = 10_000;
const UNAVAILABLE = /temporarily unavailable/;
/** Timers measure whole milliseconds from their own start: one may fire a hair before T here. */
const EARLY = 50;

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
function titleOf(result: CallToolResult): string {
  const match = /"([0-9a-f]{32}\.png)"/.exec(textOf(result));
  if (!match?.[1]) throw new Error(`no title in: ${textOf(result)}`);
  return match[1];
}
async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** A GET that reports how its body ended: complete, or cut off after some bytes. */
function download(url: string): Promise<{ status: number; length: number; received: number; complete: boolean; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      const done = () => resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']), received, complete: res.complete, ms: performance.now() - started });
      res.once('end', done);
      res.once('error', done); // "aborted": the server cut the response off
    }).on('error', reject);
  });
}

describe('the server when Cloud Storage hangs (cloud stores, production deadlines)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let gcs: GcsFake;
  let client: McpTestClient;
  const generate = (args: Record<string, unknown>) => timed(client.callTool({ name: 'generate_image', arguments: args }));

  beforeEach(async () => {
    server = await startTestServer({ storeKit: await openStoreKit('cloud', { storageRetries: true }) });
    gcs = server.gcs!;
    client = await server.connect();
  });
  afterEach(async () => {
    await server.close();
  });

  /** An image generated while Cloud Storage is healthy. */
  async function stored(): Promise<string> {
    const { value } = await generate({ prompt: 'a lighthouse' });
    expect(value.isError, textOf(value)).to.not.equal(true);
    return titleOf(value);
  }

  it('answers generate_image with an error within the upload deadline when the upload hangs, storing and charging nothing; then works again', async () => {
    gcs.failNext({ method: 'POST', pathIncludes: 'images/', status: 'hang' });
    const { value: result, ms } = await generate({ prompt: 'a boat' });
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.match(/could not be saved, so nothing was stored/);
    const upload = gcs.requests.find((r) => r.fault === 'hang')!;
    expect(upload.closedBeforeAnswer, 'the client abandoned the hung upload').to.equal(true);
    // The bound: the PNG's upload deadline (T plus its size at 4 MiB/s), then a stat and the
    // clean-up (T each; here both answered at once). Gemini and the image work come before.
    expect(ms).to.be.within(T - EARLY, uploadTimeoutMs(T, upload.bodyBytes) + 2 * T);
    expect(await server.stored()).to.deep.equal([]); // no object, no record
    expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(0);
    expect(server.fake.requests).to.have.length(1);

    const retried = await generate({ prompt: 'a boat' });
    expect(retried.value.isError, textOf(retried.value)).to.not.equal(true);
    expect((await fetch(`${server.url}/i/${titleOf(retried.value)}`)).status).to.equal(200);
  });

  it('answers GET /i with 503 within 10 s when the metadata read hangs; then serves the image', async () => {
    const name = await stored();
    gcs.failNext({ method: 'GET', status: 'hang' }); // the first read of /i: the metadata
    const { value: res, ms } = await timed(fetch(`${server.url}/i/${name}`));
    expect(res.status).to.equal(503);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).to.equal('unavailable');
    expect(body.message).to.match(UNAVAILABLE);
    expect(ms).to.be.within(T - EARLY, IMAGE_REQUEST_BOUND_MS);

    expect((await fetch(`${server.url}/i/${name}`)).status).to.equal(200);
  });

  it('answers GET /i with 503 within 10 s when the download never starts; then serves the image', async () => {
    const name = await stored();
    gcs.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'hang' });
    const { value: res, ms } = await timed(fetch(`${server.url}/i/${name}`));
    expect(res.status).to.equal(503);
    expect(((await res.json()) as { message: string }).message).to.match(UNAVAILABLE);
    expect(res.headers.get('last-modified')).to.equal(null);
    expect(ms).to.be.within(T - EARLY, IMAGE_REQUEST_BOUND_MS);

    const healthy = await download(`${server.url}/i/${name}`);
    expect(healthy).to.include({ status: 200, complete: true });
  });

  it('cuts GET /i off within 10 s when the download stops halfway; then serves the image', async () => {
    const name = await stored();
    gcs.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'stall', stallAfterBytes: 1000 });
    const cut = await download(`${server.url}/i/${name}`);
    expect(cut.status).to.equal(200); // the headers had gone out
    expect(cut.complete).to.equal(false);
    expect(cut.received).to.equal(1000);
    expect(cut.received).to.be.below(cut.length);
    expect(cut.ms).to.be.within(T - EARLY, IMAGE_REQUEST_BOUND_MS);
    expect(gcs.requests.find((r) => r.fault === 'stall')!.closedBeforeAnswer, 'the server let go of the stalled download').to.equal(true);

    const healthy = await download(`${server.url}/i/${name}`);
    expect(healthy).to.include({ status: 200, complete: true });
    expect(healthy.received).to.equal(healthy.length);
  });

  it('answers generate_image with reference images within T, before calling Gemini, when a reference download hangs; then works again', async () => {
    const reference = await stored();
    const calledBefore = server.fake.requests.length;
    gcs.failNext({ method: 'GET', pathIncludes: 'alt=media', status: 'hang' });
    const { value: result, ms } = await generate({ prompt: 'the same lighthouse at dawn', reference_images: [reference] });
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.match(UNAVAILABLE);
    expect(ms).to.be.within(T - EARLY, T + 2_000);
    expect(server.fake.requests, 'Gemini was not called').to.have.length(calledBefore);
    expect((await server.records.totals(LOCAL_CALLER.email)).imageCount).to.equal(1);

    const retried = await generate({ prompt: 'the same lighthouse at dawn', reference_images: [reference] });
    expect(retried.value.isError, textOf(retried.value)).to.not.equal(true);
    expect(server.fake.requests).to.have.length(calledBefore + 1);
    const parts = server.fake.requests.at(-1)!.body.contents?.flatMap((c) => c.parts ?? []) ?? [];
    expect(parts.filter((p) => p.inlineData)).to.have.length(1); // the reference went to Gemini
  });

  it('answers both within their bounds when every Cloud Storage request hangs; then works again', async () => {
    const name = await stored();
    gcs.failNext({ status: 'hang', count: Infinity });
    const [image, generation] = await Promise.all([timed(fetch(`${server.url}/i/${name}`)), generate({ prompt: 'a kite' })]);
    expect(image.value.status).to.equal(503);
    expect(image.ms).to.be.within(T - EARLY, IMAGE_REQUEST_BOUND_MS);
    expect(generation.value.isError).to.equal(true);
    // Both uploads time out (T and a little more), then the stats that look for them (T).
    const pngUpload = gcs.requests.find((r) => r.method === 'POST' && r.object?.startsWith('images/') && r.fault === 'hang')!;
    expect(generation.ms).to.be.within(2 * T - EARLY, uploadTimeoutMs(T, pngUpload.bodyBytes) + 2 * T);
    gcs.heal();
    expect((await server.stored()).filter((f) => !f.startsWith('generations/'))).to.have.length(2); // only the first image's objects

    expect((await fetch(`${server.url}/i/${name}`)).status).to.equal(200);
    expect((await generate({ prompt: 'a kite' })).value.isError).to.not.equal(true);
  });
});
