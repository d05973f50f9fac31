import { expect } from 'chai';
import { classifyEntry } from '../../server/import/directory-entries.js';

const ID = '0123456789abcdef0123456789abcdef';

describe('entries of a directory to import', () => {
  it('reads image names, sidecars, prefs.json and spend.json', () => {
    expect(classifyEntry(`${ID}.png`, 'file')).to.deep.equal({ kind: 'image', id: ID });
    expect(classifyEntry(`${ID}.json`, 'file')).to.deep.equal({ kind: 'sidecar', id: ID });
    expect(classifyEntry('prefs.json', 'file')).to.deep.equal({ kind: 'prefs' });
    expect(classifyEntry('spend.json', 'file')).to.deep.equal({ kind: 'spend' });
  });

  const skips: [string, 'file' | 'directory' | 'other', RegExp][] = [
    ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.png', 'file', /^not an image name \(a uuid with dashes\)/],
    [`${ID.toUpperCase()}.json`, 'file', /^not an image name \(capital letters\)/],
    [`${ID}0.png`, 'file', /^not an image name \(33 hex characters, not 32\)/],
    ['cat.png', 'file', /^not an image name \(characters other than 0-9 and a-f\)/],
    [`${ID}.Png`, 'file', /^not an image name \(a capitalised extension\)/],
    [`${ID}.webp`, 'file', /^an unknown kind of file \(\.webp\): the import reads only/],
    ['Thumbs.db', 'file', /^an unknown kind of file \(\.db\)/],
    ['.DS_Store', 'file', /^a file without an extension/],
    ['README', 'file', /^a file without an extension/],
    [`.${ID}.json.4f2a.tmp`, 'file', /^a temporary file left by an interrupted write$/],
    ['spend.tmp', 'file', /^a temporary file/],
    ['spend.corrupt', 'file', /^a spend ledger the original set aside as unreadable/],
    ['totals.json', 'file', /^this server's running totals/],
    ['thumbs', 'directory', /^a folder of thumbnails/],
    ['auth', 'directory', /^this server's sign-in state/],
    [ID, 'directory', /^a folder: the import reads only the top level/],
    ['pipe', 'other', /^not a regular file$/],
  ];
  for (const [name, type, reason] of skips) {
    it(`skips ${type === 'file' ? name : `${name} (${type})`} with its reason`, () => {
      const entry = classifyEntry(name, type);
      expect(entry.kind).to.equal('skip');
      if (entry.kind === 'skip') expect(entry.reason).to.match(reason);
    });
  }
});
