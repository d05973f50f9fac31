/**
 * Figure 4: GET /i/{name} throughput, against a bare node:http server streaming the same
 * bytes from the same place: the local file, or the same object from the Cloud Storage fake.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/free-ports.js';
import { ROOT, spawnNode, startScript, startServer, waitForHealth, type Child } from './processes.js';
import { median, type Figure } from './stats.js';

const CONNECTIONS = 64;

/**
 * CONNECTIONS keep-alive clients, each requesting the URL again as soon as the last body has
 * been read (and discarded), for `seconds`. (autocannon parses bodies too slowly to load a
 * server with multi-megabyte answers.)
 */
async function load(url: string, seconds: number): Promise<{ completed: number; elapsedS: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const until = performance.now() + seconds * 1000;
  let completed = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      get(url, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', reject);
      }).on('error', reject);
    });
  const client = async () => {
    while (performance.now() < until) {
      await one();
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return { completed, elapsedS };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

interface Round {
  readonly perSecond: number;
  /** The server's CPU time (user + system) per request served. */
  readonly cpuMsPerRequest: number;
  /** Latencies of the server's /health meanwhile, when a probe asked. */
  readonly healthMs: number[];
}

/** A process of its own asking `url` every 100 ms (bench/health-probe.mjs). */
interface Probe {
  /** The latencies (ms) since the last call. */
  take(): Promise<number[]>;
  stop(): Promise<void>;
}

async function startProbe(url: string): Promise<Probe> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-probe-'));
  const file = path.join(dir, 'latencies.json');
  const child = await startScript('health-probe.mjs', { BENCH_PROBE_URL: url, BENCH_PROBE_FILE: file });
  // Until it has written its first report, SIGUSR2 would still kill it.
  for (let i = 0; !(await readFile(file).then(() => true, () => false)); i++) {
    if (i > 200) throw new Error('the /health probe did not start');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    async take() {
      child.process.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return JSON.parse(await readFile(file, 'utf8')) as number[];
    },
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function round(server: Child, url: string, seconds: number, probe?: Probe): Promise<Round> {
  await probe?.take(); // forget what it saw between rounds
  const cpuBefore = server.cpuMs();
  const { completed, elapsedS } = await load(url, seconds);
  const cpuMsPerRequest = (server.cpuMs() - cpuBefore) / completed;
  return { perSecond: completed / elapsedS, cpuMsPerRequest, healthMs: (await probe?.take()) ?? [] };
}

/**
 * The load generator shares the 2 cores, and one round alone swings by a third either way:
 * three pairs of rounds, back to back, in alternating order so drift hits both sides alike;
 * the throughput figure is the pair with the median ratio. CPU per request is steadier than
 * throughput (it does not depend on who else had the cores): the median of the three rounds.
 */
async function pairedFigures(
  where: string,
  floorName: string,
  floor: { child: Child; url: string },
  measured: { child: Child; url: string; health: string },
  seconds: number,
): Promise<Figure[]> {
  // Warm both up first: the first requests load and compile code that later ones reuse.
  await load(floor.url, 1);
  await load(measured.url, 1);
  const pairs: { floor: Round; measured: Round }[] = [];
  const probe = await startProbe(measured.health);
  try {
    for (let pair = 0; pair < 3; pair++) {
      const floorRound = () => round(floor.child, floor.url, seconds / 2);
      const ourRound = () => round(measured.child, measured.url, seconds / 2, probe);
      if (pair % 2 === 0) {
        const f = await floorRound();
        pairs.push({ floor: f, measured: await ourRound() });
      } else {
        const m = await ourRound();
        pairs.push({ measured: m, floor: await floorRound() });
      }
    }
  } finally {
    await probe.stop();
  }
  const ratio = (p: (typeof pairs)[number]) => p.measured.perSecond / p.floor.perSecond;
  const ratios = pairs.map(ratio).sort((a, b) => a - b);
  const middle = pairs.find((p) => ratio(p) === ratios[1])!;
  const cpuPerRequest = (side: 'floor' | 'measured') => median(pairs.map((p) => p[side].cpuMsPerRequest));
  const health = pairs.flatMap((p) => p.measured.healthMs);
  const { peak } = measured.child.rssMb();
  return [
    {
      figure: `GET /i 2K PNG, ${CONNECTIONS} clients, ${where} (median of 3 paired rounds; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      measured: `${middle.measured.perSecond.toFixed(0)} req/s`,
      floor: `${middle.floor.perSecond.toFixed(0)} req/s (${floorName})`,
      ratio: ratios[1]!,
      target: '≥ 0.8×',
      met: ratios[1]! >= 0.8,
    },
    {
      figure: 'server CPU per GET /i meanwhile (median of the 3 rounds)',
      measured: `${cpuPerRequest('measured').toFixed(1)} ms`,
      floor: `${cpuPerRequest('floor').toFixed(1)} ms (${floorName})`,
      ratio: cpuPerRequest('measured') / cpuPerRequest('floor'),
      target: '—',
    },
    {
      figure: `GET /health meanwhile, every 100 ms from another process (p99 of ${health.length})`,
      measured: `${percentile(health, 99).toFixed(0)} ms (max ${Math.max(...health).toFixed(0)} ms)`,
      floor: '—',
      target: '—',
    },
    { figure: 'server RSS meanwhile (peak)', measured: `${peak.toFixed(0)} MB`, floor: '—', target: '< 300 MB', met: peak < 300 },
  ];
}

export async function benchServing(store: { root: string; name: string }, seconds: number): Promise<Figure[]> {
  const file = path.join(store.root, store.name);
  const bare = await startScript('bare-file-server.mjs', { BENCH_FILE: file });
  const server = await startServer({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: 'unused-in-this-figure', IMG_ROOT: store.root });
  try {
    await waitForHealth(bare.url, `/${store.name}`);
    return await pairedFigures(
      'local store',
      'bare node:http',
      { child: bare, url: `${bare.url}/${store.name}` },
      { child: server, url: `${server.url}/i/${store.name}`, health: `${server.url}/health` },
      seconds,
    );
  } finally {
    await Promise.all([bare.stop(), server.stop()]);
  }
}

/**
 * The same image served from the Cloud Storage fake (its own process), by the server in cloud
 * mode and by a bare node:http server that streams the object's media download.
 */
export async function benchCloudServing(store: { root: string; name: string }, seconds: number): Promise<Figure[]> {
  const bucket = 'demo-bucket';
  const object = `images/${store.name.slice(0, 32)}.png`;
  const gcs = await spawnNode(['--import', path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(ROOT, 'bench/gcs-fake-process.ts')], {
    BENCH_FILE: path.join(store.root, store.name),
    BENCH_OBJECT: object,
  });
  const children: Child[] = [gcs];
  try {
    const mediaPath = `/storage/v1/b/${bucket}/o/${encodeURIComponent(object)}?alt=media`;
    await waitForHealth(gcs.url, mediaPath);
    const bare = await startScript('bare-gcs-server.mjs', { BENCH_MEDIA_URL: `${gcs.url}${mediaPath}` });
    children.push(bare);
    const server = await startServer({
      IMG_AUTH_DISABLED: '1',
      GEMINI_API_KEY: 'unused-in-this-figure',
      IMG_BUCKET: bucket,
      GOOGLE_CLOUD_PROJECT: 'demo-bench',
      STORAGE_EMULATOR_HOST: gcs.url,
      // Never used here (/i reads no record); a closed loopback port keeps the client from
      // ever looking elsewhere.
      FIRESTORE_EMULATOR_HOST: `127.0.0.1:${await freePort()}`,
    });
    children.push(server);
    await waitForHealth(bare.url, '/');
    return await pairedFigures(
      'cloud store',
      'bare node:http from the same fake',
      { child: bare, url: `${bare.url}/` },
      { child: server, url: `${server.url}/i/${store.name}`, health: `${server.url}/health` },
      seconds,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
