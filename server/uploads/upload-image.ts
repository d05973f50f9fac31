/**
 * What an uploaded photo becomes: read its type from the bytes (never from a header or a file
 * name; PNG, JPEG, WebP, HEIC), re-encode it as a PNG no larger than UPLOAD_MAX_SIDE on its longest side, turned
 * upright, and a thumbnail. Re-encoding is what strips EXIF (GPS included), XMP, IPTC and ICC
 * metadata: sharp writes none unless asked to (keepExif/withMetadata), and we never ask.
 */
import type { Sharp, SharpOptions } from 'sharp';
import { AppError } from '../errors.js';
import { once } from '../lazy.js';
import { THUMBNAIL_MAX_SIDE } from '../generation/image-derivatives.js';

/** Larger than any Gemini model's input needs; bounds what one upload stores. */
export const UPLOAD_MAX_SIDE = 4096;
/** 20 MB: a phone photo fits; the PUT route refuses more before reading it all. */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
/** What sharp may name an accepted upload's format. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp']);
/** Decoding bombs: a small file that claims billions of pixels is refused before it is decoded. */
const MAX_INPUT_PIXELS = 100_000_000;

export const ACCEPTED_TYPES_TEXT = 'PNG, JPEG, WebP or HEIC';

export interface ProcessedUpload {
  readonly png: Buffer;
  readonly thumbnail: Buffer;
  readonly width: number;
  readonly height: number;
  readonly originalType: string;
}

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;
const loadSharp = once((): Promise<SharpFactory> => import('sharp').then((m) => m.default));

/** `heic` when the bytes are an ISO-BMFF HEIF container of HEVC images (what iPhones send), else undefined. */
export function heicBrandOf(bytes: Buffer): string | undefined {
  // ISO BMFF: [size:4]['ftyp'][major brand:4][minor:4][compatible brands…]
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(bytes.toString('latin1', at, at + 4));
  // AVIF shares the container (and often lists mif1 too): not HEIC; libvips reads it, and refuses it as not accepted.
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return undefined;
  return brands.find((brand) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand));
}

/**
 * A refusal about the file itself (too large, wrong type): the HTTP status says which, and
 * the link stays usable for another file. INVALID_ARGUMENT wherever no HTTP status applies.
 */
export class UploadRefused extends AppError {
  constructor(
    readonly httpStatus: 413 | 415,
    message: string,
    cause?: unknown,
  ) {
    super('INVALID_ARGUMENT', message, cause === undefined ? undefined : { cause });
  }
}

/** Rejects UploadRefused (415) for anything but an accepted photo. */
export async function processUpload(bytes: Buffer): Promise<ProcessedUpload> {
  const sharp = await loadSharp();
  const input = heicBrandOf(bytes) !== undefined ? await decodeHeic(bytes) : await checkedByLibvips(sharp, bytes);
  try {
    const upright = sharp(input.data, { limitInputPixels: MAX_INPUT_PIXELS, ...(input.raw ? { raw: input.raw } : {}) })
      .rotate()
      .resize({ width: UPLOAD_MAX_SIDE, height: UPLOAD_MAX_SIDE, fit: 'inside', withoutEnlargement: true });
    const { data: png, info } = await upright.png().toBuffer({ resolveWithObject: true });
    const thumbnail = await sharp(png).resize({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer();
    return { png, thumbnail, width: info.width, height: info.height, originalType: input.format };
  } catch (err) {
    // A truncated or corrupt file is found only when decoded in full.
    throw new UploadRefused(415, 'That photo could not be read: it may be damaged. Try exporting it again.', err);
  }
}

/** What sharp is given: the file itself, or (HEIC) its decoded pixels. */
interface DecodableInput {
  readonly data: Buffer;
  readonly format: string;
  readonly raw?: { width: number; height: number; channels: 4 };
}

/** The file, if libvips reads it as one of the accepted formats (from its bytes). */
async function checkedByLibvips(sharp: SharpFactory, bytes: Buffer): Promise<DecodableInput> {
  let format: string | undefined;
  try {
    format = (await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format;
  } catch {
    format = undefined;
  }
  if (format === undefined || !ACCEPTED_FORMATS.has(format)) {
    throw unsupported(`That file is not a photo this server accepts: upload a ${ACCEPTED_TYPES_TEXT} photo of at most 20 MB.`);
  }
  return { data: bytes, format };
}

/**
 * HEIC (iPhones' default) through libheif compiled to WebAssembly (heic-decode): the libvips
 * that sharp ships reads HEIF only with AV1 inside, not HEVC. Loaded at the first HEIC. The
 * decoded pixels carry no metadata at all.
 */
const loadHeicDecode = once(() => import('heic-decode').then((m) => m.default));

async function decodeHeic(bytes: Buffer): Promise<DecodableInput> {
  let decoded: Awaited<ReturnType<Awaited<ReturnType<typeof loadHeicDecode>>>>;
  try {
    decoded = await (await loadHeicDecode())({ buffer: bytes });
  } catch (err) {
    throw new UploadRefused(415, 'That HEIC photo could not be read: it may be damaged. Try exporting it as JPEG.', err);
  }
  const { width, height, data } = decoded;
  if (width * height > MAX_INPUT_PIXELS) throw unsupported('That photo has too many pixels: export it at a lower resolution.');
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), format: 'heic', raw: { width, height, channels: 4 } };
}

function unsupported(message: string): UploadRefused {
  return new UploadRefused(415, message);
}
