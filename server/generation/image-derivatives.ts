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

/** Longest side of the inline preview. */
export const PREVIEW_MAX_SIDE = 512;
export const PREVIEW_JPEG_QUALITY = 80;
/**
 * The preview's size cap, so that a generate_image answer fits every Claude client. Claude.ai
 * and Claude Desktop cut a tool result at about 150,000 characters; Claude Code refuses one
 * above 25,000 tokens, and has been seen to count an image's base64 as text (about 4
 * characters a token), which makes its limit about 100,000 characters. 60,000 bytes are
 * 80,000 base64 characters; with the answer's text and JSON (at most about 3,000) the whole
 * stays near 83,000 characters, about 21,000 tokens counted that way. Most previews fit at
 * the first try; very detailed ones step down (see SMALLER_PREVIEWS).
 */
export const PREVIEW_MAX_BYTES = 60_000;
/** Longest side of a gallery thumbnail (sharp on a high-density phone screen). */
export const THUMBNAIL_MAX_SIDE = 320;

export interface ImageDerivatives {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** JPEG, longest side ≤ PREVIEW_MAX_SIDE, at most PREVIEW_MAX_BYTES. */
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

interface PreviewStep {
  readonly side: number;
  readonly quality: number;
}

/**
 * When the first preview is over the cap: quality down first (a coarser 512 px preview shows
 * more of the image than a smaller one), then size. The last step always fits: a 256 px JPEG
 * at quality 40 is about 8 KB even for pure noise, the worst case for JPEG.
 */
const FIRST_PREVIEW: PreviewStep = { side: PREVIEW_MAX_SIDE, quality: PREVIEW_JPEG_QUALITY };
const SMALLER_PREVIEWS: readonly PreviewStep[] = [
  { side: PREVIEW_MAX_SIDE, quality: 65 },
  { side: PREVIEW_MAX_SIDE, quality: 50 },
  { side: PREVIEW_MAX_SIDE, quality: 40 },
  { side: 384, quality: 40 },
  { side: 256, quality: 40 },
];

/** The first encoding that fits in maxBytes, or the smallest step's if none does (never fails for size). */
async function previewWithin(maxBytes: number, encode: (step: PreviewStep) => Promise<Buffer>): Promise<Buffer> {
  let preview = await encode(FIRST_PREVIEW);
  for (const step of SMALLER_PREVIEWS) {
    if (preview.length <= maxBytes) break;
    preview = await encode(step);
  }
  return preview;
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
  // Every attempt at the preview starts from these pixels: the image is decoded only once.
  const encodePreview = ({ side, quality }: PreviewStep) => {
    const pixels = sharp(data, raw);
    const sized = side < PREVIEW_MAX_SIDE ? pixels.resize(side, side, { fit: 'inside', withoutEnlargement: true }) : pixels;
    return sized.jpeg({ quality, mozjpeg: true }).toBuffer();
  };
  const [preview, thumbnail] = await Promise.all([
    previewWithin(PREVIEW_MAX_BYTES, encodePreview),
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
