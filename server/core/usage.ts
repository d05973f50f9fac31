/**
 * The admin usage report: per user, their totals (images that exist now, cumulative spend)
 * and what they generated and spent in the last 30 days; and activity per day over the last
 * 14. Every figure over time comes from the cumulative day log, so deleting an image later
 * changes none of them. Pure: the users' totals and day logs come in.
 */
import { lastDays, periodsSince, type PeriodLog } from './activity.js';
import { addUsd, type UserTotals } from './totals.js';

export const RECENT_DAYS = 30;
export const ACTIVITY_DAYS = 14;

/** A user's totals beside their day log (only the days the report needs). */
export interface UserActivity {
  readonly totals: UserTotals;
  readonly days: PeriodLog;
}

/** The first day the report reads: today and the 29 days before it ("the last 30 days", UTC). */
export function usageWindowStart(now: Date): string {
  return lastDays(now, Math.max(RECENT_DAYS, ACTIVITY_DAYS)).at(-1)!;
}

/** The report, in the shape of the API's `Usage` (server/api/api-types.ts; the route checks it). */
export function summarizeUsage(activity: readonly UserActivity[], now: Date) {
  const recentFrom = lastDays(now, RECENT_DAYS).at(-1)!;
  const users = activity.map(({ totals: t, days }) => ({
    email: t.email,
    imageCount: t.imageCount,
    costUsd: t.costUsd,
    byModel: t.byModel,
    last30Days: Object.values(periodsSince(days, recentFrom)).reduce(
      (sum, d) => ({ generatedCount: sum.generatedCount + d.generatedCount, spentUsd: addUsd(sum.spentUsd, d.costUsd) }),
      { generatedCount: 0, spentUsd: 0 },
    ),
    ...(t.lastGenerationAt ? { lastGenerationAt: t.lastGenerationAt } : {}),
  }));

  // Every one of the last 14 days, today first, quiet days included (a chart needs them).
  const daily = lastDays(now, ACTIVITY_DAYS).map((day) =>
    activity.reduce(
      (sum, { days }) => {
        const figures = days[day];
        return figures ? { day, generatedCount: sum.generatedCount + figures.generatedCount, spentUsd: addUsd(sum.spentUsd, figures.costUsd) } : sum;
      },
      { day, generatedCount: 0, spentUsd: 0 },
    ),
  );
  return { users, daily };
}
