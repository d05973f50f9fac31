import { expect } from 'chai';
import { isImageName, newImageName, parseImageReference, parsePublicFile } from '../../server/core/names.js';

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
