/**
 * What the server makes from Gemini's image: the stored PNG (re-encoded only if Gemini sent
 * another format), a small preview for the tool answer and a gallery thumbnail. The large
 * image is decoded once; preview and thumbnail come from the same downscaled pixels. sharp
 * works on libuv's thread pool, so none of this blocks the event loop. It is loaded at the
 * first image, not at start-up.
 */
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { AppError } from '../errors.js';
import { once } from '../lazy.js';

/** Longest side of the inline preview; small enough for Claude's tool-result limits. */
export const PREVIEW_MAX_SIDE = 512;
export const PREVIEW_JPEG_QUALITY = 80;
/** Longest side of a gallery thumbnail (sharp on a high-density phone screen). */
export const THUMBNAIL_MAX_SIDE = 320;

export interface ImageDerivatives {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** JPEG, longest side ≤ PREVIEW_MAX_SIDE. */
  readonly preview: Buffer;
  /** WebP, longest side ≤ THUMBNAIL_MAX_SIDE. */
  readonly thumbnail: Buffer;
}

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;
const loadSharp = once((): Promise<SharpFactory> => import('sharp').then((m) => m.default));

/** The image as the PNG to store, with its size; rejects UNAVAILABLE when it cannot be read. Reads only the header of a PNG. */
export async function decodeImage(image: Buffer): Promise<Pick<ImageDerivatives, 'png' | 'width' | 'height'>> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (err) {
    throw new AppError('UNAVAILABLE', 'Gemini returned image data that could not be read. Please try again.', { cause: err });
  }
  const { width, height } = metadata;
  if (!width || !height) throw new AppError('UNAVAILABLE', 'Gemini returned an image without dimensions. Please try again.');
  const png = metadata.format === 'png' ? image : await sharp(image).png().toBuffer();
  return { png, width, height };
}

/** The preview and the thumbnail, from one decode of the image downscaled once. */
export async function makeSmallImages(image: Buffer): Promise<Pick<ImageDerivatives, 'preview' | 'thumbnail'>> {
  const sharp = await loadSharp();
  let downscaled: { data: Buffer; info: { width: number; height: number; channels: 1 | 2 | 3 | 4 } };
  try {
    downscaled = await sharp(image)
      .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new AppError('UNAVAILABLE', 'Gemini returned image data that could not be read. Please try again.', { cause: err });
  }
  const { data, info } = downscaled;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const [preview, thumbnail] = await Promise.all([
    sharp(data, raw).jpeg({ quality: PREVIEW_JPEG_QUALITY, mozjpeg: true }).toBuffer(),
    sharp(data, raw)
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer(),
  ]);
  return { preview, thumbnail };
}

/** Everything at once, for callers that do not overlap the PNG's storage with the rest. */
export async function deriveImages(image: Buffer): Promise<ImageDerivatives> {
  const decoded = await decodeImage(image);
  return { ...decoded, ...(await makeSmallImages(decoded.png)) };
}

/**
 * Gemini caps a whole request at about 20 MB, and a 4K PNG alone can come close. References
 * above this size go as a high-quality JPEG, at most 2048 px on the longest side (Gemini
 * works at about that resolution internally, so detail is not lost in practice).
 */
export const REFERENCE_MAX_BYTES = 4 * 1024 * 1024;

export async function referenceForUpload(png: Buffer): Promise<{ mimeType: string; data: Buffer }> {
  if (png.length <= REFERENCE_MAX_BYTES) return { mimeType: 'image/png', data: png };
  const sharp = await loadSharp();
  const data = await sharp(png)
    .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { mimeType: 'image/jpeg', data };
}
