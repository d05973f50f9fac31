/**
 * The image store on Cloud Storage: `images/{id}.png` and `thumbs/{id}.webp` in one bucket.
 * Objects stay private (the server is their only reader and proxies them at /i/), are
 * written once with `ifGenerationMatch: 0` and never changed, so their checksum is a
 * strong validator for good. The composition root builds the Storage client with
 * `createStorage` (storage-client.ts: a deadline on every request, one attempt per GET and
 * DELETE, retries of quick upload failures) and passes the bucket.
 *
 * Requests made (JSON API): upload `POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart
 * &name={object}&ifGenerationMatch=0`; stat `GET /storage/v1/b/{bucket}/o/{object}`; open and
 * read `GET …/o/{object}?alt=media` (open adds `Range: bytes=a-b`; made by storage-media.ts);
 * remove `DELETE …/o/{object}`.
 *
 * Deadlines, with T the client's timeout (IMG_STORAGE_TIMEOUT_SECONDS, 5 s by default), when
 * Cloud Storage is unreachable or frozen:
 * - stat: one request, T. open: the answer's headers within T, then cut off once no bytes
 *   came for T (at most T + 0.5 s: undici checks its timers every half second) while the
 *   reader waited. So an image request, stat then open, fails within 2 T, and within T when
 *   the first request already hangs.
 * - read (reference images): as open, and the whole body within T plus its size at 4 MiB/s.
 * - save: each upload gets T plus its size at 4 MiB/s (uploadTimeoutMs: 2K ≈ 8 s, 4K ≈ 17 s);
 *   a failed one is followed by one stat (T) and the clean-up of what was written (T per
 *   object), so save fails within its PNG's upload deadline + 2 T (+ 1 s per retried quick
 *   failure, at most two).
 * - remove: T per object.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CRC32C, type Bucket, type File, type FileMetadata } from '@google-cloud/storage';
import { AppError, notFound } from '../errors.js';
import { STORED_NAME_PATTERN, stemOf, thumbnailNameOf, type ImageName } from '../core/names.js';
import type { ByteRange, ImageStore, ImageVariant, StoredObjectInfo } from './image-store.js';
import { IMMUTABLE_CACHE_CONTROL } from './serve-object.js';
import { MIN_UPLOAD_BYTES_PER_SECOND, onNewConnection, uploadTimeoutMs, withTimeout } from './storage-client.js';
import { MediaReader, StorageTimeoutError, resetBeforeAnswer, type MediaDownload } from './storage-media.js';

const CONTENT_TYPES: Record<ImageVariant, string> = { image: 'image/png', thumbnail: 'image/webp' };

/** IMG_STORAGE_TIMEOUT_SECONDS's default, for a client built without a timeout. */
const DEFAULT_TIMEOUT_MS = 5_000;

const SAVE_FAILED = 'The image could not be stored. Please try again.';
const READ_FAILED = 'The image could not be read from storage. Please try again.';
const REMOVE_FAILED = 'The image could not be deleted. Please try again.';
/** For failures without an answer: timeouts, refused and dropped connections. */
const unreachable = (what: string) => `Image storage is temporarily unavailable, so the image could not be ${what}. Please try again in a minute.`;

type Action = 'stored' | 'read' | 'deleted';
const ANSWERED_FAILURE: Record<Action, string> = { stored: SAVE_FAILED, read: READ_FAILED, deleted: REMOVE_FAILED };

