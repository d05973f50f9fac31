import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { REFERENCE_MAX_BYTES, deriveImages, referenceForUpload } from '../../server/generation/image-derivatives.js';
import { AppError } from '../../server/errors.js';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } });
const noisy = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });

describe('image derivatives', () => {
  it('keeps a PNG byte for byte and makes a ≤512 px JPEG preview and a ≤320 px WebP thumbnail', async () => {
    const png = await solid(2048, 1152).png().toBuffer();
    const derived = await deriveImages(png);
    expect(derived.png).to.equal(png);
    expect([derived.width, derived.height]).to.deep.equal([2048, 1152]);
    expect(await sharp(derived.preview).metadata()).to.include({ format: 'jpeg', width: 512, height: 288 });
    expect(await sharp(derived.thumbnail).metadata()).to.include({ format: 'webp', width: 320, height: 180 });
  });

  it('re-encodes another format as PNG', async () => {
    const jpeg = await solid(800, 1000).jpeg().toBuffer();
    const derived = await deriveImages(jpeg);
    expect(await sharp(derived.png).metadata()).to.include({ format: 'png', width: 800, height: 1000 });
  });

  it('does not enlarge a small image', async () => {
    const derived = await deriveImages(await solid(200, 100).png().toBuffer());
    expect(await sharp(derived.preview).metadata()).to.include({ width: 200, height: 100 });
    expect(await sharp(derived.thumbnail).metadata()).to.include({ width: 200, height: 100 });
  });

  it('keeps the preview of a noisy 4K image far below the 1 MiB tool-result limit', async () => {
    const derived = await deriveImages(await noisy(4096, 2304).png({ compressionLevel: 1 }).toBuffer());
    expect(derived.preview.length).to.be.below(256 * 1024);
  });

  it('turns unreadable bytes into a clear UNAVAILABLE error', async () => {
    const err = await deriveImages(Buffer.from('not an image')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).status).to.equal('UNAVAILABLE');
    expect((err as AppError).publicMessage).to.match(/could not be read/);
  });
});

describe('reference images for upload', () => {
  it('sends a small PNG as it is', async () => {
    const png = await solid(1024, 1024).png().toBuffer();
    expect(await referenceForUpload(png)).to.deep.equal({ mimeType: 'image/png', data: png });
  });

  it('sends a PNG over the size cap as a JPEG of at most 2048 px', async () => {
    const png = await noisy(2800, 1600).png({ compressionLevel: 1 }).toBuffer();
    expect(png.length).to.be.above(REFERENCE_MAX_BYTES);
    const sent = await referenceForUpload(png);
    expect(sent.mimeType).to.equal('image/jpeg');
    expect(await sharp(sent.data).metadata()).to.include({ format: 'jpeg', width: 2048, height: 1170 });
  });
});
