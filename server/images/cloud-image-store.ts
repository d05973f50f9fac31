/**
 * The image store on Cloud Storage: `images/{id}.png` and `thumbs/{id}.webp` in one bucket.
 * Objects stay private (the server is their only reader and proxies them at /i/), are
 * written once with `ifGenerationMatch: 0` and never changed, so their checksum is a
 * strong validator for good. The composition root builds the Storage client and passes
 * the bucket; the client's own retries cover transient failures. Give it
 * `retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryAlways, totalTimeout }`:
 * uploads here are conditional and deletes idempotent, so all are safe to retry, and the
 * default strategy instead flips `autoRetry` off on the shared client during each delete;
 * the default 600 s budget outlasts any request (keep `maxRetryDelay` ≥ 1 s: `save` rejects
 * smaller ones).
 *
 * Requests made (JSON API): upload `POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart
 * &name={object}&ifGenerationMatch=0`; stat `GET /storage/v1/b/{bucket}/o/{object}`; open and
 * read `GET …/o/{object}?alt=media` (open adds `Range: bytes=a-b`); remove `DELETE …/o/{object}`.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Bucket, File, FileMetadata } from '@google-cloud/storage';
import { AppError, notFound } from '../errors.js';
import { IMAGE_NAME_PATTERN, idOf, thumbnailNameOf, type ImageName } from '../core/names.js';
import type { ByteRange, ImageStore, ImageVariant, StoredObjectInfo } from './image-store.js';
import { IMMUTABLE_CACHE_CONTROL } from './serve-object.js';

const CONTENT_TYPES: Record<ImageVariant, string> = { image: 'image/png', thumbnail: 'image/webp' };

const SAVE_FAILED = 'The image could not be stored. Please try again.';
const READ_FAILED = 'The image could not be read from storage. Please try again.';
const REMOVE_FAILED = 'The image could not be deleted. Please try again.';

/** The HTTP status of a failed client call, when the server answered. */
function responseStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Timeouts, throttling, server errors and lost connections are worth retrying later
 * (UNAVAILABLE); anything else (403 from a misconfigured bucket, 412, a checksum mismatch)
 * is our fault (INTERNAL). Either way the vendor's text stays in `cause`, for the log.
 */
function storageError(err: unknown, publicMessage: string): AppError {
  if (err instanceof AppError) return err;
  const status = responseStatusOf(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  const transient =
    status !== undefined
      ? status === 408 || status === 429 || status >= 500
      : typeof code === 'string' && /^E[A-Z_]+$/.test(code); // ECONNRESET, ETIMEDOUT, ECONNREFUSED, …
  return new AppError(transient ? 'UNAVAILABLE' : 'INTERNAL', publicMessage, { cause: err });
}

function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

export class CloudImageStore implements ImageStore {
  constructor(private readonly bucket: Bucket) {}

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
      // Delete only the generations this call created: never another image's objects. If that
      // fails too, an orphan without a record is invisible and harmless.
      const png = await pngUpload;
      if (png.ok && png.generation !== undefined) await image.delete({ ifGenerationMatch: png.generation }).catch(() => {});
      if (thumbnailGeneration !== undefined) await thumbnail.delete({ ifGenerationMatch: thumbnailGeneration }).catch(() => {});
      if (thumbnailError) throw thumbnailError.err;
      throw storageError(err, SAVE_FAILED);
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
    const file = this.fileOf(name, variant);
    // Checksums cover whole objects only, so ranged reads cannot be validated; whole ones
    // are not either, since a mismatch would surface only after the bytes were sent.
    const stream = file.createReadStream(range ? { start: range.start, end: range.end, validation: false } : { validation: false });
    // Once returned, the caller owns the stream and its errors; this listener only keeps
    // an error that nobody listens for yet from crashing the process.
    stream.on('error', () => {});
    // The client sends its request only when the stream is first read, and reports the
    // answer's status in a 'response' event (which it emits before it destroys the stream
    // with the error for a 4xx/5xx). Waiting for it turns a missing object into a rejection
    // here, before any response headers are sent, without a metadata round-trip; the body
    // then flows only as fast as the caller reads it.
    await new Promise<void>((resolve, reject) => {
      const onResponse = (response: { statusCode?: number }) => {
        if (response.statusCode !== undefined && response.statusCode < 300) settle(resolve);
      };
      const onError = (err: unknown) => settle(() => reject(responseStatusOf(err) === 404 ? this.notFound(name, variant) : storageError(err, READ_FAILED)));
      const settle = (then: () => void) => {
        stream.off('response', onResponse);
        stream.off('error', onError);
        then();
      };
      stream.on('response', onResponse);
      stream.once('error', onError);
      stream.read(0);
    });
    return stream;
  }

  async read(name: ImageName, variant: ImageVariant): Promise<Buffer> {
    try {
      // Whole downloads keep the client's CRC32C check: these bytes go on to Gemini.
      const [data] = await this.fileOf(name, variant).download();
      return data;
    } catch (err) {
      throw responseStatusOf(err) === 404 ? this.notFound(name, variant) : storageError(err, READ_FAILED);
    }
  }

  async remove(name: ImageName): Promise<void> {
    // PNG first: once it is gone the image is gone for every reader, even if the
    // thumbnail then fails to go.
    try {
      await this.fileOf(name, 'image').delete({ ignoreNotFound: true });
      await this.fileOf(name, 'thumbnail').delete({ ignoreNotFound: true });
    } catch (err) {
      throw storageError(err, REMOVE_FAILED);
    }
  }

  /**
   * Writes one object unless its name is taken. Returns the generation written, or
   * undefined when the same bytes were already there: the client retries a failed upload
   * by itself, and a retry whose first attempt landed (its answer lost) meets its own
   * object and gets 412, so an identical object counts as this write having succeeded.
   */
  private async upload(file: File, data: Buffer, variant: ImageVariant): Promise<string | undefined> {
    try {
      await file.save(data, {
        resumable: false,
        metadata: { contentType: CONTENT_TYPES[variant], cacheControl: IMMUTABLE_CACHE_CONTROL },
        preconditionOpts: { ifGenerationMatch: 0 },
      });
      return String(file.metadata.generation);
    } catch (err) {
      const existing = await this.metadataOf(file).catch(() => undefined);
      if (existing && existing.md5Hash === md5Base64(data) && Number(existing.size) === data.length) return undefined;
      throw err;
    }
  }

  private async metadataOf(file: File): Promise<FileMetadata | undefined> {
    try {
      const [metadata] = await file.getMetadata();
      return metadata;
    } catch (err) {
      if (responseStatusOf(err) === 404) return undefined;
      throw storageError(err, READ_FAILED);
    }
  }

  private fileOf(name: ImageName, variant: ImageVariant): File {
    // Callers pass validated names; checking again costs nothing and keeps a slip
    // elsewhere from ever naming an object outside the two fixed shapes.
    if (!IMAGE_NAME_PATTERN.test(name)) throw new AppError('INVALID_ARGUMENT', 'Not an image name.');
    const id = idOf(name);
    return this.bucket.file(variant === 'image' ? `images/${id}.png` : `thumbs/${id}.webp`);
  }

  private notFound(name: ImageName, variant: ImageVariant): AppError {
    return notFound(`No image named ${variant === 'image' ? name : thumbnailNameOf(name)}.`);
  }
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
