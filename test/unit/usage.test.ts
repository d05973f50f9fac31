import { expect } from 'chai';
import { emptyTotals } from '../../server/core/totals.js';
import { summarizeUsage, usageWindowStart } from '../../server/core/usage.js';

describe('usage report', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');
  const totals = [
    { email: 'ada@example.com', imageCount: 5, costUsd: 0.5, byModel: { flash: { imageCount: 4, costUsd: 0.268 }, pro: { imageCount: 1, costUsd: 0.232 } }, lastGenerationAt: '2026-11-24T09:00:00.000Z' },
    emptyTotals('bob@example.com'),
  ];
  const recent = [
    { email: 'ada@example.com', modelAlias: 'flash' as const, costUsd: 0.067, createdAt: '2026-11-24T09:00:00.000Z' },
    { email: 'ada@example.com', modelAlias: 'pro' as const, costUsd: 0.24, createdAt: '2026-11-22T23:59:59.000Z' },
    { email: 'ada@example.com', modelAlias: 'flash' as const, costUsd: 0.067, createdAt: '2026-11-01T00:00:00.000Z' },
    { email: 'ada@example.com', modelAlias: 'flash' as const, costUsd: 0.067, createdAt: '2026-10-01T00:00:00.000Z' },
  ];

  it('counts the last 30 days per user beside their cumulative totals', () => {
    const { users } = summarizeUsage(totals, recent, now);
    expect(users[0]).to.deep.include({ email: 'ada@example.com', imageCount: 5, last30Days: { imageCount: 3, costUsd: 0.374 }, lastGenerationAt: '2026-11-24T09:00:00.000Z' });
    expect(users[1]).to.deep.include({ email: 'bob@example.com', imageCount: 0, last30Days: { imageCount: 0, costUsd: 0 } });
    expect(usageWindowStart(now)).to.equal('2026-10-25T12:00:00.000Z');
  });

  it('gives each of the last 14 days, today first, quiet days as zero', () => {
    const { daily } = summarizeUsage(totals, recent, now);
    expect(daily).to.have.length(14);
    expect(daily[0]).to.deep.equal({ day: '2026-11-24', imageCount: 1, costUsd: 0.067 });
    expect(daily[1]).to.deep.equal({ day: '2026-11-23', imageCount: 0, costUsd: 0 });
    expect(daily[2]).to.deep.equal({ day: '2026-11-22', imageCount: 1, costUsd: 0.24 });
    expect(daily.at(-1)?.day).to.equal('2026-11-11');
  });
});
