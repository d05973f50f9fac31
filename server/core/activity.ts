/**
 * Activity by period: generations and spend per UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`),
 * counted when they happen and never taken back (deleting an image is not a refund). Pure.
 */
import { addUsd } from './totals.js';

export interface PeriodFigures {
  /** Generations finished in the period (deleted ones included). */
  readonly generatedCount: number;
  /** Spent in the period: finished images and failures Gemini billed. */
  readonly costUsd: number;
}

/** Figures by period key; quiet periods are absent. */
export type PeriodLog = Readonly<Record<string, PeriodFigures>>;

export const NO_ACTIVITY: PeriodFigures = Object.freeze({ generatedCount: 0, costUsd: 0 });

/** The UTC day an ISO 8601 instant falls in, as `YYYY-MM-DD`. */
export function dayOf(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`not a time: ${JSON.stringify(iso)}`);
  return at.toISOString().slice(0, 10);
}

/** The log with `costUsd` spent (and one generation, if `generated`) added in `key`. */
export function addToPeriod(log: PeriodLog | undefined, key: string, costUsd: number, generated: boolean): PeriodLog {
  const current = log?.[key] ?? NO_ACTIVITY;
  return { ...log, [key]: { generatedCount: current.generatedCount + (generated ? 1 : 0), costUsd: addUsd(current.costUsd, costUsd) } };
}

export function figuresOf(log: PeriodLog | undefined, key: string): PeriodFigures {
  return log?.[key] ?? NO_ACTIVITY;
}

/** The `count` months up to `now`'s, oldest first. */
export function lastMonths(now: Date, count: number): string[] {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return Array.from({ length: count }, (_, i) => new Date(Date.UTC(year, month - (count - 1 - i), 1)).toISOString().slice(0, 7));
}

/** The `count` days up to `now`'s, today first. */
export function lastDays(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
}

/** The entries of `log` on or after `fromKey` (keys compare as strings). */
export function periodsSince(log: PeriodLog | undefined, fromKey: string): PeriodLog {
  return Object.fromEntries(Object.entries(log ?? {}).filter(([key]) => key >= fromKey));
}
