/**
 * The Cloud Storage client, as the cloud image store uses it. Loaded only with the cloud stores.
 *
 * Deadlines, as @google-cloud/storage 7.22 actually applies them (read in its source and
 * checked against a server that never answers):
 *
 * - Out of the box no request has any deadline. Every request goes through
 *   `Service.request_`, which overwrites the request's own `timeout` with the client-level
 *   `timeout` option, `undefined` unless set, and that in turn overrides teeny-request's
 *   default of 60 s. So `file.save(data, { timeout })` is ignored (and the simple-upload
 *   path asks for `timeout: 0` besides); only the constructor's `timeout` counts.
 * - With `timeout` set, node-fetch (under teeny-request) enforces it per attempt from the
 *   moment a socket is assigned until the answer's headers (an upload's body included), and
 *   once more for reading a JSON body, and then aborts the request. A streamed body
 *   (`createReadStream`, `download`) has no deadline at all once its headers are in.
 * - retry-request, which retries GETs and DELETEs, retries every unanswered request, timeouts
 *   included, up to `maxRetries`; and when `totalTimeout` runs out before a retry it neither
 *   retries nor reports the error: the call never settles. `save` retries on its own
 *   (async-retry), only errors `retryableErrorFn` accepts (answered 408/429/5xx, resets),
 *   never its own timeouts, and starts no attempt after `totalTimeout`.
 *
 * Hence: `timeout` is the per-attempt deadline of every request; interceptors make GETs and
 * DELETEs one attempt each (a retry after a timed-out attempt could not fit the 10 s in which
 * an image request must be answered, and a budget running out would hang the call), and give
 * uploads a deadline that grows with their size (`uploadTimeoutMs`); `save` keeps its retries
 * of quick failures. The image store repeats a GET or DELETE reset before any answer, within
 * the same deadline and on a new connection (`onNewConnection`), and reads media bytes itself
 * (storage-media.ts).
 */
import { IdempotencyStrategy, Storage, type File, type StorageOptions } from '@google-cloud/storage';

type Interceptor = NonNullable<StorageOptions['interceptors_']>[number];
/** The client's own request options (always with `uri`; teeny-request's type also allows `url`). */
type RequestOptions = ReturnType<Interceptor['request']>;

export interface StorageClientOptions {
  /** Unset on Cloud Run: the client reads it from the metadata server. */
  readonly projectId?: string;
  /** The most one request may wait, per attempt (an upload: plus the time for its bytes, see uploadTimeoutMs). */
  readonly timeoutMs: number;
  /** Tests point the client at the Cloud Storage fake. */
  readonly apiEndpoint?: string;
  /**
   * False: no upload is ever retried, so one injected fault makes one failed call (tests).
   * GETs and DELETEs are never retried by the client anyway.
   */
  readonly retries?: boolean;
}

/** Upload retries after quick failures (503, a reset connection): each waits 1 s. */
const UPLOAD_RETRIES = 2;

/**
 * The slowest upload speed taken as healthy. Cloud Run uploads to Cloud Storage in its region
 * run far faster; a slower one times out. Set low on purpose: an upload abandoned in error
 * loses a generation that Gemini has already billed, and waiting costs only time.
 */
export const MIN_UPLOAD_BYTES_PER_SECOND = 4 * 1024 * 1024;

/** The deadline of one upload attempt: the per-request timeout plus the bytes at the slowest healthy speed. */
export function uploadTimeoutMs(timeoutMs: number, bytes: number): number {
  return Math.ceil(timeoutMs + (bytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

export function createStorage(options: StorageClientOptions): Storage {
  // One attempt per GET and DELETE (retry-request reads `maxRetries` from each request).
  // Uploads already ask for none there; `save` retries them itself.
  const oneAttempt: Interceptor = { request: (reqOpts) => ({ ...(reqOpts as RequestOptions), maxRetries: 0 }) };
  const settings: StorageOptions = {
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    timeout: options.timeoutMs,
    interceptors_: [oneAttempt],
    // Every upload is conditional (ifGenerationMatch: 0) and every delete safe to repeat, so
    // retrying is always safe (the default strategy would instead flip `autoRetry` off on the
    // shared client during each delete). `maxRetryDelay` ≥ 1 s, or `save` rejects it.
    // `totalTimeout` only stops `save` from starting another attempt: with one attempt per GET
    // and DELETE, retry-request never reaches it (where it would hang the call).
    retryOptions: {
      autoRetry: options.retries ?? true,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      maxRetries: UPLOAD_RETRIES,
      maxRetryDelay: 1,
      totalTimeout: Math.ceil((3 * options.timeoutMs) / 1000),
    },
  };
  return new Storage(settings);
}

/**
 * Gives every request made through `file` (here: each attempt of its upload) `timeoutMs`
 * instead of the client's timeout, and reports each one to `onRequest`.
 */
export function withTimeout(file: File, timeoutMs: number, onRequest: () => void = () => {}): File {
  // File interceptors run after the client's, which is what sets `timeout` on each request.
  file.interceptors.push({
    request: (reqOpts) => {
      onRequest();
      return { ...(reqOpts as RequestOptions), timeout: timeoutMs };
    },
  });
  return file;
}

/**
 * Sends every request made through `file` on a connection of its own, closed after it:
 * teeny-request's shared pool may hold further connections that the server has closed.
 */
export function onNewConnection(file: File): File {
  file.interceptors.push({
    // Without `forever` teeny-request uses Node's global agent instead of its own pool.
    request: (reqOpts) => {
      const options = reqOpts as RequestOptions;
      return { ...options, forever: false, headers: { ...options.headers, connection: 'close' } };
    },
  });
  return file;
}
