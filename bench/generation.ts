/**
 * Generation through MCP, as jobs under a monthly budget, against the floor of receiving
 * Gemini's answer and doing the image work; concurrency under a slow Gemini; memory per
 * in-flight 4K generation (figures 1–3).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { LOCAL_CALLER } from '../server/core/access.js';
import { buildGenerateContentParams, interpretResponse, type GeminiAnswer } from '../server/gemini/gemini-mapping.js';
import { decodeImage, makeSmallImages } from '../server/generation/image-derivatives.js';
import { LocalRecordStore } from '../server/records/local-record-store.js';
import { jobsPathFigure } from './jobs-check.js';
import { loopDelay, startFake, startServer, type Child } from './processes.js';
import { median, medianMs, timeMs, type Figure } from './stats.js';

const SIZES = ['1K', '2K', '4K'] as const;
type Size = (typeof SIZES)[number];
const PROMPT = 'benchmark noise';

/**
 * IMG_MONTHLY_BUDGET_USD for every benchmarked server: far above what the benchmark spends,
 * so it never refuses, but set, so every generation reserves its estimate and settles it.
 */
export const BENCH_BUDGET_USD = '1000000';

/** Today's client: MCP 2026-07-28, one stateless request per call. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

let promptNumber = 0;

/**
 * One generate_image call; the image's title and the Gemini model that made it. Each call's
 * prompt is its own (`benchmark noise 17`): identical calls made while one is generating join
 * it instead of generating again.
 */
export async function generate(client: Client, imageSize: Size): Promise<{ name: string; modelId: string }> {
  const prompt = `${PROMPT} ${++promptNumber}`;
  const result = await client.callTool({ name: 'generate_image', arguments: { prompt, image_size: imageSize } }, { timeout: 600_000 });
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  const structured = result.structuredContent as { title?: string; model_id?: string; status?: string } | undefined;
  if (result.isError || structured?.status !== 'done' || !structured.title || !structured.model_id) throw new Error(`generation failed: ${text}`);
  return { name: structured.title, modelId: structured.model_id };
}

/**
 * The image work no server can skip, on an answer: parse Gemini's JSON (from its bytes, as any
 * server receives it, or from the text a fetch decoded them to), decode the image, make
 * preview and thumbnail, write PNG and thumbnail.
 */
function imageWork(dir: string): (answer: Buffer | string) => Promise<void> {
  let n = 0;
  return async (answer) => {
    const image = interpretResponse(JSON.parse(typeof answer === 'string' ? answer : answer.toString('utf8')) as GeminiAnswer);
    const { png } = await decodeImage(image.data);
    const id = n++;
    // The PNG's write overlaps making the preview and thumbnail, as the server does it.
    await Promise.all([
      writeFile(path.join(dir, `floor-${id}.png`), png),
      makeSmallImages(png).then(({ thumbnail }) => writeFile(path.join(dir, `floor-${id}.webp`), thumbnail)),
    ]);
  };
}

/**
 * Receiving Gemini's answer, as no server can skip it: a plain fetch of the request the
 * server sends (the same body, built by the same mapping; the same model) from the same fake
 * process, read to the last byte as text (fetch's own UTF-8 decode, the fastest way to the
 * JSON text there is: 40–80 ms less at 4K than `arrayBuffer()` and `Buffer#toString`).
 */
