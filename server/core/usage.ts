/**
 * The admin usage report: per user, cumulative figures from their totals plus what they did
 * in the last 30 days; and activity per day over the last 14. Pure: the records come in.
 */
import type { ModelAlias } from './models.js';
import { addUsd, type UserTotals } from './totals.js';

export const RECENT_DAYS = 30;
export const ACTIVITY_DAYS = 14;

export interface UsageRecord {
  readonly email: string;
  readonly modelAlias: ModelAlias;
  readonly costUsd: number;
  readonly createdAt: string;
}

export interface UserUsage {
  readonly email: string;
  readonly imageCount: number;
  readonly costUsd: number;
  readonly byModel: UserTotals['byModel'];
  readonly last30Days: { readonly imageCount: number; readonly costUsd: number };
  readonly lastGenerationAt?: string;
}

export interface DailyActivity {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly imageCount: number;
  readonly costUsd: number;
}

/** The first instant counted as "recent", for querying the records the report needs. */
export function usageWindowStart(now: Date): string {
  return new Date(now.getTime() - RECENT_DAYS * 86_400_000).toISOString();
}

export function summarizeUsage(totals: readonly UserTotals[], recent: readonly UsageRecord[], now: Date): { users: UserUsage[]; daily: DailyActivity[] } {
  const since = usageWindowStart(now);
  const recentByUser = new Map<string, { imageCount: number; costUsd: number }>();
  for (const r of recent.filter((r) => r.createdAt >= since)) {
    const entry = recentByUser.get(r.email) ?? { imageCount: 0, costUsd: 0 };
    recentByUser.set(r.email, { imageCount: entry.imageCount + 1, costUsd: addUsd(entry.costUsd, r.costUsd) });
  }
  const users = totals.map((t) => ({
    email: t.email,
    imageCount: t.imageCount,
    costUsd: t.costUsd,
    byModel: t.byModel,
    last30Days: recentByUser.get(t.email) ?? { imageCount: 0, costUsd: 0 },
    ...(t.lastGenerationAt ? { lastGenerationAt: t.lastGenerationAt } : {}),
  }));

  // Every one of the last 14 days, today first, quiet days included (a chart needs them).
  const daily = Array.from({ length: ACTIVITY_DAYS }, (_, i) => new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10)).map((day) => {
    const onDay = recent.filter((r) => r.createdAt.startsWith(day));
    return { day, imageCount: onDay.length, costUsd: onDay.reduce((sum, r) => addUsd(sum, r.costUsd), 0) };
  });
  return { users, daily };
}
