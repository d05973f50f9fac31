/**
 * Monthly budgets: what a user may still spend this month, and when it resets. A month is a
 * UTC calendar month, named `YYYY-MM`. Pure.
 */
import { addUsd } from './totals.js';

/** What a user has spent in a month (records and billed failures) and what generations in flight have reserved. */
export interface MonthSpend {
  readonly month: string;
  readonly spentUsd: number;
  readonly reservedUsd: number;
}

/** The month an ISO 8601 instant falls in (UTC), as `YYYY-MM`. */
export function monthOf(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`not a time: ${JSON.stringify(iso)}`);
  return at.toISOString().slice(0, 7);
}

/** When `month`'s budget resets: the first instant of the next month, UTC, as ISO 8601. */
export function monthResetsAt(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, number, 1)).toISOString();
}

/** Whether a generation estimated at `estimateUsd` fits under `limitUsd` beside what is spent and reserved. */
export function fitsBudget(limitUsd: number | undefined, spend: MonthSpend, estimateUsd: number): boolean {
  if (limitUsd === undefined) return true;
  return addUsd(addUsd(spend.spentUsd, spend.reservedUsd), estimateUsd) <= limitUsd;
}

/** The per-user limit that applies: the admin's setting (null: no limit), else the deployment's default. */
export function effectiveLimit(userLimit: number | null | undefined, defaultLimit: number | undefined): number | undefined {
  if (userLimit === null) return undefined;
  return userLimit ?? defaultLimit;
}

/**
 * A generation refused before Gemini was called: it would pass the user's monthly limit.
 * Nothing was reserved or spent.
 */
export class BudgetExceededError extends Error {
  constructor(
    readonly limitUsd: number,
    readonly spend: MonthSpend,
    readonly estimateUsd: number,
  ) {
    super(`monthly budget of ${limitUsd} USD reached`);
    this.name = 'BudgetExceededError';
  }
}
