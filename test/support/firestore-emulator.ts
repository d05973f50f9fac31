/**
 * The real Firestore emulator for the whole test run. Mocha loads this file first
 * (`.mocharc.json` → `require`): `mochaGlobalSetup` starts gcloud's emulator jar on a free
 * port on 127.0.0.1 with this repository's firestore.rules, and sets
 * FIRESTORE_EMULATOR_HOST; `mochaGlobalTeardown` closes every client and stops it. Tests
 * call `newTestFirestore()` for a client on a project of their own, which starts empty (the
 * emulator keeps projects apart), so no test needs to clean up after another. Fault tests
 * call `startPrivateEmulator()` for an emulator of their own, to stop or freeze; the shared
 * one is never touched.
 *
 * A missing java or jar fails the run: cloud tests are never skipped silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Firestore } from '@google-cloud/firestore';
import { DEFAULT_FIRESTORE_TIMEOUT_SECONDS } from '../../server/config.js';
import { createFirestore } from '../../server/firestore/firestore-client.js';
import { freePort } from './free-ports.js';
import { supervise } from './supervised-child.js';

/** Where gcloud's `cloud-firestore-emulator` component puts the jar; FIRESTORE_EMULATOR_JAR overrides. */
export const EMULATOR_JAR =
  process.env.FIRESTORE_EMULATOR_JAR ?? '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';
