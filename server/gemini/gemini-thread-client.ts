/**
 * The main thread's side of the Gemini thread (gemini-thread.ts): one worker per process,
 * started at the first generation (so start-up never loads @google/genai), shared by every
 * generator, keeping the process alive only while a call is in flight.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AttemptOutcome } from './gemini-attempt.js';
import type { GeminiClientConfig } from './gemini-client.js';
import type { AttemptMessage, AttemptReply } from './gemini-thread.js';
import type { ImageRequest } from './image-generator.js';

interface Pending {
  resolve(outcome: AttemptOutcome): void;
  reject(err: Error): void;
}

interface GeminiThread {
  readonly worker: Worker;
  /** Calls sent to this thread and not yet answered, by id. */
  readonly pending: Map<number, Pending>;
}

let current: GeminiThread | undefined;
let nextId = 0;

/** One Gemini attempt on the Gemini thread; rejects only if the thread itself fails. */
export function attemptOnGeminiThread(client: GeminiClientConfig, request: ImageRequest, timeoutMs: number): Promise<AttemptOutcome> {
  const thread = (current ??= startThread());
  const id = nextId++;
  return new Promise<AttemptOutcome>((resolve, reject) => {
    thread.pending.set(id, { resolve, reject });
    if (thread.pending.size === 1) thread.worker.ref();
    try {
      thread.worker.postMessage({ id, client, request, timeoutMs } satisfies AttemptMessage);
    } catch (err) {
      // Something in the call is not plain data (a DataCloneError): nothing was sent.
      settle(thread, id)?.reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Ends the Gemini thread; calls in flight fail, and the next call starts a new thread. For tests of exactly that. */
export async function stopGeminiThread(): Promise<void> {
  const thread = current;
  current = undefined;
  await thread?.worker.terminate();
}

function startThread(): GeminiThread {
  const thread: GeminiThread = { worker: new Worker(...workerEntry()), pending: new Map() };
  thread.worker.unref();
  thread.worker.on('message', ({ id, outcome }: AttemptReply) => {
    // The image arrives as a plain Uint8Array over the transferred memory.
    const settled = outcome.ok ? { ...outcome, image: { ...outcome.image, data: Buffer.from(outcome.image.data.buffer, outcome.image.data.byteOffset, outcome.image.data.byteLength) } } : outcome;
    settle(thread, id)?.resolve(settled);
  });
  const fail = (err: Error) => {
    if (current === thread) current = undefined; // the next call starts a fresh thread
    for (const id of [...thread.pending.keys()]) settle(thread, id)?.reject(err);
  };
  thread.worker.on('error', fail);
  thread.worker.on('exit', (code) => fail(new Error(`the Gemini thread exited (code ${code})`)));
  return thread;
}

/** Takes a call off the thread's books; the thread stops keeping the process alive when none is left. */
function settle(thread: GeminiThread, id: number): Pending | undefined {
  const entry = thread.pending.get(id);
  thread.pending.delete(id);
  if (thread.pending.size === 0) thread.worker.unref();
  return entry;
}

/**
 * The worker's entry beside this file: compiled JavaScript in production; under tsx (npm start,
 * the tests) the TypeScript source, which a worker can only load after registering tsx itself
 * (Node 20 workers do not inherit the parent's loader).
 */
function workerEntry(): ConstructorParameters<typeof Worker> {
  const extension = path.extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./gemini-thread${extension}`, import.meta.url);
  if (extension !== '.ts') return [entry];
  // Resolved here, not in the worker (which would resolve from the working directory); require
  // finds the CommonJS build of tsx's API, whose ESM build sits beside it.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return [`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true }];
}
