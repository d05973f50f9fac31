/**
 * Media downloads from Cloud Storage (`GET …/o/{object}?alt=media`), made here with undici
 * rather than through the client library's `createReadStream`, for three reasons:
 *
 * - Deadlines: the library gives a streamed body none, and its retries cannot fit an image
 *   request's 10 s. Here the answer's headers must come within the timeout, and a body that
 *   stops arriving while its reader waits is cut off (undici's `bodyTimeout`, which does not
 *   run while the reader holds the stream paused: a slow visitor is never cut off).
 * - Isolation: when a library read stream ends in an error (a visitor going away, or a cut
 *   stall), the library destroys its whole shared HTTP agent (a node-fetch 2 workaround),
 *   resetting every other Cloud Storage request in flight: other visitors' downloads and other
 *   users' uploads. So the dispatcher here is ours alone; an error closes one connection.
 * - CPU: the library passes every chunk through five streams before it reaches ours, and
 *   Node's own HTTP client copies every body chunk once more; undici hands on views of the
 *   socket's buffers, so each byte received is allocated once (docs/performance.md).
 *
 * It uses the library's own settings: its base URL (which follows `apiEndpoint` and
 * STORAGE_EMULATOR_HOST) and its credentials, skipped for a custom endpoint as the library does.
 */
import { Agent, Client, type Dispatcher } from 'undici';
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

/** An answer whose headers are in; its body (undici's BodyReadable) flows as fast as it is read. */
export type MediaDownload = Pick<Dispatcher.ResponseData, 'headers' | 'body'>;

export class MediaReader {
  /** A keep-alive pool of our own: the library's is not ours to share (see above). */
  private readonly agent: Dispatcher;

  constructor(
    private readonly bucket: Bucket,
    /** The most the answer's headers may take, and the longest a waiting body may stay silent. */
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ connect: { timeout: timeoutMs } }).compose(bodyTimeoutAsOurs);
  }

  /**
   * The object's bytes (or one range of them), whose body errors with a StorageTimeoutError if
   * they stop coming for `timeoutMs` while its reader waits. Rejects with StorageStatusError for
   * an error answer (404 for a missing object), and with StorageTimeoutError if no answer came
   * within `timeoutMs`.
   */
  async open(objectName: string, range?: ByteRange): Promise<MediaDownload> {
    const storage = this.bucket.storage;
    const url = new URL(`${storage.baseUrl}/b/${encodeURIComponent(this.bucket.name)}/o/${encodeURIComponent(objectName)}`);
    url.searchParams.set('alt', 'media');
    // One deadline for all that comes before the answer's headers: the token, connecting,
    // Cloud Storage's answer, and the one repeat below. (undici's `headersTimeout` covers only
    // the answer, and its timers tick every half second.)
    const unanswered = new AbortController();
    const timer = setTimeout(() => unanswered.abort(new StorageTimeoutError(`Cloud Storage did not answer ${url.pathname} within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
      if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
        // The token is cached by the auth client; fetching it counts against the deadline.
        Object.assign(headers, await untilAborted(storage.authClient.getRequestHeaders(url.href), unanswered.signal));
      }
      const request: Dispatcher.RequestOptions = { origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal: unanswered.signal, bodyTimeout: this.timeoutMs };
      const response = await this.agent.request(request).catch(async (err: unknown) => {
        // A pooled connection that the server had closed while it sat idle fails at once (the
        // client's event loop, when busy, learns of the close too late). The request never
        // reached Cloud Storage, so it goes once more, within the same deadline, on a new
        // connection (closed after it): the pool may hold more such connections.
        if (!resetBeforeAnswer(err) || unanswered.signal.aborted) throw err;
        const once = new Client(url.origin, { connect: { timeout: this.timeoutMs } }).compose(bodyTimeoutAsOurs);
        try {
          return await once.request({ ...request, reset: true });
        } finally {
          void once.close(); // once the answer has been read
        }
      });
      if (response.statusCode >= 300) {
        void response.body.dump(); // the error body says nothing a caller needs; let the connection go back to the pool
        throw new StorageStatusError(response.statusCode, `Cloud Storage answered ${response.statusCode} for ${objectName}`);
      }
      return { headers: response.headers, body: response.body };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Reports undici's body timeout as a StorageTimeoutError, the one timeout this module's callers know. */
function bodyTimeoutAsOurs(dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch {
  return (options, handler) =>
    dispatch(options, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onResponseStart: (controller, status, headers, message) => handler.onResponseStart?.(controller, status, headers, message),
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, err) => {
        const stalled = (err as { code?: unknown }).code === 'UND_ERR_BODY_TIMEOUT';
        handler.onResponseError?.(controller, stalled ? new StorageTimeoutError(`Cloud Storage sent no bytes of ${options.path} for ${String(options.bodyTimeout)} ms`) : err);
      },
    });
}

/**
 * Whether a request was cut off at once, before any answer: typically a pooled keep-alive
 * connection that the server had just closed (undici: UND_ERR_SOCKET, "other side closed").
 * It never reached Cloud Storage (or, for a DELETE, is safe to repeat), so it is worth sending
 * once more.
 */
export function resetBeforeAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

/** `promise`, or the signal's reason once it aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
