/**
 * A local stand-in for Cloud Storage that speaks the subset of its JSON API the real
 * `@google-cloud/storage` client uses for the image store, so tests exercise the client's
 * own requests (the Firebase Storage emulator, which speaks the same API, cannot start
 * offline). Objects live in memory. What the client sends, with `apiEndpoint` = this URL:
 *
 * - `file.save(buffer, { resumable: false, preconditionOpts })`:
 *   `POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart&name={object}[&ifGenerationMatch=N]`,
 *   a `multipart/related` body (JSON metadata part, then the media part); answered with the
 *   object resource, whose `crc32c` the client checks against the bytes it sent.
 * - `file.getMetadata()`: `GET /storage/v1/b/{bucket}/o/{object}`.
 * - `file.createReadStream()` / `file.download()`: `GET /storage/v1/b/{bucket}/o/{object}?alt=media`,
 *   with `Range: bytes=a-b` for ranged reads; `x-goog-hash` carries the checksums the client
 *   validates whole downloads with.
 * - `file.delete()`: `DELETE /storage/v1/b/{bucket}/o/{object}[?ifGenerationMatch=N]`.
 * - `bucket.getFiles({ prefix })`: `GET /storage/v1/b/{bucket}/o?prefix=…`.
 *
 * Object names are percent-encoded in paths (`images%2F….png`). With STORAGE_EMULATOR_HOST
 * instead of `apiEndpoint`, the client drops the `/storage/v1` prefix from JSON API paths
 * (not from uploads); the fake accepts both. Bucket-level calls
 * (`bucket.exists`, `createBucket`) are not implemented, as in the Firebase emulator.
 * Errors carry Cloud Storage's JSON error shape. `failNext` makes chosen requests fail, or
 * hang as a frozen Cloud Storage does: taken in and never answered (`hang`), or answered with
 * headers and the start of the body, then nothing more (`stall`); `heal` ends a fault.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bucket } from '@google-cloud/storage';
import { DEFAULT_STORAGE_TIMEOUT_SECONDS } from '../../server/config.js';
import { createStorage } from '../../server/images/storage-client.js';

export interface FakeObject {
  readonly name: string;
  readonly data: Buffer;
  readonly contentType: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly generation: string;
  readonly md5Hash: string;
  readonly crc32c: string;
  readonly timeCreated: string;
  readonly updated: string;
}

export interface RecordedGcsRequest {
  readonly method: string;
  /** As sent, percent-encoding included (`/storage/v1/b/demo-bucket/o/images%2F….png?alt=media`). */
  readonly url: string;
  /** Decoded path, e.g. `/storage/v1/b/demo-bucket/o/images/0f….png`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The object the request is about, decoded, when it names one. */
  readonly object?: string;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body's length (an upload's, metadata part included; uploads come chunked). */
  readonly bodyBytes: number;
  /** The status answered (set when the answer starts). */
  status?: number;
  /** Media bytes written so far for a download (grows while the client reads). */
  mediaBytesSent: number;
  /** True when the connection closed before the answer was complete (e.g. the client gave up on a download). */
  closedBeforeAnswer: boolean;
  /** The fault this request met, if any. */
  fault?: GcsFault['status'];
}

export interface GcsFault {
  /** Only requests with this method (default: any). */
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** Only requests whose decoded URL (path and query) contains this, e.g. `images/`. */
  readonly pathIncludes?: string;
  /**
   * The error status to answer with; `reset` to drop the connection unanswered; `hang` to take
   * the request in (its body read) and never answer; `stall` to answer with the headers and the
   * first `stallAfterBytes` of the body, then send nothing more. Hung and stalled requests stay
   * open until the client gives up, `heal` or `close`.
   */
  readonly status: 400 | 401 | 403 | 404 | 408 | 412 | 429 | 500 | 502 | 503 | 504 | 'reset' | 'hang' | 'stall';
  /** How many matching requests fail (default 1; `Infinity` until `heal`). */
  readonly count?: number;
  /** Carry the request out first (store the upload, delete the object), then fail: a committed write whose answer was lost. */
  readonly afterApplying?: boolean;
  /** For `stall`: the body bytes sent before it stops (default 64 KiB, and never the whole body). */
  readonly stallAfterBytes?: number;
}

