/** Figure 7: start-up to the first /health 200 in local mode, against a bare express app. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, spawnNode, startScript, waitForHealth, type Child } from './processes.js';
import { median, type Figure } from './stats.js';

/** From spawning the process to its first /health 200. */
async function startupMs(start: () => Promise<Child>): Promise<number> {
  const started = performance.now();
  const child = await start();
  await waitForHealth(child.url, '/health', 30_000);
  const ms = performance.now() - started;
  await child.stop();
  return ms;
}

export async function benchStartup(runs: number): Promise<Figure[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-startup-'));
  try {
    const server = () => spawnNode([path.join(ROOT, 'dist/server/main.js')], { IMG_AUTH_DISABLED: '1', GEMINI_API_KEY: 'unused', IMG_ROOT: root, IMG_LOG_LEVEL: 'ERROR' });
    const measured: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      floor.push(await startupMs(() => startScript('bare-express.mjs', {})));
      measured.push(await startupMs(server));
    }
    const m = median(measured);
    const f = median(floor);
    return [{ figure: `start-up to first /health 200 (local), median of ${runs}`, measured: `${m.toFixed(0)} ms`, floor: `${f.toFixed(0)} ms (bare express)`, ratio: m / f, target: '≤ 2×', met: m / f <= 2 }];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
