/** Figure 4: GET /i/{name} throughput against a bare node:http server streaming the same file. */
import path from 'node:path';
import { Agent, get } from 'node:http';
import { startScript, startServer, waitForHealth, type Child } from './processes.js';
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

interface Round {
  readonly perSecond: number;
  /** The server's CPU time (user + system) per request served. */
  readonly cpuMsPerRequest: number;
}

async function round(server: Child, url: string, seconds: number): Promise<Round> {
  const cpuBefore = server.cpuMs();
  const { completed, elapsedS } = await load(url, seconds);
  return { perSecond: completed / elapsedS, cpuMsPerRequest: (server.cpuMs() - cpuBefore) / completed };
}

export async function benchServing(store: { root: string; name: string }, seconds: number): Promise<Figure[]> {
  const file = path.join(store.root, store.name);
  const bare = await startScript('bare-file-server.mjs', { BENCH_FILE: file });
  const server = await startServer({ IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: 'unused-in-this-figure', IMG_ROOT: store.root });
  try {
    await waitForHealth(bare.url, `/${store.name}`);
    // The load generator shares the 2 cores, and one round alone swings by a third either way:
    // three pairs of rounds, back to back, in alternating order so drift hits both sides alike;
    // the figure is the pair with the median ratio.
    const pairs: { floor: Round; measured: Round }[] = [];
    for (let pair = 0; pair < 3; pair++) {
      const bareRound = () => round(bare, `${bare.url}/${store.name}`, seconds / 2);
      const ourRound = () => round(server, `${server.url}/i/${store.name}`, seconds / 2);
      if (pair % 2 === 0) {
        const floor = await bareRound();
        pairs.push({ floor, measured: await ourRound() });
      } else {
        const measured = await ourRound();
        pairs.push({ measured, floor: await bareRound() });
      }
    }
    const ratio = (p: (typeof pairs)[number]) => p.measured.perSecond / p.floor.perSecond;
    const ratios = pairs.map(ratio).sort((a, b) => a - b);
    const { floor, measured } = pairs.find((p) => ratio(p) === ratios[1])!;
    // CPU per request is steadier than throughput: it does not depend on who else had the cores.
    const cpuPerRequest = (side: 'floor' | 'measured') => median(pairs.map((p) => p[side].cpuMsPerRequest));
    const { peak } = server.rssMb();
    return [
      {
        figure: `GET /i 2K PNG, ${CONNECTIONS} clients, local store (median of 3 paired rounds; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
        measured: `${measured.perSecond.toFixed(0)} req/s`,
        floor: `${floor.perSecond.toFixed(0)} req/s (bare node:http)`,
        ratio: ratios[1]!,
        target: '≥ 0.8×',
        met: ratios[1]! >= 0.8,
      },
      {
        figure: 'server CPU per GET /i meanwhile (median of the 3 rounds)',
        measured: `${cpuPerRequest('measured').toFixed(1)} ms`,
        floor: `${cpuPerRequest('floor').toFixed(1)} ms (bare node:http)`,
        ratio: cpuPerRequest('measured') / cpuPerRequest('floor'),
        target: '—',
      },
      { figure: 'server RSS meanwhile (peak)', measured: `${peak.toFixed(0)} MB`, floor: '—', target: '< 300 MB', met: peak < 300 },
    ];
  } finally {
    await Promise.all([bare.stop(), server.stop()]);
  }
}
