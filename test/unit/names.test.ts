import { expect } from 'chai';
import { isImageName, newImageName, newUploadName, parseImageReference, parsePublicFile, parseReferenceImage } from '../../server/core/names.js';
import { heicBrandOf } from '../../server/uploads/upload-image.js';

const PUBLIC = 'https://img.example.com';
const ID = '0123456789abcdef0123456789abcdef';

describe('image names', () => {
  it('makes names of 32 lowercase hex characters and .png, unique each time', () => {
    const a = newImageName();
    const b = newImageName();
    expect(a).to.match(/^[0-9a-f]{32}\.png$/);
    expect(a).to.not.equal(b);
  });

  it('rejects anything that is not exactly such a name', () => {
    for (const bad of [`${ID}.json`, `${ID.toUpperCase()}.png`, `../${ID}.png`, `${ID}.png/`, `${ID}.PNG`, `${ID.slice(1)}.png`, `${ID}.png.json`, '']) {
      expect(isImageName(bad), bad).to.equal(false);
    }
  });

  it('parses public files: images and thumbnails only', () => {
    expect(parsePublicFile(`${ID}.png`)).to.deep.equal({ kind: 'image', name: `${ID}.png` });
    expect(parsePublicFile(`${ID}.thumb.webp`)).to.deep.equal({ kind: 'thumbnail', name: `${ID}.png` });
    expect(parsePublicFile(`${ID}.json`)).to.equal(undefined);
    expect(parsePublicFile(`..%2F${ID}.png`)).to.equal(undefined);
  });
});

describe('image references', () => {
  it('accepts a title, a bare id and links to /i, /d and /v (query ignored)', () => {
    const name = `${ID}.png`;
    expect(parseImageReference(name, PUBLIC)).to.equal(name);
    expect(parseImageReference(` ${ID} `, PUBLIC)).to.equal(name);
    expect(parseImageReference(`${PUBLIC}/i/${name}`, PUBLIC)).to.equal(name);
    expect(parseImageReference(`${PUBLIC}/d/${name}?x=1#y`, PUBLIC)).to.equal(name);
    expect(parseImageReference(`https://dash.example.web.app/v/${name}`, PUBLIC)).to.equal(name);
  });

  it('rejects sidecars, paths and other links with a message naming what is accepted', () => {
    for (const bad of [`${ID}.json`, `../${ID}.png`, `/etc/passwd`, `${PUBLIC}/i/${ID}.json`, `${PUBLIC}/i/..%2F${ID}.png`, `${PUBLIC}/x/${ID}.png`, 'http://[bad', 'cat.png']) {
      expect(() => parseImageReference(bad, PUBLIC), bad).to.throw(/title of an earlier generation/);
    }
  });
});

describe('uploaded photos’ names', () => {
  it('are their own kind: reference_images takes them, image_info’s parser and the public routes do not', () => {
    const name = newUploadName();
    expect(name).to.match(/^[0-9a-f]{32}\.ref\.png$/);
    expect(parseReferenceImage(` ${name} `, PUBLIC)).to.equal(name);
    expect(parseReferenceImage(`${ID}.png`, PUBLIC)).to.equal(`${ID}.png`);
    expect(() => parseImageReference(name, PUBLIC)).to.throw(/not an image title/);
    expect(parsePublicFile(name)).to.equal(undefined);
    expect(isImageName(name)).to.equal(false);
  });
});

describe('HEIC detection from the bytes', () => {
  const ftyp = (major: string, ...compatible: string[]) => {
    const brands = [major, '\0\0\0\0', ...compatible].join('');
    const box = Buffer.alloc(8 + brands.length);
    box.writeUInt32BE(box.length, 0);
    box.write('ftyp', 4, 'latin1');
    box.write(brands, 8, 'latin1');
    return Buffer.concat([box, Buffer.alloc(16)]);
  };

  it('finds HEIC by its major or compatible brands, and tells AVIF (same container) apart', () => {
    expect(heicBrandOf(ftyp('heic', 'mif1', 'heic'))).to.equal('heic');
    expect(heicBrandOf(ftyp('mif1', 'heic'))).to.equal('mif1');
    expect(heicBrandOf(ftyp('avif', 'mif1', 'miaf'))).to.equal(undefined);
    expect(heicBrandOf(ftyp('isom', 'mp41'))).to.equal(undefined);
    expect(heicBrandOf(Buffer.from('not a photo at all, just text'))).to.equal(undefined);
  });
});
