/**
 * The image store on local disk, in the original Python server's layout so its data can
 * be imported: `{root}/{id}.png` for images, `{root}/thumbs/{id}.webp` for thumbnails.
 * Generation records (`{id}.json`) share the root but are another module's business: every
 * path here is built from a validated name and a fixed extension, so they are unreachable.
 */
import { createReadStream, open } from 'node:fs';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, notFound } from '../errors.js';
import { STORED_NAME_PATTERN, stemOf, thumbnailNameOf, type ImageName } from '../core/names.js';
import { createFileAtomic, stageFile, type StagedFile } from '../local/atomic-file.js';
import type { ByteRange, ImageStore, ImageVariant, StoredObjectInfo } from './image-store.js';

const openFile = promisify(open);

const CONTENT_TYPES: Record<ImageVariant, string> = { image: 'image/png', thumbnail: 'image/webp' };

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

/** The thumbnail's own failure, passed through save unchanged. */
class ThumbnailFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the thumbnail could not be made');
  }
}

export class LocalImageStore implements ImageStore {
  private readonly thumbsDir: string;

  constructor(private readonly root: string) {
    this.thumbsDir = join(root, 'thumbs');
  }

  async save(name: ImageName, files: { png: Buffer; thumbnail: Buffer | Promise<Buffer> }): Promise<void> {
    const thumbnailReady = Promise.resolve(files.thumbnail);
    thumbnailReady.catch(() => {}); // awaited below; never left unhandled if an earlier step fails
    const pngPath = this.pathOf(name, 'image');
    const thumbnailPath = this.pathOf(name, 'thumbnail');
    let png: StagedFile | undefined;
    let wroteThumbnail = false;
    try {
      await mkdir(this.thumbsDir, { recursive: true });
      // The PNG's bytes go to disk while the thumbnail is made. Thumbnail first, PNG last: the
      // PNG's name is what makes an image exist for every reader, so it appears once
      // everything else is in place.
      png = stageFile(pngPath, files.png);
      let thumbnail: Buffer;
      try {
        thumbnail = await thumbnailReady;
      } catch (err) {
        throw new ThumbnailFailed(err);
      }
      await createFileAtomic(thumbnailPath, thumbnail);
      wroteThumbnail = true;
      await png.create();
    } catch (err) {
      if (wroteThumbnail) await unlinkIfPresent(thumbnailPath).catch(() => {});
      if (err instanceof ThumbnailFailed) throw err.cause;
      throw new AppError('INTERNAL', 'The image could not be stored. Please try again.', { cause: err });
    } finally {
      await png?.discard().catch(() => {});
    }
  }

  async stat(name: ImageName, variant: ImageVariant): Promise<StoredObjectInfo | undefined> {
    const path = this.pathOf(name, variant);
    let stats;
    try {
      stats = await stat(path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw err;
    }
    if (!stats.isFile()) return undefined;
    return {
      size: stats.size,
      contentType: CONTENT_TYPES[variant],
      // Names are content-unique and never rewritten, so name + size identifies the bytes;
      // unlike mtime it survives copying the data to another disk, keeping caches valid.
      etag: `"${basename(path)}-${stats.size.toString(16)}"`,
      lastModified: stats.mtime,
    };
  }

  async open(name: ImageName, variant: ImageVariant, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(name, variant);
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.start <= range.end)) {
      throw new AppError('INVALID_ARGUMENT', 'Invalid byte range.');
    }
    // Opening eagerly turns a missing file into a rejection here, before any response
    // headers are sent, instead of an 'error' event halfway through a response.
    const fd = await openFile(path, 'r').catch((err: unknown) => {
      throw errnoOf(err) === 'ENOENT' ? this.notFound(name, variant) : err;
    });
    // A plain descriptor, not a FileHandle: its stream reads with callbacks instead of a promise
    // per 64 KiB chunk, which under load costs about a millisecond of CPU per 2K image (docs/performance.md).
    return createReadStream(path, { fd, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async read(name: ImageName, variant: ImageVariant): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(name, variant));
    } catch (err) {
      throw errnoOf(err) === 'ENOENT' ? this.notFound(name, variant) : err;
    }
  }

  async remove(name: ImageName): Promise<void> {
    // PNG first: once it is gone the image is gone for every reader, even if the
    // thumbnail then fails to go.
    await unlinkIfPresent(this.pathOf(name, 'image'));
    await unlinkIfPresent(this.pathOf(name, 'thumbnail'));
  }

  private pathOf(name: ImageName, variant: ImageVariant): string {
    // Callers pass validated names; checking again costs nothing and keeps a slip
    // elsewhere from ever turning into a path outside the two fixed shapes.
    if (!STORED_NAME_PATTERN.test(name)) throw new AppError('INVALID_ARGUMENT', 'Not an image name.');
    return variant === 'image' ? join(this.root, name) : join(this.thumbsDir, `${stemOf(name)}.webp`);
  }

  private notFound(name: ImageName, variant: ImageVariant): AppError {
    return notFound(`No image named ${variant === 'image' ? name : thumbnailNameOf(name)}.`);
  }
}
