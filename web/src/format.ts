/** How numbers and times read on the dashboard. */

// One format per kind of figure, never mixed in a column: spend, totals and budgets in cents;
// one image's cost (and list prices per image) in tenths of a cent, where they differ.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const imageUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 3, maximumFractionDigits: 3 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Spend, totals, budgets: `$4.25`. */
export function formatUsd(value: number): string {
  return usd.format(value);
}

/** One image's cost or price: `$0.067`. */
export function formatImageCost(value: number): string {
  return imageUsd.format(value);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** At most `max` characters, with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
