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
    // Two rounds each, taking turns, best of each: the load generator shares the 2 cores, and
    // one round alone swings by a third either way.
    let floor = 0;
    let measured = 0;
    for (let round = 0; round < 2; round++) {
      floor = Math.max(floor, await requestsPerSecond(`${bare.url}/${store.name}`, seconds / 2));
      measured = Math.max(measured, await requestsPerSecond(`${server.url}/i/${store.name}`, seconds / 2));
    }
    const { peak } = server.rssMb();
    return [
      {
        figure: `GET /i 2K PNG, ${CONNECTIONS} clients, local store`,
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
