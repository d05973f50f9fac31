/**
 * Where generated PNGs and their gallery thumbnails live. Implementations: local disk
 * (`local-image-store.ts`) and, later, Cloud Storage. Callers pass only validated names.
 */
import type { Readable } from 'node:stream';
import type { ImageName } from '../core/names.js';

export type ImageVariant = 'image' | 'thumbnail';

export interface StoredObjectInfo {
  readonly size: number;
  readonly contentType: string;
  /** A strong validator, quoted as HTTP wants it. */
  readonly etag: string;
  readonly lastModified: Date;
}

export interface ByteRange {
  /** Inclusive offsets, as in HTTP `Range`. */
  readonly start: number;
  readonly end: number;
}

export interface ImageStore {
  /**
   * Stores the PNG and its thumbnail: afterwards both exist, or (on error) neither does. The
   * thumbnail may still be in the making: the PNG's write starts at once, so the two overlap.
   * If the thumbnail's promise rejects, nothing is stored and save rejects with its error.
   */
  save(name: ImageName, files: { png: Buffer; thumbnail: Buffer | Promise<Buffer> }): Promise<void>;
  /** Metadata of one stored object, or undefined if absent. */
  stat(name: ImageName, variant: ImageVariant): Promise<StoredObjectInfo | undefined>;
  /** A stream of the object's bytes (or one range of them); rejects NOT_FOUND if absent. */
  open(name: ImageName, variant: ImageVariant, range?: ByteRange): Promise<Readable>;
  /** The whole object, for reference images; rejects NOT_FOUND if absent. */
  read(name: ImageName, variant: ImageVariant): Promise<Buffer>;
  /** Removes the PNG and its thumbnail; absent objects are not an error. */
  remove(name: ImageName): Promise<void>;
}
