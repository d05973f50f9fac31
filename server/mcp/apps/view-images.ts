/**
 * The pictures the apps show, sized to the result budget: app-only tool results are no model's
 * context, but the host still carries them whole, and every result stays below 100,000
 * characters (Claude.ai and Claude Desktop cut at about 150,000; Claude Code counts base64 as
 * text). The viewer gets the largest JPEG that fits; the gallery small WebP thumbnails, each
 * capped so that a whole page fits. sharp loads at the first picture, not at start-up.
 */
import type { Sharp, SharpOptions } from 'sharp';
import { once } from '../../lazy.js';

/** A viewer image's cap: 66,000 bytes are 88,000 base64 characters, leaving room for the details (prompt cut to 2,000). */
export const VIEW_MAX_BYTES = 66_000;
/** Longest side tried first: more than a chat column shows, so the view stays sharp on high-density screens. */
export const VIEW_MAX_SIDE = 1600;
/** A gallery thumbnail's cap: 3,600 bytes are 4,800 base64 characters; a page of 16 stays near 90,000 characters with its text. */
export const THUMB_MAX_BYTES = 3_600;
export const THUMB_MAX_SIDE = 160;

interface Step {
  readonly side: number;
  readonly quality: number;
}

/** Quality first, then size; the last step fits even pure noise (a 384 px JPEG at quality 40 is about 20 KB). */
const VIEW_STEPS: readonly Step[] = [
  { side: VIEW_MAX_SIDE, quality: 82 },
  { side: VIEW_MAX_SIDE, quality: 68 },
  { side: 1280, quality: 70 },
  { side: 1280, quality: 55 },
  { side: 1024, quality: 55 },
  { side: 768, quality: 50 },
  { side: 512, quality: 45 },
  { side: 384, quality: 40 },
];

/** Smaller steps for thumbnails; one that still does not fit is left out (the gallery shows a placeholder). */
const THUMB_STEPS: readonly Step[] = [
  { side: THUMB_MAX_SIDE, quality: 60 },
  { side: THUMB_MAX_SIDE, quality: 42 },
  { side: 128, quality: 38 },
  { side: 96, quality: 32 },
  { side: 64, quality: 30 },
];

export interface ViewImage {
  readonly jpeg: Buffer;
  readonly width: number;
  readonly height: number;
}

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;
const loadSharp = once((): Promise<SharpFactory> => import('sharp').then((m) => m.default));

/** The largest JPEG of the image within VIEW_MAX_BYTES (the smallest step's if none fits, which does not happen in practice). */
export async function viewImage(png: Buffer): Promise<ViewImage> {
  const sharp = await loadSharp();
  // Decoded and downscaled once; every step starts from these pixels.
  const { data, info } = await sharp(png)
    .resize(VIEW_MAX_SIDE, VIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  let best: ViewImage | undefined;
  for (const { side, quality } of VIEW_STEPS) {
    const { data: jpeg, info: out } = await sharp(data, raw)
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    best = { jpeg, width: out.width, height: out.height };
    if (jpeg.length <= VIEW_MAX_BYTES) break;
  }
  return best!;
}

/** A WebP thumbnail within THUMB_MAX_BYTES, from the stored gallery thumbnail; undefined if none fits. */
export async function galleryThumbnail(thumbnail: Buffer): Promise<Buffer | undefined> {
  const sharp = await loadSharp();
  for (const { side, quality } of THUMB_STEPS) {
    const webp = await sharp(thumbnail).resize(side, side, { fit: 'inside', withoutEnlargement: true }).webp({ quality }).toBuffer();
    if (webp.length <= THUMB_MAX_BYTES) return webp;
  }
  return undefined;
}