/** The HTTP status of a failed call, when the server answered. */
function responseStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Whether the call got no answer: a timeout (node-fetch's or ours) or a connection-level
 * failure (Node's codes; undici's for a connection closed early, before or during a download).
 */
function unanswered(err: unknown): boolean {
  const { code, type } = (err ?? {}) as { code?: unknown; type?: unknown };
  return type === 'request-timeout' || type === 'body-timeout' || (typeof code === 'string' && /^(E[A-Z_]+|UND_ERR_SOCKET|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)$/.test(code)); // ETIMEDOUT, ECONNRESET, ECONNREFUSED, …
}

/**
 * Throttling, server errors and no answer at all are worth retrying later (UNAVAILABLE);
 * anything else (403 from a misconfigured bucket, 412, a checksum mismatch) is our fault
 * (INTERNAL). Either way the vendor's text stays in `cause`, for the log.
 */
function storageError(err: unknown, action: Action): AppError {
  if (err instanceof AppError) return err;
  const status = responseStatusOf(err);
  if (status !== undefined) {
    const transient = status === 408 || status === 429 || status >= 500;
    return new AppError(transient ? 'UNAVAILABLE' : 'INTERNAL', ANSWERED_FAILURE[action], { cause: err });
  }
  if (unanswered(err)) return new AppError('UNAVAILABLE', unreachable(action), { cause: err });
  return new AppError('INTERNAL', ANSWERED_FAILURE[action], { cause: err });
}

function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

export class CloudImageStore implements ImageStore {
  private readonly timeoutMs: number;
  private readonly media: MediaReader;

  constructor(
    private readonly bucket: Bucket,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? bucket.storage.timeout ?? DEFAULT_TIMEOUT_MS;
    this.media = new MediaReader(bucket, this.timeoutMs);
  }

  async save(name: ImageName, files: { png: Buffer; thumbnail: Buffer | Promise<Buffer> }): Promise<void> {
    const thumbnailReady = Promise.resolve(files.thumbnail);
    thumbnailReady.catch(() => {}); // awaited below; never left unhandled
    const image = this.fileOf(name, 'image');
    const thumbnail = this.fileOf(name, 'thumbnail');
    // The PNG (the large upload) starts at once and overlaps making the thumbnail. Until the
    // record is committed nobody knows the name, so the order in which the two appear does
    // not matter; what matters is that both stay or neither does.
    const pngUpload = this.upload(image, files.png, 'image').then(
      (generation) => ({ ok: true as const, generation }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    let thumbnailGeneration: string | undefined;
    let thumbnailError: { err: unknown } | undefined;
    try {
      let thumbnailBytes: Buffer;
      try {
        thumbnailBytes = await thumbnailReady;
      } catch (err) {
        thumbnailError = { err };
        throw err;
      }
      thumbnailGeneration = await this.upload(thumbnail, thumbnailBytes, 'thumbnail');
      const png = await pngUpload;
      if (!png.ok) throw png.err;
    } catch (err) {
      // Delete only the generations this call created: never another image's objects. An
      // upload that timed out may still land after its stat found nothing; if so, or if a
      // deletion fails too, the object stays behind without a record: nobody can see it
      // (names are unguessable and only a committed record reveals one), and nothing is counted.
      const png = await pngUpload;
      if (png.ok) await this.request(image, (f) => f.delete({ ifGenerationMatch: png.generation })).catch(() => {});
      if (thumbnailGeneration !== undefined) await this.request(thumbnail, (f) => f.delete({ ifGenerationMatch: thumbnailGeneration })).catch(() => {});
      if (thumbnailError) throw thumbnailError.err;
      throw storageError(err, 'stored');
    }
  }

  async stat(name: ImageName, variant: ImageVariant): Promise<StoredObjectInfo | undefined> {
    const metadata = await this.metadataOf(this.fileOf(name, variant));
    if (!metadata) return undefined;
    const size = Number(metadata.size);
    if (!Number.isSafeInteger(size) || size < 0) throw new AppError('INTERNAL', READ_FAILED, { cause: new Error(`object size ${String(metadata.size)}`) });
    const modified = new Date(metadata.updated ?? metadata.timeCreated ?? 0);
    return {
      size,
      contentType: metadata.contentType ?? CONTENT_TYPES[variant],
      etag: etagOf(metadata),
      lastModified: Number.isNaN(modified.getTime()) ? new Date(0) : modified,
    };
  }

  async open(name: ImageName, variant: ImageVariant, range?: ByteRange): Promise<Readable> {
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.start <= range.end)) {
      throw new AppError('INVALID_ARGUMENT', 'Invalid byte range.');
    }
    // Resolves once the answer's headers are in (a missing object rejects here, before any
    // response header is sent, without a metadata round-trip); the body then flows only as
    // fast as the caller reads it. Checksums cover whole objects only, and a mismatch would
    // surface only after the bytes were sent, so served bytes are not checked.
    return (await this.download(name, variant, range)).body;
  }

  async read(name: ImageName, variant: ImageVariant): Promise<Buffer> {
    const download = await this.download(name, variant);
    try {
      const data = await readWhole(download, this.timeoutMs);
      // Whole reads are checked against the object's CRC32C: these bytes go on to Gemini.
      const expected = /(?:^|,)\s*crc32c=([^,]+)/.exec(singleHeader(download.headers['x-goog-hash']) ?? '')?.[1];
      const crc32c = new CRC32C();
      crc32c.update(data);
      if (expected !== undefined && !crc32c.validate(expected)) {
        throw Object.assign(new Error(`CRC32C mismatch reading ${this.objectName(name, variant)}`), { code: 'CONTENT_DOWNLOAD_MISMATCH' });
      }
      return data;
    } catch (err) {
      throw storageError(err, 'read');
    }
  }

  async remove(name: ImageName): Promise<void> {
    // PNG first: once it is gone the image is gone for every reader, even if the
    // thumbnail then fails to go.
    try {
      await this.request(this.fileOf(name, 'image'), (f) => f.delete({ ignoreNotFound: true }));
      await this.request(this.fileOf(name, 'thumbnail'), (f) => f.delete({ ignoreNotFound: true }));
    } catch (err) {
      throw storageError(err, 'deleted');
    }
  }

  /** The media download's answer, once its headers are in; NOT_FOUND or an AppError otherwise. */
  private async download(name: ImageName, variant: ImageVariant, range?: ByteRange): Promise<MediaDownload> {
    try {
      return await this.media.open(this.objectName(name, variant), range);
    } catch (err) {
      throw responseStatusOf(err) === 404 ? this.notFound(name, variant) : storageError(err, 'read');
    }
  }

  /**
   * Writes one object unless its name is taken, and returns the generation written. A failed
   * upload may have landed all the same: its answer lost (the client's retry then meets its
   * own object and gets 412), or timed out after Cloud Storage had all of it. So after a
   * failure an object with the same bytes counts as this write's own, unless the very first
   * attempt met a taken name; its generation is returned, so that a failing save deletes it.
   */
  private async upload(file: File, data: Buffer, variant: ImageVariant): Promise<string> {
    // A File of its own carries the upload's deadline; the stat below keeps the client's.
    let attempts = 0;
    const uploading = withTimeout(this.bucket.file(file.name), uploadTimeoutMs(this.timeoutMs, data.length), () => attempts++);
    try {
      await uploading.save(data, {
        resumable: false,
        metadata: { contentType: CONTENT_TYPES[variant], cacheControl: IMMUTABLE_CACHE_CONTROL },
        preconditionOpts: { ifGenerationMatch: 0 },
      });
      return String(uploading.metadata.generation);
    } catch (err) {
      if (attempts <= 1 && responseStatusOf(err) === 412) throw err; // taken before this save began: another image's
      const existing = await this.metadataOf(file).catch(() => undefined);
      if (existing && existing.md5Hash === md5Base64(data) && Number(existing.size) === data.length) return String(existing.generation);
      throw err;
    }
  }

  private async metadataOf(file: File): Promise<FileMetadata | undefined> {
    try {
      const [metadata] = await this.request(file, (f) => f.getMetadata());
      return metadata;
    } catch (err) {
      if (responseStatusOf(err) === 404) return undefined;
      throw storageError(err, 'read');
    }
  }

  /**
   * One GET or DELETE through the client (which makes one attempt, within T), sent once more,
   * on a new connection, when it was reset before any answer; both within T together.
   */
  private async request<T>(file: File, call: (file: File) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    try {
      return await call(file);
    } catch (err) {
      const left = deadline - Date.now();
      if (!resetBeforeAnswer(err) || left <= 0) throw err;
      return await call(onNewConnection(withTimeout(this.bucket.file(file.name), left)));
    }
  }

  private objectName(name: ImageName, variant: ImageVariant): string {
    // Callers pass validated names; checking again costs nothing and keeps a slip
    // elsewhere from ever naming an object outside the two fixed shapes.
    if (!STORED_NAME_PATTERN.test(name)) throw new AppError('INVALID_ARGUMENT', 'Not an image name.');
    return variant === 'image' ? `images/${name}` : `thumbs/${stemOf(name)}.webp`;
  }

  private fileOf(name: ImageName, variant: ImageVariant): File {
    return this.bucket.file(this.objectName(name, variant));
  }

  private notFound(name: ImageName, variant: ImageVariant): AppError {
    return notFound(`No image named ${variant === 'image' ? name : thumbnailNameOf(name)}.`);
  }
}

/**
 * Collects a download. Besides the stall deadline on the stream, the whole body must arrive
 * within `timeoutMs` plus its length at the slowest healthy speed, so a body that trickles in
 * never holds a generation up for long. A connection closed early rejects (undici).
 */
async function readWhole({ headers, body }: MediaDownload, timeoutMs: number): Promise<Buffer> {
  const length = Number(headers['content-length'] ?? 0);
  const limitMs = timeoutMs + ((Number.isFinite(length) ? length : 0) / MIN_UPLOAD_BYTES_PER_SECOND) * 1000;
  const timer = setTimeout(() => body.destroy(new StorageTimeoutError(`a download took longer than ${Math.round(limitMs)} ms`)), limitMs);
  try {
    return Buffer.from(await body.arrayBuffer());
  } finally {
    clearTimeout(timer);
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The object's MD5 (which Cloud Storage computes for every non-composite object) as hex:
 * it names the bytes themselves, so it stays valid if the objects are copied to another
 * bucket, unlike the generation. Composite objects have no MD5; their generation changes
 * with every write, so it serves as well.
 */
function etagOf(metadata: FileMetadata): string {
  if (metadata.md5Hash) return `"${Buffer.from(metadata.md5Hash, 'base64').toString('hex')}"`;
  return `"g${String(metadata.generation)}"`;
}
