/**
 * The billing page's CSV export: one row per user per month, RFC 4180 (fields with commas,
 * quotes or line breaks quoted, quotes doubled; CRLF between records). Pure.
 */
import type { Costs } from './api/types.js';

export const SPEND_CSV_HEADER = ['User', 'Month', 'Spent (USD, that month)', 'Generated (that month)', 'Spent (USD, cumulative)', 'Images (kept now)'] as const;

export function spendCsv(costs: Costs): string {
  const rows: string[][] = [[...SPEND_CSV_HEADER]];
  for (const user of costs.users) {
    for (const month of user.months) {
      rows.push([user.email, month.month, csvUsd(month.spentUsd), String(month.generatedCount), csvUsd(user.costUsd), String(user.imageCount)]);
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** `image-studio-spend-2026-11.csv`, after the newest month the export covers. */
export function spendCsvName(costs: Costs): string {
  const newest = costs.months.at(-1) ?? new Date().toISOString().slice(0, 7);
  return `image-studio-spend-${newest}.csv`;
}

/**
 * One field. A text a spreadsheet would run as a formula (an address may begin with "=", "+",
 * "-" or "@") gets a leading apostrophe, as OWASP advises against CSV injection; figures never
 * begin so.
 */
export function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Dollars as a plain number a spreadsheet reads: at least 2 decimals, more when the figure
 * has them (spend is kept to a millionth), never rounded away.
 */
export function csvUsd(value: number): string {
  const text = String(value);
  if (/e/i.test(text)) return value.toFixed(6).replace(/0{1,4}$/, '');
  const decimals = text.split('.')[1]?.length ?? 0;
  return decimals >= 2 ? text : value.toFixed(2);
}
