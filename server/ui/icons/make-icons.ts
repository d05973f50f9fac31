/**
 * Makes icon-192.png and favicon.ico from icon.svg, so the committed binaries can be remade
 * after an edit to the SVG: `npx tsx server/ui/icons/make-icons.ts`. Not part of the server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';

const dir = new URL('./', import.meta.url);
const FAVICON_SIZES = [32, 48];

const svg = await readFile(new URL('icon.svg', dir));
// Rendered at 4× the largest size (2048 px) and scaled down, for clean edges at 16–48 px.
const png = (size: number) => sharp(svg, { density: 288 }).resize(size, size).png({ compressionLevel: 9 }).toBuffer();

/** An ICO file holding PNG images (valid since Windows Vista; every browser reads it). */
function ico(images: readonly { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size % 256, 0); // width; 0 means 256
    entry.writeUInt8(size % 256, 1); // height
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

await writeFile(new URL('icon-192.png', dir), await png(192));
await writeFile(new URL('favicon.ico', dir), ico(await Promise.all(FAVICON_SIZES.map(async (size) => ({ size, png: await png(size) })))));