const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const RULES_FILE = fileURLToPath(new URL('../../firestore.rules', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

interface RunningEmulator {
  readonly child: ChildProcess;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly exited: Promise<void>;
}

let emulator: RunningEmulator | undefined;
const clients: Firestore[] = [];

export async function mochaGlobalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  emulator = await startEmulatorOnFreePort();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await terminateTestFirestores();
  const running = emulator;
  emulator = undefined;
  if (running) await stopEmulator(running);
}

/** `127.0.0.1:PORT` of the running emulator, for tests that speak its REST API directly. */
export function emulatorHost(): string {
  if (!emulator) throw new Error('The Firestore emulator is not running: is test/support/firestore-emulator.ts in .mocharc.json "require"?');
  return emulator.host;
}

/** A project id no test has used yet, so its database starts empty. */
export function newTestProjectId(): string {
  return `demo-test-${randomBytes(6).toString('hex')}`;
}

export interface TestFirestoreOptions {
  /** Another emulator's `HOST:PORT` (a private one); default: the shared emulator. */
  readonly host?: string;
  /** Default: the server's default deadline. */
  readonly timeoutMs?: number;
}

/**
 * A client with owner rights (admin access that bypasses the security rules, as the server's
 * service account has) on a new, empty project (or on `projectId`, to share one), built as
 * the server builds its own, deadlines included.
 */
export function newTestFirestore(projectId = newTestProjectId(), options: TestFirestoreOptions = {}): Firestore {
  const host = options.host ?? emulatorHost();
  // The client prefers FIRESTORE_EMULATOR_HOST (set to the shared emulator for the whole run)
  // to the host it is given, and reads it only while it is being built.
  const shared = process.env.FIRESTORE_EMULATOR_HOST;
  delete process.env.FIRESTORE_EMULATOR_HOST;
  try {
    const client = createFirestore({ projectId, emulatorHost: host, timeoutMs: options.timeoutMs ?? DEFAULT_FIRESTORE_TIMEOUT_SECONDS * 1000 });
    clients.push(client);
    return client;
  } finally {
    if (shared !== undefined) process.env.FIRESTORE_EMULATOR_HOST = shared;
  }
}

/** Closes every client `newTestFirestore` made (their gRPC channels would keep the process alive). */
export async function terminateTestFirestores(): Promise<void> {
  const all = clients.splice(0);
  await Promise.allSettled(all.map((client) => client.terminate()));
}

/** An emulator of a test's own, for fault tests: crash it, freeze it, bring it back. */
export interface PrivateEmulator {
  /** `127.0.0.1:PORT`, the same across restarts. */
  readonly host: string;
  /** A client on it (see newTestFirestore); closed by `stop()`. */
  newFirestore(options?: { projectId?: string; timeoutMs?: number }): Firestore;
  /** Kills it (SIGKILL), as a crash would: connections are refused, its data is gone. */
  kill(): Promise<void>;
  /** Stops it in place (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void;
  /** Undoes `freeze()` (SIGCONT); harmless when not frozen. */
  thaw(): void;
  /** After `kill()`: a new, empty emulator on the same port. */
  restart(): Promise<void>;
  /** Closes its clients and stops it, frozen or not. */
  stop(): Promise<void>;
}

export async function startPrivateEmulator(): Promise<PrivateEmulator> {
  let running = await startEmulatorOnFreePort();
  const { host } = running;
  const port = Number(host.split(':')[1]);
  const own: Firestore[] = [];
  const thaw = () => {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGCONT');
  };
  return {
    host,
    newFirestore({ projectId = newTestProjectId(), timeoutMs }: { projectId?: string; timeoutMs?: number } = {}) {
      const client = newTestFirestore(projectId, { host, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
      own.push(client);
      return client;
    },
    async kill() {
      running.child.kill('SIGKILL');
      await running.exited;
    },
    freeze: () => running.child.kill('SIGSTOP'),
    thaw,
    async restart() {
      running = await startEmulator(port);
    },
    async stop() {
      thaw();
      await Promise.allSettled(own.splice(0).map((client) => client.terminate()));
      await stopEmulator(running);
    },
  };
}

class EmulatorExitedEarly extends Error {}

async function startEmulatorOnFreePort(): Promise<RunningEmulator> {
  if (!existsSync(EMULATOR_JAR)) {
    throw new Error(
      `The Firestore emulator jar is missing: ${EMULATOR_JAR}. Install gcloud's cloud-firestore-emulator component ` +
        '(package google-cloud-cli-firestore-emulator) or set FIRESTORE_EMULATOR_JAR to the jar.',
    );
  }
  // Another process may take the free port before java binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmulator(await freePort());
    } catch (err) {
      if (!(err instanceof EmulatorExitedEarly) || attempt === 3) throw err;
    }
  }
}

async function startEmulator(port: number): Promise<RunningEmulator> {
  const host = `127.0.0.1:${port}`;
  // java itself, not gcloud: then this PID is the emulator's, and killing it stops it.
  const child = spawn('java', ['-cp', EMULATOR_JAR, MAIN_CLASS, 'start', '--host=127.0.0.1', `--port=${port}`, `--rules=${RULES_FILE}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Killed if the run ends without the teardown, which would otherwise leave java running.
  const supervised = supervise(child, () => child.kill('SIGKILL'));
  const { exited } = supervised;
  const running: RunningEmulator = { child, host, exited };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (supervised.hasExited()) {
      const spawnError = supervised.spawnError();
      if (spawnError) {
        const cause =
          (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'java is not installed or not on PATH (the emulator needs Java 11 or later, e.g. apt-get install -y openjdk-17-jre-headless)'
            : `java could not be started: ${spawnError.message}`;
        throw new Error(`The Firestore emulator (java -cp ${EMULATOR_JAR}) did not start: ${cause}.`);
      }
      throw new EmulatorExitedEarly(
        `The Firestore emulator (java -cp ${EMULATOR_JAR}) exited with ${child.exitCode ?? child.signalCode} before it was ready.\n${supervised.output()}`,
      );
    }
    if (await answersOk(host)) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopEmulator(running);
  throw new Error(`The Firestore emulator (java -cp ${EMULATOR_JAR}) did not answer on http://${host}/ within ${START_TIMEOUT_MS / 1000} s.\n${supervised.output()}`);
}

async function answersOk(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).trim() === 'Ok';
  } catch {
    return false;
  }
}

async function stopEmulator(running: RunningEmulator): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
  if ((await Promise.race([running.exited, timer])) === 'timeout') {
    running.child.kill('SIGKILL');
    await running.exited;
  }
}

