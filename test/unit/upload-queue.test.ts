import { expect } from 'chai';
import { enqueue, formatBytes, photoTypeLabel, refusalBeforeSending, unfinished, updateEntry } from '../../web/src/upload-queue.js';

const MB = 1024 * 1024;
const limits = { maxBytes: 20 * MB, maxUploads: 100, kept: 3 };

describe('the Photos page’s upload queue', () => {
  it('sends a photo up to the size limit, and refuses a larger one before sending, saying how large', () => {
    expect(refusalBeforeSending({ size: 20 * MB }, limits)).to.equal(undefined);
    expect(refusalBeforeSending({ size: 0 }, limits), 'an empty file: the server says why').to.equal(undefined);
    expect(refusalBeforeSending({ size: 21 * MB }, limits)).to.equal('That file is 21 MB, more than the 20 MB a photo may be: choose a smaller photo, or export it at a lower resolution.');
    // One byte over rounds to the limit itself: the message does not say "20 MB, more than 20 MB".
    expect(refusalBeforeSending({ size: 20 * MB + 1 }, limits)).to.equal('That file is larger than 20 MB: choose a smaller photo, or export it at a lower resolution.');
  });

  it('refuses any file while the user keeps the most photos allowed', () => {
    expect(refusalBeforeSending({ size: 10 }, { ...limits, kept: 100 })).to.match(/^You keep 100 photos, the most you may keep: delete some/);
    expect(refusalBeforeSending({ size: 10 }, { ...limits, kept: 99 })).to.equal(undefined);
  });

  it('queues the chosen files in order, changes one entry at a time, and keeps only unfinished ones for a new batch', () => {
    const queue = enqueue([{ name: 'dog.jpg' }, { name: 'cat.heic' }, { name: 'notes.jpg' }], 7);
    expect(queue.map((e) => [e.id, e.name, e.status])).to.deep.equal([[7, 'dog.jpg', 'waiting'], [8, 'cat.heic', 'waiting'], [9, 'notes.jpg', 'waiting']]);
    let next = updateEntry(queue, 7, { status: 'done', fraction: 1, title: 'a.ref.png' });
    next = updateEntry(next, 8, { status: 'uploading', fraction: 0.5 });
    next = updateEntry(next, 9, { status: 'refused', message: 'not a photo' });
    expect(next[0]).to.deep.equal({ id: 7, name: 'dog.jpg', status: 'done', fraction: 1, title: 'a.ref.png' });
    expect(queue[0]!.status, 'the old queue is left as it was').to.equal('waiting');
    expect(unfinished(next).map((e) => e.name)).to.deep.equal(['cat.heic']);
  });

  it('writes sizes and types as people know them', () => {
    expect([formatBytes(512), formatBytes(340 * 1024), formatBytes(1.5 * MB), formatBytes(20 * MB)]).to.deep.equal(['512 bytes', '340 KB', '1.5 MB', '20 MB']);
    expect(['jpeg', 'png', 'webp', 'heic', 'avif'].map(photoTypeLabel)).to.deep.equal(['JPEG', 'PNG', 'WebP', 'HEIC', 'AVIF']);
  });
});
