/**
 * Checks, after a benchmark's generations, that they ran as jobs under a budget: none is
 * left generating, every call left a record, and the month's spend the store keeps (what
 * finishing a job adds) equals the sum of the records' costs.
 */
import { monthOf } from '../server/core/budget.js';
import type { RecordStore } from '../server/records/record-store.js';
import type { Figure } from './stats.js';

export async function jobsPathFigure(where: string, records: RecordStore, email: string, generations: number): Promise<Figure> {
  const month = monthOf(new Date().toISOString());
  const since = `${month}-01T00:00:00.000Z`;
  const [generating, spend, made] = await Promise.all([records.listGenerating(email), records.monthSpend(email, month), records.listSince(since)]);
  const mine = made.filter((r) => r.email === email);
  const sumUsd = mine.reduce((sum, r) => sum + r.costUsd, 0);
  const met = generating.length === 0 && spend.reservedUsd === 0 && mine.length === generations && Math.abs(spend.spentUsd - sumUsd) < 1e-6;
  return {
    figure: `jobs and budget after the ${where} generations (checked once)`,
    measured: `${mine.length} of ${generations} calls recorded, ${generating.length} generating; spent $${spend.spentUsd.toFixed(6)} (records $${sumUsd.toFixed(6)}), held $${spend.reservedUsd.toFixed(6)}`,
    floor: '—',
    target: 'all recorded, none generating or held, spent = records',
    met,
  };
}
