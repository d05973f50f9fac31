/**
 * Generation through MCP against the floor of the image work alone, concurrency under a slow
 * Gemini, and memory per in-flight 4K generation (figures 1–3).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { interpretResponse, type GeminiAnswer } from '../server/gemini/gemini-mapping.js';
import { decodeImage, makeSmallImages } from '../server/generation/image-derivatives.js';
import { loopDelay, startFake, startServer, type Child } from './processes.js';
import { median, medianMs, timeMs, type Figure } from './stats.js';

const SIZES = ['1K', '2K', '4K'] as const;
type Size = (typeof SIZES)[number];

/** Today's client: MCP 2026-07-28, one stateless request per call. */
async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

async function generate(client: Client, imageSize: Size): Promise<string> {
  const result = await client.callTool({ name: 'generate_image', arguments: { prompt: 'benchmark noise', image_size: imageSize } }, { timeout: 600_000 });
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  if (result.isError) throw new Error(`generation failed: ${text}`);
  return /"([0-9a-f]{32}\.png)"/.exec(text)![1]!;
}

/**
 * The floor: what no server can skip — parse Gemini's JSON (from its bytes, as any server
 * receives it), decode the image, make preview and thumbnail, write PNG and thumbnail.
 */
function imageWork(body: Buffer, dir: string): () => Promise<void> {
  let n = 0;
  return async () => {
    const image = interpretResponse(JSON.parse(body.toString('utf8')) as GeminiAnswer);
    const { png } = await decodeImage(image.data);
    const id = n++;
    // The PNG's write overlaps making the preview and thumbnail, as the server does it.
    await Promise.all([
      writeFile(path.join(dir, `floor-${id}.png`), png),
      makeSmallImages(png).then(({ thumbnail }) => writeFile(path.join(dir, `floor-${id}.webp`), thumbnail)),
    ]);
  };
}

function answerRequest(fake: { url: string; apiKey: string }, imageSize: Size): () => Promise<Buffer> {
  return async () => {
    const response = await fetch(`${fake.url}/v1beta/models/gemini-nano-banana-2.1:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': fake.apiKey },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { imageConfig: { aspectRatio: '1:1', imageSize } } }),
    });
    return Buffer.from(await response.arrayBuffer());
  };
}

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
  const env = (f: { url: string; apiKey: string }) => ({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: f.apiKey, IMG_GEMINI_BASE_URL: f.url, IMG_ROOT: root });
  let server: Child | undefined;
  try {
    // 1. Latency per size, sequential.
    server = await startServer(env(fake), loopFile);
    const client = await connect(server.url);
    const floors: Record<Size, number> = { '1K': 0, '2K': 0, '4K': 0 };
    let served = '';
    let receivedMs = 0;
    const answers: Partial<Record<Size, Buffer>> = {};
    for (const size of SIZES) {
      const answer = answerRequest(fake, size);
      const body = (answers[size] = await answer());
      const work = imageWork(body, workDir);
      await work(); // warm-up, as the server's is
      floors[size] = await medianMs(runs, work);
      if (size === '2K') receivedMs = await medianMs(runs, answer);
      await generate(client, size); // warm-up: the first call loads sharp and the SDK paths
      const latencies: number[] = [];
      for (let i = 0; i < runs; i++) {
        const [ms, name] = await timeMs(() => generate(client, size));
        latencies.push(ms);
        if (size === '2K') served = name;
      }
      const measured = median(latencies);
      figures.push({
        figure: `generate_image ${size}, median of ${runs}`,
        measured: `${measured.toFixed(0)} ms`,
        floor: `${floors[size].toFixed(0)} ms`,
        ratio: measured / floors[size],
        target: '≤ 1.25×',
        met: measured / floors[size] <= 1.25,
      });
    }
    figures.push({
      figure: "receiving Gemini's 2K answer alone (fetch, same fake; in no floor)",
      measured: `${receivedMs.toFixed(0)} ms`,
      floor: '—',
      target: '—',
    });
    await client.close();
    await server.stop();

    // 2. 16 concurrent 2K generations, Gemini holding each for 1 s.
    server = await startServer(env(slowFake), loopFile);
    const clients = await Promise.all(Array.from({ length: 16 }, () => connect(server!.url)));
    await generate(clients[0]!, '2K');
    await loopDelay(server, loopFile); // reset the histogram
    const [wallMs] = await timeMs(() => Promise.all(clients.map((c) => generate(c, '2K'))));
    const loop = await loopDelay(server, loopFile);
    // The floor's image work for 16 answers at once, in one process on the same 2 cores.
    const sixteen = imageWork(answers['2K']!, workDir);
    const imageWorkOf16Ms = await medianMs(3, () => Promise.all(Array.from({ length: 16 }, sixteen)));
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
