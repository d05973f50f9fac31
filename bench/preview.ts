/**
 * The preview's size cap at its worst: pure noise, which JPEG cannot compress, through the
 * server's own makeSmallImages (preview and thumbnail). At 512 px (Gemini's smallest size)
 * the noise is not averaged by the downscale, so the preview takes the most steps down.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { PREVIEW_MAX_BYTES, makeSmallImages } from '../server/generation/image-derivatives.js';
import { medianMs, type Figure } from './stats.js';

export async function benchPreview(runs: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const side of [512, 1024]) {
    const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    const { preview } = await makeSmallImages(png); // warm-up, and the size
    const ms = await medianMs(runs, () => makeSmallImages(png));
    figures.push({
      figure: `preview + thumbnail of pure noise ${side}×${side} (worst case), median of ${runs}`,
      measured: `${ms.toFixed(0)} ms, preview ${preview.length} bytes`,
      floor: '—',
      target: `≤ ${PREVIEW_MAX_BYTES} bytes`,
      met: preview.length <= PREVIEW_MAX_BYTES,
    });
  }
  return figures;
}