export interface GcsFake {
  /** Base URL to pass as the client's `apiEndpoint`. */
  readonly url: string;
  readonly bucketName: string;
  readonly requests: RecordedGcsRequest[];
  /** The bucket's objects by name. */
  readonly objects: ReadonlyMap<string, FakeObject>;
  /** Makes the next `count` requests that match fail; faults are checked in the order given. */
  failNext(fault: GcsFault): void;
  /** Drops the faults not yet met and closes the connections of hung and stalled requests. */
  heal(): void;
  /** Stores an object directly, bypassing the API (e.g. one too large to upload quickly in a test). */
  put(name: string, data: Buffer, options?: { contentType?: string; cacheControl?: string }): FakeObject;
  /** Forgets requests, faults and objects. */
  reset(): void;
  close(): Promise<void>;
}

export interface GcsFakeOptions {
  /** Default `demo-bucket`. */
  bucketName?: string;
  /** Default: any free port (the benchmark runs the fake as a process on a port it chose). */
  port?: number;
}

const MEDIA_CHUNK = 64 * 1024;
/**
 * `/storage/v1/b/{bucket}/o/{object}`, or without the `/storage/v1` prefix: with
 * STORAGE_EMULATOR_HOST set, the client uses that host as its JSON API base as it is
 * (uploads still go to `/upload/storage/v1/…`), as the Firebase emulator allows.
 */
const OBJECT_PATH = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;

interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  media?: Buffer;
}

interface Fault {
  spec: GcsFault;
  remaining: number;
}

