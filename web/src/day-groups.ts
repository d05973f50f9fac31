/** The gallery's days: images grouped by the viewer's local calendar day, newest first as they come. */
import type { Generation } from './api/types.js';
import { localDayKey } from './format.js';

export interface DayGroup {
  /** `YYYY-MM-DD`, local. */
  readonly day: string;
  readonly generations: readonly Generation[];
  /** What the day's images cost (a sum over images that exist, not the day's spend). */
  readonly costUsd: number;
}

/** Consecutive runs of one day; the list is newest first, so each day is one run. */
export function groupByDay(generations: readonly Generation[]): DayGroup[] {
  const groups: { day: string; generations: Generation[]; costUsd: number }[] = [];
  for (const generation of generations) {
    const day = localDayKey(generation.createdAt);
    const last = groups.at(-1);
    if (last?.day === day) {
      last.generations.push(generation);
      last.costUsd += generation.costUsd;
    } else {
      groups.push({ day, generations: [generation], costUsd: generation.costUsd });
    }
  }
  return groups;
}
