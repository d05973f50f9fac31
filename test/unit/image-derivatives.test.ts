import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import {
  PREVIEW_MAX_BYTES,
  PREVIEW_MAX_SIDE,
  REFERENCE_MAX_BYTES,
  deriveImages,
  makeSmallImages,
  referenceForUpload,
} from '../../server/generation/image-derivatives.js';
import { AppError } from '../../server/errors.js';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } });
const noisy = (width: number, height: number) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
/** A plain picture: a soft gradient with a disc, as easy for JPEG as most images. */
const plain = (width: number, height: number) =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
        '<defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#3a6ed8"/><stop offset="1" stop-color="#f2b35a"/></linearGradient></defs>' +
        `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="50%" cy="50%" r="25%" fill="#fff4d6"/></svg>`,
    ),
  );

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

  it('leaves room for the answer under 100,000 characters with the preview in base64', () => {
    expect(Math.ceil(PREVIEW_MAX_BYTES / 3) * 4 + 3000).to.be.below(100_000);
  });

  // Pure noise is JPEG's worst case; at 512 px it is not even averaged by the downscale.
  for (const [width, height] of [
    [512, 512],
    [1024, 1024],
    [4096, 2304],
  ] as const) {
    it(`fits the preview of a ${width}×${height} pure-noise image in PREVIEW_MAX_BYTES, still a ≤512 px JPEG`, async () => {
      const { preview } = await makeSmallImages(await noisy(width, height).png({ compressionLevel: 0 }).toBuffer());
      const metadata = await sharp(preview).metadata();
      expect(preview.length).to.be.at.most(PREVIEW_MAX_BYTES);
      expect(metadata.format).to.equal('jpeg');
      expect(Math.max(metadata.width, metadata.height)).to.be.at.most(PREVIEW_MAX_SIDE);
    });
  }

  it('does not shrink the preview of a plain image: 512 px at quality 80, as before the cap', async () => {
    const png = await plain(1024, 1024).png().toBuffer();
    const { preview } = await makeSmallImages(png);
    const { data, info } = await sharp(png).resize(512, 512, { fit: 'inside' }).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
    const firstTry = await sharp(data, { raw: info }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
    expect(preview.equals(firstTry)).to.equal(true);
    expect(await sharp(preview).metadata()).to.include({ width: 512, height: 512 });
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
