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

const dayHeading = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' });

/** The viewer's local calendar day of an ISO time, `YYYY-MM-DD`: the gallery groups images by it. */
export function localDayKey(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A day's heading: "Today", "Yesterday", else the date with its weekday ("Mon, November 23, 2026" in en-US). */
export function formatDayHeading(dayKey: string, now = new Date()): string {
  const [year = 0, month = 1, day = 1] = dayKey.split('-').map(Number);
  const date = new Date(year, month - 1, day);
  if (dayKey === localDayKey(now.toISOString())) return 'Today';
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey === localDayKey(yesterday.toISOString())) return 'Yesterday';
  return Number.isNaN(date.getTime()) ? dayKey : dayHeading.format(date);
}

// Months are UTC calendar months (`YYYY-MM`): formatted in UTC, or a month would show as the one before west of Greenwich.
const monthLong = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthShort = new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' });
const localDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

function monthStart(month: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : undefined;
}

/** A `YYYY-MM` month: `Nov 2026`. */
export function formatMonth(month: string): string {
  const start = monthStart(month);
  return start ? monthLong.format(start) : month;
}

/** A `YYYY-MM` month without its year, for a chart's axis: `Nov`. */
export function formatMonthShort(month: string): string {
  const start = monthStart(month);
  return start ? monthShort.format(start) : month;
}

/** The local calendar day of an instant, without the year: `Dec 1` (when a budget resets). */
export function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : localDay.format(date);
}
