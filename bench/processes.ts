/** Child processes the benchmark starts and stops: the Gemini fake, the server, bare floors. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envWithoutLoader } from '../test/support/child-env.js';
import { freePort } from '../test/support/free-ports.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');

export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  /** Resident memory now, and its peak so far, in MB (from /proc). */
  rssMb(): { now: number; peak: number };
  /** CPU time used so far, user + system, in ms (from /proc; 10 ms resolution). */
  cpuMs(): number;
  stop(): Promise<void>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return envWithoutLoader({ METADATA_SERVER_DETECTION: 'none', ...extra });
}

function track(child: ChildProcess, url: string): Child {
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    process: child,
    url,
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
      return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    cpuMs() {
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async stop() {
      process.off('exit', killOnExit);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      if (child.exitCode && child.exitCode !== 0) process.stderr.write(output);
    },
  };
}

export async function waitForHealth(url: string, path_ = '/health', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fetch(`${url}${path_}`).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url}${path_} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startFake(delayMs = 0): Promise<Child & { apiKey: string }> {
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'bench/gemini-fake-process.ts')], {
    env: cleanEnv({ BENCH_FAKE_DELAY_MS: String(delayMs) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`the Gemini fake exited (${code})`)));
  });
  const { url, apiKey } = JSON.parse(first) as { url: string; apiKey: string };
  return { ...track(child, url), apiKey };
}

/** Runs plain node (no TypeScript loader) on `args`, listening on a free PORT; does not wait for it. */
export async function spawnNode(args: string[], env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, args, { env: cleanEnv({ ...env, PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'] });
  return track(child, `http://127.0.0.1:${port}`);
}

/** The compiled server (npm run build:server) as the Dockerfile runs it; with `loopFile`, the event-loop monitor preloaded. */
export async function startServer(env: Record<string, string>, loopFile?: string): Promise<Child> {
  const monitor = loopFile ? ['--import', path.join(ROOT, 'bench/loop-monitor.mjs')] : [];
  const server = await spawnNode([...monitor, path.join(ROOT, 'dist/server/main.js')], { ...env, ...(loopFile ? { BENCH_LOOP_FILE: loopFile } : {}), IMG_LOG_LEVEL: 'ERROR' });
  await waitForHealth(server.url);
  return server;
}

export function startScript(script: string, env: Record<string, string>): Promise<Child> {
  return spawnNode([path.join(ROOT, 'bench', script)], env);
}

/** Asks the server's loop monitor for the event-loop delay since the last ask. */
export async function loopDelay(server: Child, loopFile: string): Promise<{ p99Ms: number; maxMs: number }> {
  server.process.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 200));
  return JSON.parse(readFileSync(loopFile, 'utf8')) as { p99Ms: number; maxMs: number };
}
