/**
 * The Gemini thread: runs every Gemini call of the process (started by gemini-thread-client.ts).
 * Gemini returns the image as base64 inside JSON (about 16 MB for 2K, 64 MB for 4K);
 * receiving, decoding and parsing that, then decoding the base64, is tens to hundreds of
 * milliseconds of CPU per answer. On the main thread it would stall every other request for
 * that long (docs/performance.md); here it stalls none, and the image crosses back as a
 * transferred buffer, not a copy.
 */
import { parentPort } from 'node:worker_threads';
import { createAttempt, type Attempt, type AttemptOutcome } from './gemini-attempt.js';
import type { GeminiClientConfig } from './gemini-client.js';
import type { ImageRequest } from './image-generator.js';

export interface AttemptMessage {
  readonly id: number;
  readonly client: GeminiClientConfig;
  readonly request: ImageRequest;
  readonly timeoutMs: number;
}

export interface AttemptReply {
  readonly id: number;
  readonly outcome: AttemptOutcome;
}

const port = parentPort;
if (!port) throw new Error('gemini-thread.ts runs as a worker thread (see gemini-thread-client.ts)');

// One SDK client per configuration; a server has one, tests a few.
const attempts = new Map<string, Attempt>();

port.on('message', (message: AttemptMessage) => {
  const key = JSON.stringify(message.client);
  let attempt = attempts.get(key);
  if (!attempt) attempts.set(key, (attempt = createAttempt(message.client)));
  // Buffers arrive as plain Uint8Arrays.
  const references = message.request.references.map((ref) => ({ ...ref, data: Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength) }));
  void attempt({ ...message.request, references }, message.timeoutMs).then((outcome) => {
    if (!outcome.ok) return port.postMessage({ id: message.id, outcome } satisfies AttemptReply);
    const data = ownMemory(outcome.image.data);
    port.postMessage({ id: message.id, outcome: { ok: true, image: { ...outcome.image, data } } } satisfies AttemptReply, [data.buffer]);
  });
});

/** The image over an ArrayBuffer of its own, so it can be transferred: itself when it has one (no copy), else a copy (small Buffers share a pool). */
function ownMemory(data: Buffer): Buffer<ArrayBuffer> {
  const { buffer } = data;
  if (buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength) return Buffer.from(buffer);
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return Buffer.from(copy);
}
