/** How a monthly budget reads on the dashboard, the same in the header and on the billing page. Pure. */
import type { Budget } from './api/types.js';
import { formatDay, formatUsd } from './format.js';

/** From this share of the limit on (spent and reserved), the budget shows a warning. */
export const NEAR_LIMIT = 0.8;

/** Spent and reserved against the limit (1 = all of it); undefined without a limit. */
export function budgetUsed(budget: Budget): number | undefined {
  if (budget.limitUsd === null) return undefined;
  const used = budget.spentUsd + budget.reservedUsd;
  if (budget.limitUsd === 0) return used > 0 ? Infinity : 1; // a zero limit allows nothing: it is reached
  return used / budget.limitUsd;
}

export function isNearLimit(budget: Budget): boolean {
  return budget.limitUsd !== null && (budgetUsed(budget) ?? 0) >= NEAR_LIMIT;
}

/** `$1.20 of $5.00 spent this month`, or `$1.20 spent this month · no limit`. */
export function budgetSummary(budget: Budget): string {
  return budget.limitUsd === null
    ? `${formatUsd(budget.spentUsd)} spent this month · no limit`
    : `${formatUsd(budget.spentUsd)} of ${formatUsd(budget.limitUsd)} spent this month`;
}

/** `resets Dec 1` (the local day of the next month's first instant). */
export function budgetResets(budget: Budget): string {
  return `resets ${formatDay(budget.resetsAt)}`;
}
