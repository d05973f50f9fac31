/**
 * Searching a user's generations: which records a filter keeps. The record stores narrow
 * their queries by model, size and dates themselves; prompt words are matched here, in
 * memory, because neither store indexes prompts. Pure.
 */
import type { ModelAlias } from './models.js';
import type { ImageSize } from './options.js';

/** Every field narrows; an empty filter keeps everything. */
export interface RecordFilter {
  /** Words that must all appear in the prompt (see `searchWords`). */
  readonly text?: string;
  readonly modelAlias?: ModelAlias;
  readonly imageSize?: ImageSize;
  /** `YYYY-MM-DD` (UTC), inclusive. */
  readonly fromDay?: string;
  /** `YYYY-MM-DD` (UTC), inclusive. */
  readonly toDay?: string;
}

/** What a record offers to a filter. */
export interface FilterableRecord {
  readonly prompt: string;
  readonly modelAlias: ModelAlias;
  readonly imageSize: ImageSize;
  /** ISO 8601, UTC (`toISOString()`), so that it compares as a string. */
  readonly createdAt: string;
}

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Text as search compares it: decomposed (NFKD) with the combining marks dropped and in
 * lower case, so "Café", "CAFE" and "café" are one word, and so are the ligature "ﬁ" and "fi".
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The folded words of a query: runs of letters and digits; punctuation separates them. Duplicates go. */
export function searchWords(query: string): string[] {
  return [...new Set(foldForSearch(query).split(/[^\p{L}\p{N}]+/u).filter((word) => word !== ''))];
}

/** Whether every word appears in the folded prompt, as a word or inside one ("light" finds "lighthouse"). */
export function matchesWords(foldedPrompt: string, words: readonly string[]): boolean {
  return words.every((word) => foldedPrompt.includes(word));
}

/** The filter's words, or undefined when it has none (a text of only punctuation has none). */
export function textWords(filter: RecordFilter): string[] | undefined {
  const words = filter.text === undefined ? [] : searchWords(filter.text);
  return words.length > 0 ? words : undefined;
}

/** The `createdAt` bounds of the filter's days, as strings: at or after `from`, before `before`. */
export function createdAtRange(filter: RecordFilter): { readonly from?: string; readonly before?: string } {
  // 'YYYY-MM-DD' sorts before every instant of that day ('YYYY-MM-DDT…'), after every earlier one.
  return {
    ...(filter.fromDay !== undefined ? { from: filter.fromDay } : {}),
    ...(filter.toDay !== undefined ? { before: nextDay(filter.toDay) } : {}),
  };
}

/** The day after `day` (`YYYY-MM-DD`, UTC). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Whether `day` is a real calendar date written `YYYY-MM-DD` (not 2026-02-30). */
export function isDay(day: string): boolean {
  if (!DAY_PATTERN.test(day)) return false;
  const at = new Date(`${day}T00:00:00.000Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === day;
}

/** The filter without the parts that keep everything (an empty text, say), so that equal searches compare equal. */
export function normalizeFilter(filter: RecordFilter): RecordFilter {
  const words = textWords(filter);
  return {
    ...(words ? { text: words.join(' ') } : {}),
    ...(filter.modelAlias !== undefined ? { modelAlias: filter.modelAlias } : {}),
    ...(filter.imageSize !== undefined ? { imageSize: filter.imageSize } : {}),
    ...(filter.fromDay !== undefined ? { fromDay: filter.fromDay } : {}),
    ...(filter.toDay !== undefined ? { toDay: filter.toDay } : {}),
  };
}

export function isEmptyFilter(filter: RecordFilter): boolean {
  return Object.keys(normalizeFilter(filter)).length === 0;
}

/** Whether the record passes the filter's model, size and days (what a store's query narrows by). */
export function matchesFields(record: Omit<FilterableRecord, 'prompt'>, filter: RecordFilter): boolean {
  const { from, before } = createdAtRange(filter);
  return (
    (filter.modelAlias === undefined || record.modelAlias === filter.modelAlias) &&
    (filter.imageSize === undefined || record.imageSize === filter.imageSize) &&
    (from === undefined || record.createdAt >= from) &&
    (before === undefined || record.createdAt < before)
  );
}

/** Whether the record passes every part of the filter. */
export function matchesFilter(record: FilterableRecord, filter: RecordFilter): boolean {
  const words = textWords(filter);
  return matchesFields(record, filter) && (words === undefined || matchesWords(foldForSearch(record.prompt), words));
}
