import { expect } from 'chai';
import { addToPeriod, lastMonths, type PeriodLog } from '../../server/core/activity.js';
import { emptyTotals } from '../../server/core/totals.js';
import { summarizeUsage, usageWindowStart } from '../../server/core/usage.js';

describe('usage report', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');
  // Ada generated 5 images and deleted 2 (her totals count the 3 left); her day log keeps all 5.
  let adaDays: PeriodLog = {};
  for (const [day, costUsd] of [['2026-11-24', 0.067], ['2026-11-22', 0.24], ['2026-11-01', 0.067], ['2026-10-26', 0.033], ['2026-10-25', 0.067]] as const) {
    adaDays = addToPeriod(adaDays, day, costUsd, true);
  }
  // A billed failure: spend, no generation.
  adaDays = addToPeriod(adaDays, '2026-11-24', 0.01, false);
  const activity = [
    {
      totals: { email: 'ada@example.com', imageCount: 3, costUsd: 0.484, byModel: { flash: { imageCount: 2, costUsd: 0.244 }, pro: { imageCount: 1, costUsd: 0.24 } }, lastGenerationAt: '2026-11-24T09:00:00.000Z' },
      days: adaDays,
    },
    { totals: emptyTotals('bob@example.com'), days: { '2026-11-24': { generatedCount: 1, costUsd: 0.134 } } },
  ];

  it('counts the generations and spend of the last 30 days (today and the 29 before) beside live image counts', () => {
    const { users } = summarizeUsage(activity, now);
    expect(users[0]).to.deep.include({
      email: 'ada@example.com',
      imageCount: 3,
      costUsd: 0.484,
      // 2026-10-26 is the 30th day back; 2026-10-25 the 31st.
      last30Days: { generatedCount: 4, spentUsd: 0.417 },
      lastGenerationAt: '2026-11-24T09:00:00.000Z',
    });
    expect(users[1]).to.deep.include({ email: 'bob@example.com', imageCount: 0, last30Days: { generatedCount: 1, spentUsd: 0.134 } });
    expect(usageWindowStart(now)).to.equal('2026-10-26');
  });

  it('gives each of the last 14 days, today first, summed over users, quiet days as zero', () => {
    const { daily } = summarizeUsage(activity, now);
    expect(daily).to.have.length(14);
    expect(daily[0]).to.deep.equal({ day: '2026-11-24', generatedCount: 2, spentUsd: 0.211 });
    expect(daily[1]).to.deep.equal({ day: '2026-11-23', generatedCount: 0, spentUsd: 0 });
    expect(daily[2]).to.deep.equal({ day: '2026-11-22', generatedCount: 1, spentUsd: 0.24 });
    expect(daily.at(-1)?.day).to.equal('2026-11-11');
  });

  it('lists the last months oldest first across a year boundary', () => {
    expect(lastMonths(new Date('2027-02-28T23:59:59.000Z'), 4)).to.deep.equal(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(lastMonths(now, 1)).to.deep.equal(['2026-11']);
  });
});
