import { expect } from 'chai';
import { addGeneration, emptyTotals, removeGeneration } from '../../server/core/totals.js';

describe('user totals', () => {
  it('counts images and cost per user and per model', () => {
    let totals = emptyTotals('a@example.com');
    totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'flash', costUsd: 0.067, createdAt: '2026-01-01T00:00:00.000Z' });
    totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'pro', costUsd: 0.24, createdAt: '2026-01-02T00:00:00.000Z' });
    totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'flash', costUsd: 0.101, createdAt: '2026-01-01T12:00:00.000Z' });
    expect(totals.imageCount).to.equal(3);
    expect(totals.costUsd).to.equal(0.408);
    expect(totals.byModel).to.deep.equal({ flash: { imageCount: 2, costUsd: 0.168 }, pro: { imageCount: 1, costUsd: 0.24 } });
    expect(totals.lastGenerationAt).to.equal('2026-01-02T00:00:00.000Z');
  });

  it('does not drift when many small prices are added', () => {
    let totals = emptyTotals('a@example.com');
    for (let i = 0; i < 1000; i++) {
      totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'flash', costUsd: 0.067, createdAt: '2026-01-01T00:00:00.000Z' });
    }
    expect(totals.costUsd).to.equal(67);
  });
});

describe('user totals after a delete', () => {
  it('counts one image fewer, of its model too, and keeps the cumulative spend', () => {
    let totals = emptyTotals('a@example.com');
    totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'flash', costUsd: 0.067, createdAt: '2026-01-01T00:00:00.000Z' });
    totals = addGeneration(totals, { email: 'a@example.com', modelAlias: 'pro', costUsd: 0.24, createdAt: '2026-01-02T00:00:00.000Z' });
    totals = removeGeneration(totals, 'pro');
    expect(totals).to.deep.include({ imageCount: 1, costUsd: 0.307 });
    expect(totals.byModel).to.deep.equal({ flash: { imageCount: 1, costUsd: 0.067 }, pro: { imageCount: 0, costUsd: 0.24 } });
    // Never below zero, even for totals kept before deletes were counted.
    expect(removeGeneration(removeGeneration(totals, 'pro'), 'lite')).to.deep.include({ imageCount: 0 });
  });
});