function receive(fake: { url: string; apiKey: string }, modelId: string, imageSize: Size): () => Promise<string> {
  const { contents, config } = buildGenerateContentParams({ modelId, prompt: PROMPT, aspectRatio: '1:1', imageSize, references: [] });
  const body = JSON.stringify({ contents, generationConfig: config });
  return async () => {
    const response = await fetch(`${fake.url}/v1beta/models/${modelId}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': fake.apiKey },
      body,
    });
    if (!response.ok) throw new Error(`the fake answered ${response.status}`);
    return response.text();
  };
}

/**
 * A pause between samples, so that neither side starts while the other's aftermath (garbage
 * collection of tens of MB, sharp's threads winding down, the fake's socket) still holds a core.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
const SETTLE_MS = 100;

export interface GenerationResults {
  readonly figures: Figure[];
  /** A stored 2K image and the store it is in, for the serving benchmark. */
  readonly served: { root: string; name: string };
  readonly perGenerationMb: number;
  readonly idleMb: number;
}

export async function benchGeneration(runs: number): Promise<GenerationResults> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'bench-generation-'));
  const root = path.join(workDir, 'store');
  const loopFile = path.join(workDir, 'loop.json');
  const figures: Figure[] = [];
  const fake = await startFake();
  const slowFake = await startFake(1000);
  const env = (f: { url: string; apiKey: string }) => ({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: f.apiKey, IMG_GEMINI_BASE_URL: f.url, IMG_ROOT: root, IMG_MONTHLY_BUDGET_USD: BENCH_BUDGET_USD });
  let server: Child | undefined;
  try {
    // 1. Latency per size, sequential; floor and generation samples alternate, so drift in
    // the machine's load hits both alike.
    server = await startServer(env(fake), loopFile);
    const client = await connect(server.url);
    let served = '';
    let calls = 0;
    let answer2K = Buffer.alloc(0); // for the concurrency figure's floor
    const work = imageWork(workDir);
    for (const size of SIZES) {
      // Warm-up, both sides: the first call loads sharp, the SDK paths, the fake's rendering.
      const { modelId } = await generate(client, size);
      const fetchAnswer = receive(fake, modelId, size);
      const first = await fetchAnswer();
      if (size === '2K') answer2K = Buffer.from(first, 'utf8');
      await work(first);
      calls++;
      const floor = { receive: [] as number[], work: [] as number[], total: [] as number[] };
      const latencies: number[] = [];
      for (let i = 0; i < runs; i++) {
        await settle();
        const [receiveMs, text] = await timeMs(fetchAnswer);
        const [workMs] = await timeMs(() => work(text));
        floor.receive.push(receiveMs);
        floor.work.push(workMs);
        floor.total.push(receiveMs + workMs);
        await settle();
        const [ms, { name }] = await timeMs(() => generate(client, size));
        latencies.push(ms);
        calls++;
        if (size === '2K') served = name;
      }
      const measured = median(latencies);
      const floorMs = median(floor.total);
      figures.push({
        figure: `generate_image ${size}, median of ${runs}`,
        measured: `${measured.toFixed(0)} ms`,
        floor: `${floorMs.toFixed(0)} ms (receive ${median(floor.receive).toFixed(0)} + image work ${median(floor.work).toFixed(0)})`,
        ratio: measured / floorMs,
        target: '≤ 1.1×',
        met: measured / floorMs <= 1.1,
      });
    }
    await client.close();
    await server.stop();

    // 2. 16 concurrent 2K generations, Gemini holding each for 1 s.
    server = await startServer(env(slowFake), loopFile);
    const clients = await Promise.all(Array.from({ length: 16 }, () => connect(server!.url)));
    await generate(clients[0]!, '2K');
    await loopDelay(server, loopFile); // reset the histogram
    const [wallMs] = await timeMs(() => Promise.all(clients.map((c) => generate(c, '2K'))));
    calls += 1 + clients.length;
    const loop = await loopDelay(server, loopFile);
    // The floor's image work for 16 answers at once, in one process on the same 2 cores, each
    // from the answer's bytes.
    const imageWorkOf16Ms = await medianMs(3, () => Promise.all(Array.from({ length: 16 }, () => work(answer2K))));
    const concurrentFloor = 1000 + imageWorkOf16Ms;
    figures.push({
      figure: '16 concurrent 2K, Gemini holds each 1 s',
      measured: `${wallMs.toFixed(0)} ms`,
      floor: `${concurrentFloor.toFixed(0)} ms (1 s + 16 images' work at once, ${imageWorkOf16Ms.toFixed(0)} ms)`,
      ratio: wallMs / concurrentFloor,
      target: '≤ 1.3×',
      met: wallMs / concurrentFloor <= 1.3,
    });
    figures.push({
      figure: 'event-loop delay meanwhile, p99',
      measured: `${loop.p99Ms.toFixed(1)} ms (max ${loop.maxMs.toFixed(0)} ms)`,
      floor: '—',
      target: '< 100 ms',
      met: loop.p99Ms < 100,
    });
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();

    // 3. Peak memory per in-flight 4K generation: 8 at once on a fresh process.
    server = await startServer(env(fake), loopFile);
    const warm = await connect(server.url);
    await generate(warm, '1K'); // load what any generation loads, so idle means ready
    await new Promise((r) => setTimeout(r, 500));
    const idleMb = server.rssMb().now;
    const eight = await Promise.all(Array.from({ length: 8 }, () => connect(server!.url)));
    await Promise.all(eight.map((c) => generate(c, '4K')));
    calls += 1 + eight.length;
    const peakMb = server.rssMb().peak;
    const perGenerationMb = (peakMb - idleMb) / 8;
    figures.push({
      figure: 'peak RSS per in-flight 4K generation (8 at once)',
      measured: `${perGenerationMb.toFixed(0)} MB (idle ${idleMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB)`,
      floor: '—',
      target: '≤ 150 MB',
      met: perGenerationMb <= 150,
    });
    await Promise.all([...eight, warm].map((c) => c.close()));
    await server.stop();
    server = undefined;
    // Read once the server has stopped: the local store belongs to one process at a time.
    figures.push(await jobsPathFigure('local', new LocalRecordStore(root), LOCAL_CALLER.email, calls));
    return { figures, served: { root, name: served }, perGenerationMb, idleMb };
  } finally {
    await server?.stop();
    await fake.stop();
    await slowFake.stop();
    await rm(path.join(workDir, 'loop.json'), { force: true });
  }
}

/** Removes what benchGeneration left (the store the serving benchmark read). */
export async function cleanGeneration(root: string): Promise<void> {
  await rm(path.dirname(root), { recursive: true, force: true });
}
