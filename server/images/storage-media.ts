/**
 * Media downloads from Cloud Storage (`GET …/o/{object}?alt=media`), made here rather than
 * through the client library's `createReadStream`, for three reasons:
 *
 * - Deadlines: the library gives a streamed body none, and its retries cannot fit an image
 *   request's 10 s. Here the answer's headers must come within the timeout, and a body that
 *   stops arriving while its reader waits is cut off (`guardStall`).
 * - Isolation: when a library read stream ends in an error (a visitor going away, or a cut
 *   stall), the library destroys its whole shared HTTP agent (a node-fetch 2 workaround),
 *   resetting every other Cloud Storage request in flight: other visitors' downloads and other
 *   users' uploads.
 * - CPU: the library passes every chunk through five streams before it reaches ours.
 *
 * It uses the library's own settings: its base URL (which follows `apiEndpoint` and
 * STORAGE_EMULATOR_HOST) and its credentials, skipped for a custom endpoint as the library does.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { Bucket } from '@google-cloud/storage';
import type { ByteRange } from './image-store.js';

/** Cloud Storage did not answer, or stopped sending, in time. */
export class StorageTimeoutError extends Error {
  /** Like a socket's ETIMEDOUT, so callers treat it as any lost connection. */
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
    this.name = 'StorageTimeoutError';
  }
}

/** An error answer (status ≥ 300); `code` is the status, as in the library's errors. */
export class StorageStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'StorageStatusError';
  }
}

export class MediaReader {
  // Keep-alive pools of our own: the library's is not ours to share (see above).
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(
    private readonly bucket: Bucket,
    /** The most the answer's headers may take, and the longest a waiting body may stay silent. */
    private readonly timeoutMs: number,
  ) {}

  /**
   * The object's bytes (or one range of them), as a stream that errors with a
   * StorageTimeoutError if they stop coming for `timeoutMs` while its reader waits. Rejects
   * with StorageStatusError for an error answer (404 for a missing object), and with
   * StorageTimeoutError if no answer came within `timeoutMs`.
   */
  async open(objectName: string, range?: ByteRange): Promise<IncomingMessage> {
    const storage = this.bucket.storage;
    const url = new URL(`${storage.baseUrl}/b/${encodeURIComponent(this.bucket.name)}/o/${encodeURIComponent(objectName)}`);
    url.searchParams.set('alt', 'media');
    const deadline = Date.now() + this.timeoutMs;
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
      // The token is cached by the auth client; fetching it counts against the deadline.
      Object.assign(headers, await beforeDeadline(storage.authClient.getRequestHeaders(url.href), deadline, url));
    }
    const response = await this.send(url, headers, deadline, true).catch((err: unknown) => {
      // A pooled connection that the server had closed while it sat idle fails at once (the
      // client's event loop, when busy, learns of the close too late). The request never
      // reached Cloud Storage, so it goes once more, within the same deadline, on a new
      // connection: the pool may hold more such connections.
      if (resetBeforeAnswer(err) && Date.now() < deadline) return this.send(url, headers, deadline, false);
      throw err;
    });
    const status = response.statusCode ?? 0;
    if (status >= 300) {
      response.resume(); // the error body says nothing a caller needs; let the socket go back to the pool
      throw new StorageStatusError(status, `Cloud Storage answered ${status} for ${objectName}`);
    }
    guardStall(response, this.timeoutMs, () => response.socket?.bytesRead ?? 0, () => new StorageTimeoutError(`Cloud Storage sent no bytes of ${objectName} for ${this.timeoutMs} ms`));
    return response;
  }

  private send(url: URL, headers: Record<string, string>, deadline: number, pooled: boolean): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    return new Promise<IncomingMessage>((resolve, reject) => {
      const agent = pooled ? (https ? this.httpsAgent : this.httpAgent) : false;
      const req: ClientRequest = (https ? httpsRequest : httpRequest)(url, { agent, headers });
      const timer = setTimeout(() => req.destroy(new StorageTimeoutError(`Cloud Storage did not answer ${url.pathname} within ${this.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      req.once('response', (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }
}

/**
 * Destroys `stream` with `error()` once no bytes have arrived for `idleMs` while nothing is
 * buffered, that is while its reader waits for Cloud Storage. Time a slow reader spends not
 * reading (a visitor's connection pushing back) never counts: the stream then holds bytes.
 * `progress` counts the bytes received so far. Checked four times per `idleMs`, so a stall is
 * cut off after between `idleMs` and 1.25 × `idleMs`, and a shorter pause never is.
 */
export function guardStall(stream: Readable, idleMs: number, progress: () => number, error: () => Error): void {
  let seen = progress();
  let quietSince = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const current = progress();
    if (current !== seen || stream.readableLength > 0) {
      seen = current;
      quietSince = now;
    } else if (now - quietSince >= idleMs) {
      clearInterval(timer);
      stream.destroy(error());
    }
  }, Math.max(1, Math.floor(idleMs / 4)));
  timer.unref();
  stream.once('close', () => clearInterval(timer));
}

/**
 * Whether a request was cut off at once, before any answer: typically a pooled keep-alive
 * connection that the server had just closed. It never reached Cloud Storage (or, for a
 * DELETE, is safe to repeat), so it is worth sending once more.
 */
export function resetBeforeAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** `promise`, or a StorageTimeoutError once `deadline` passes (the promise itself runs on). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, url: URL): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StorageTimeoutError(`no credentials for ${url.host} in time`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
