/** Figure 4: GET /i/{name} throughput against a bare node:http server streaming the same file. */
import path from 'node:path';
import { Agent, get } from 'node:http';
import { startScript, startServer, waitForHealth } from './processes.js';
import type { Figure } from './stats.js';

const CONNECTIONS = 64;

/**
 * CONNECTIONS keep-alive clients, each requesting the URL again as soon as the last body has
 * been read (and discarded), for `seconds`. (autocannon parses bodies too slowly to load a
 * server with multi-megabyte answers.)
 */
async function requestsPerSecond(url: string, seconds: number): Promise<number> {
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
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return completed / elapsed;
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
    const pairs: { floor: number; measured: number }[] = [];
    for (let pair = 0; pair < 3; pair++) {
      const bareRound = () => requestsPerSecond(`${bare.url}/${store.name}`, seconds / 2);
      const ourRound = () => requestsPerSecond(`${server.url}/i/${store.name}`, seconds / 2);
      if (pair % 2 === 0) {
        const floor = await bareRound();
        pairs.push({ floor, measured: await ourRound() });
      } else {
        const measured = await ourRound();
        pairs.push({ measured, floor: await bareRound() });
      }
    }
    const ratios = pairs.map((p) => p.measured / p.floor).sort((a, b) => a - b);
    const { floor, measured } = pairs.find((p) => p.measured / p.floor === ratios[1])!;
    const { peak } = server.rssMb();
    return [
      {
        figure: `GET /i 2K PNG, ${CONNECTIONS} clients, local store (median of 3 paired rounds; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
        measured: `${measured.toFixed(0)} req/s`,
        floor: `${floor.toFixed(0)} req/s (bare node:http)`,
        ratio: measured / floor,
        target: '≥ 0.8×',
        met: measured / floor >= 0.8,
      },
      { figure: 'server RSS meanwhile (peak)', measured: `${peak.toFixed(0)} MB`, floor: '—', target: '< 300 MB', met: peak < 300 },
    ];
  } finally {
    await Promise.all([bare.stop(), server.stop()]);
  }
}