export async function startGcsFake(options: GcsFakeOptions = {}): Promise<GcsFake> {
  const bucketName = options.bucketName ?? 'demo-bucket';
  const objects = new Map<string, FakeObject>();
  const requests: RecordedGcsRequest[] = [];
  let faults: Fault[] = [];
  /** Answers held open by `hang` and `stall`. */
  const held = new Set<ServerResponse>();
  let lastGeneration = 0;

  // Generations are microsecond timestamps in Cloud Storage; strictly increasing here.
  const nextGeneration = () => (lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000)).toString();

  const store = (name: string, data: Buffer, meta: { contentType?: string; cacheControl?: string; metadata?: Record<string, string> }): FakeObject => {
    const now = new Date().toISOString();
    const object: FakeObject = {
      name,
      data,
      contentType: meta.contentType ?? 'application/octet-stream',
      ...(meta.cacheControl !== undefined ? { cacheControl: meta.cacheControl } : {}),
      ...(meta.metadata !== undefined ? { metadata: meta.metadata } : {}),
      generation: nextGeneration(),
      md5Hash: createHash('md5').update(data).digest('base64'),
      crc32c: crc32cBase64(data),
      timeCreated: now,
      updated: now,
    };
    objects.set(name, object);
    return object;
  };

  const resourceOf = (o: FakeObject) => ({
    kind: 'storage#object',
    id: `${bucketName}/${o.name}/${o.generation}`,
    selfLink: `${url}/storage/v1/b/${bucketName}/o/${encodeURIComponent(o.name)}`,
    mediaLink: `${url}/download/storage/v1/b/${bucketName}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: bucketName,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.data.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(`${o.generation}/1`).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.updated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.cacheControl !== undefined ? { cacheControl: o.cacheControl } : {}),
    ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
  });

  /** Checks `ifGenerationMatch` as Cloud Storage does: 0 means "must not exist". */
  const preconditionFails = (query: Record<string, string>, existing: FakeObject | undefined): boolean => {
    const wanted = query.ifGenerationMatch;
    if (wanted === undefined) return false;
    return wanted === '0' ? existing !== undefined : existing?.generation !== wanted;
  };

  const route = (req: IncomingMessage, record: RecordedGcsRequest, body: Buffer): Answer => {
    const { method, path, query } = record;
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    const single = OBJECT_PATH.exec(path);
    const list = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o$/.exec(path);
    const bucket = (upload ?? single ?? list)?.[1];
    if (bucket === undefined) return error(404, 'Not Found', 'notFound', `The fake does not implement ${method} ${path}`);
    if (bucket !== bucketName) return error(404, 'The specified bucket does not exist.', 'notFound');

    if (upload && method === 'POST') {
      if (query.uploadType !== 'multipart') return error(501, `uploadType=${query.uploadType} is not implemented by the fake; upload with resumable: false.`, 'notImplemented');
      const parts = parseMultipart(req.headers['content-type'] ?? '', body);
      const [metaPart, mediaPart] = parts ?? [];
      if (!metaPart || !mediaPart) return error(400, 'Invalid multipart request.', 'invalid');
      let meta: { name?: string; contentType?: string; cacheControl?: string; metadata?: Record<string, string> };
      try {
        meta = JSON.parse(metaPart.body.toString('utf8')) as typeof meta;
      } catch {
        return error(400, 'Invalid JSON in the metadata part.', 'parseError');
      }
      const name = query.name ?? meta.name;
      if (!name) return error(400, 'Required', 'required');
      if (preconditionFails(query, objects.get(name))) return error(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
      const contentType = meta.contentType ?? mediaPart.contentType;
      const stored = store(name, mediaPart.body, {
        ...(contentType !== undefined ? { contentType } : {}),
        ...(meta.cacheControl !== undefined ? { cacheControl: meta.cacheControl } : {}),
        ...(meta.metadata !== undefined ? { metadata: meta.metadata } : {}),
      });
      return { status: 200, json: resourceOf(stored) };
    }

    if (list && method === 'GET') {
      const prefix = query.prefix ?? '';
      const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && (!query.pageToken || n > query.pageToken)).sort();
      const max = query.maxResults ? Math.max(1, Number(query.maxResults)) : 1000;
      const page = names.slice(0, max);
      const last = page[page.length - 1];
      const items = page.map((n) => resourceOf(objects.get(n)!));
      return { status: 200, json: { kind: 'storage#objects', ...(items.length ? { items } : {}), ...(names.length > max && last ? { nextPageToken: last } : {}) } };
    }

    if (single) {
      const name = record.object ?? '';
      const existing = objects.get(name);
      if (method === 'DELETE') {
        if (!existing) return error(404, `No such object: ${bucketName}/${name}`, 'notFound');
        if (preconditionFails(query, existing)) return error(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
        objects.delete(name);
        return { status: 204 };
      }
      if (method === 'GET') {
        if (!existing) return error(404, `No such object: ${bucketName}/${name}`, 'notFound');
        if (query.alt === 'media') return media(existing, req.headers.range);
        return { status: 200, json: resourceOf(existing) };
      }
    }
    return error(405, `The fake does not implement ${method} ${path}`, 'notImplemented');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = new URL(req.url ?? '/', 'http://fake');
    const path = safeDecode(target.pathname);
    const object = OBJECT_PATH.exec(path)?.[2] ?? target.searchParams.get('name') ?? undefined;
    const record: RecordedGcsRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path,
      query: Object.fromEntries(target.searchParams),
      ...(object !== undefined ? { object } : {}),
      headers: flatHeaders(req.headers),
      bodyBytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
      mediaBytesSent: 0,
      closedBeforeAnswer: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedBeforeAnswer = true;
    });

    const fault = takeFault(record, `${path}${safeDecode(target.search)}`);
    if (fault) record.fault = fault.status;
    let answer: Answer;
    if (fault?.status === 'reset') {
      if (fault.afterApplying) route(req, record, Buffer.concat(chunks));
      req.socket.destroy();
      return;
    }
    if (fault?.status === 'hang') {
      if (fault.afterApplying) route(req, record, Buffer.concat(chunks));
      hold(res);
      return;
    }
    if (fault?.status === 'stall') {
      answer = route(req, record, Buffer.concat(chunks));
      record.status = answer.status;
      hold(res);
      stall(res, answer, fault.stallAfterBytes ?? MEDIA_CHUNK, record);
      return;
    }
    if (fault) {
      if (fault.afterApplying) route(req, record, Buffer.concat(chunks));
      answer = faultAnswer(fault.status);
    } else {
      answer = route(req, record, Buffer.concat(chunks));
    }
    record.status = answer.status;
    await send(res, answer, record);
  };

  const hold = (res: ServerResponse) => {
    held.add(res);
    res.once('close', () => held.delete(res));
  };

  const takeFault = (record: RecordedGcsRequest, decodedUrl: string): GcsFault | undefined => {
    const index = faults.findIndex(
      ({ spec }) => (spec.method === undefined || spec.method === record.method) && (spec.pathIncludes === undefined || decodedUrl.includes(spec.pathIncludes)),
    );
    const fault = faults[index];
    if (!fault) return undefined;
    if (--fault.remaining <= 0) faults.splice(index, 1);
    return fault.spec;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) void send(res, error(500, `fake failed: ${String(err)}`, 'backendError'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    bucketName,
    requests,
    objects,
    failNext(fault) {
      faults.push({ spec: fault, remaining: fault.count ?? 1 });
    },
    heal() {
      faults = [];
      for (const res of held) res.destroy();
      held.clear();
    },
    put(name, data, meta = {}) {
      return store(name, data, meta);
    },
    reset() {
      requests.length = 0;
      faults = [];
      for (const res of held) res.destroy();
      held.clear();
      objects.clear();
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets (the client pools them) would otherwise keep close() waiting.
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The real Storage client, pointed at the fake and built as the server builds it
 * (`createStorage`: the same deadlines), and the fake's bucket. With a custom `apiEndpoint` the
 * client sends no credentials (unless `useAuthWithCustomEndpoint`), so none are needed; the
 * project id is given so it never asks the environment for one, and
 * METADATA_SERVER_DETECTION=none keeps google-auth-library from probing a metadata server.
 *
 * Uploads are not retried unless `retries` is true, so injected faults are deterministic: one
 * fault, one failed call (GETs and DELETEs are never retried by the client). `timeoutMs`
 * defaults to the server's (IMG_STORAGE_TIMEOUT_SECONDS's default).
 */
export function newTestBucket(fake: Pick<GcsFake, 'url' | 'bucketName'>, options: { retries?: boolean; timeoutMs?: number } = {}): Bucket {
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const storage = createStorage({
    apiEndpoint: fake.url,
    projectId: 'demo-test',
    timeoutMs: options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_SECONDS * 1000,
    retries: options.retries ?? false,
  });
  return storage.bucket(fake.bucketName);
}

function faultAnswer(status: Exclude<GcsFault['status'], 'reset' | 'hang' | 'stall'>): Answer {
  const [message, reason] = FAULT_TEXT[status];
  return error(status, message, reason);
}

const FAULT_TEXT: Record<Exclude<GcsFault['status'], 'reset' | 'hang' | 'stall'>, [string, string]> = {
  400: ['Invalid argument.', 'invalid'],
  401: ['Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.', 'required'],
  403: ['image-studio@demo-test.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object. Permission \'storage.objects.create\' denied on resource (or it may not exist).', 'forbidden'],
  404: ['No such object.', 'notFound'],
  408: ['Request timed out.', 'requestTimeout'],
  412: ['At least one of the pre-conditions you specified did not hold.', 'conditionNotMet'],
  429: ['The object exceeded the rate limit for object mutation operations (create, update, and delete).', 'rateLimitExceeded'],
  500: ['We encountered an internal error. Please try again.', 'backendError'],
  502: ['Bad Gateway', 'badGateway'],
  503: ['We encountered an internal error. Please try again.', 'backendError'],
  504: ['Gateway Timeout', 'gatewayTimeout'],
};

function error(status: number, message: string, reason: string, detail?: string): Answer {
  return { status, json: { error: { code: status, message: detail ?? message, errors: [{ message: detail ?? message, domain: 'global', reason }] } } };
}

/** A download: the whole object, or one `Range` (206), as Cloud Storage answers `alt=media`. */
function media(object: FakeObject, rangeHeader: string | undefined): Answer {
  const size = object.data.length;
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-generation': object.generation,
    'x-goog-metageneration': '1',
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(size),
    'accept-ranges': 'bytes',
    etag: `"${Buffer.from(object.md5Hash, 'base64').toString('hex')}"`,
    'last-modified': new Date(object.updated).toUTCString(),
    'cache-control': object.cacheControl ?? 'private, max-age=0',
  };
  const range = rangeHeader ? /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim()) : null;
  if (!range) return { status: 200, headers, media: object.data };
  const [, first = '', last = ''] = range;
  let start: number;
  let end: number;
  if (first === '') {
    start = Math.max(0, size - Number(last));
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  }
  if (start >= size || start > end) {
    return { ...error(416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable'), headers: { 'content-range': `bytes */${size}` } };
  }
  return { status: 206, headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}` }, media: object.data.subarray(start, end + 1) };
}

/** Writes media in chunks, honouring backpressure, so a slow reader holds the fake back as it would hold back Cloud Storage. */
async function send(res: ServerResponse, answer: Answer, record?: RecordedGcsRequest): Promise<void> {
  if (res.destroyed) return;
  if (answer.media === undefined) {
    const body = answer.json === undefined ? '' : JSON.stringify(answer.json);
    res.writeHead(answer.status, { ...(body ? { 'content-type': 'application/json; charset=UTF-8' } : {}), ...answer.headers });
    res.end(body);
    return;
  }
  const data = answer.media;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(data.length) });
  for (let offset = 0; offset < data.length && !res.destroyed; offset += MEDIA_CHUNK) {
    const chunk = data.subarray(offset, offset + MEDIA_CHUNK);
    const more = res.write(chunk);
    if (record) record.mediaBytesSent += chunk.length;
    if (!more) await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
  res.end();
}

/** Sends the answer's headers and at most `bytes` of its body (never all of it), then nothing more. */
function stall(res: ServerResponse, answer: Answer, bytes: number, record: RecordedGcsRequest): void {
  const body = answer.media ?? Buffer.from(answer.json === undefined ? '' : JSON.stringify(answer.json));
  const headers = answer.media === undefined ? { 'content-type': 'application/json; charset=UTF-8', ...answer.headers } : { ...answer.headers };
  res.writeHead(answer.status, { ...headers, 'content-length': String(body.length) });
  const part = body.subarray(0, Math.max(0, Math.min(bytes, body.length - 1)));
  // Flush the headers even when no body byte follows.
  if (part.length > 0) res.write(part);
  else res.flushHeaders();
  if (answer.media !== undefined) record.mediaBytesSent += part.length;
}

interface Part {
  contentType?: string;
  body: Buffer;
}

/** Splits a `multipart/related` body: `--b\r\nheaders\r\n\r\nbody\r\n--b…--`. */
function parseMultipart(contentType: string, body: Buffer): Part[] | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!/^multipart\/related/i.test(contentType) || !boundary) return undefined;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const whole = Buffer.concat([Buffer.from('\r\n'), body]);
  const parts: Part[] = [];
  let at = whole.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (whole.subarray(start, start + 2).toString() === '--') return parts;
    const next = whole.indexOf(delimiter, start);
    if (next === -1) return undefined;
    const section = whole.subarray(start + 2, next); // after the delimiter's own CRLF
    const split = section.indexOf('\r\n\r\n');
    if (split === -1) return undefined;
    const headers = section.subarray(0, split).toString('utf8');
    const partType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    parts.push({ ...(partType !== undefined ? { contentType: partType } : {}), body: Buffer.from(section.subarray(split + 4)) });
    at = next;
  }
  return undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli), big-endian and base64 as Cloud Storage reports it; written here so the fake checks the client rather than agreeing with its own code. */
export function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
