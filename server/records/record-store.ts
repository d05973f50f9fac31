/**
 * Generation records (the original's sidecars), per-user totals and preferences.
 * Implementations: local files (`local-record-store.ts`) and, later, Firestore. Records are
 * never served publicly; callers decide who may read one.
 */
import type { ImageName } from '../core/names.js';
import type { ModelAlias } from '../core/models.js';
import type { AspectRatio, ImageSize } from '../core/options.js';
import type { TokenUsage } from '../gemini/image-generator.js';
import type { UserTotals } from '../core/totals.js';

export type { UserTotals };

export interface GenerationRecord {
  readonly name: ImageName;
  /** Who generated it (lowercased). */
  readonly email: string;
  readonly prompt: string;
  readonly modelId: string;
  readonly modelAlias: ModelAlias;
  readonly imageSize: ImageSize;
  readonly aspectRatio: AspectRatio;
  readonly referenceNames: readonly ImageName[];
  /** ISO 8601. */
  readonly createdAt: string;
  readonly costUsd: number;
  readonly usage: TokenUsage;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

export interface UserPrefs {
  readonly defaultModel?: ModelAlias;
}

export interface GenerationPage {
  /** Newest first (by createdAt, then name). */
  readonly records: readonly GenerationRecord[];
  /** Pass to the next call for the following page; absent on the last page. */
  readonly nextCursor?: string;
}

export const MAX_PAGE_SIZE = 100;

/**
 * A write whose fate is not known: it was sent, but no answer came within the deadline (or
 * the connection dropped), so it may have landed, or may still land. Never report such a
 * write as failed: the record, and its cost, may be there.
 */
export class WriteOutcomeUnknownError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The record store did not confirm the write in time.', options);
    this.name = 'WriteOutcomeUnknownError';
  }
}

export interface RecordStore {
  /**
   * Writes the record and adds it to the user's totals, together or not at all. Rejects if
   * a record of that name exists already (and changes nothing). Rejects with
   * WriteOutcomeUnknownError when the write may have landed (a deadline passed after it was
   * sent); with another error only when it certainly did not.
   */
  commit(record: GenerationRecord): Promise<void>;
  get(name: ImageName): Promise<GenerationRecord | undefined>;
  /** One page of a user's records, newest first; `cursor` comes from the previous page. */
  listByUser(email: string, page: { limit: number; cursor?: string }): Promise<GenerationPage>;
  /** Every user's records created at or after `since` (ISO 8601), newest first; for usage reports. */
  listSince(since: string): Promise<GenerationRecord[]>;
  /** Deletes the record; the user's totals stay as they are (spend is cumulative). */
  remove(name: ImageName): Promise<void>;
  totals(email: string): Promise<UserTotals>;
  /** Every user with spend (from records, or unrecorded), by email. */
  allTotals(): Promise<UserTotals[]>;
  /**
   * Sets the part of a user's cumulative spend that no record accounts for (the import's
   * carry-over from the original's ledger): absolute, so running the import again changes
   * nothing. Counts and per-model figures stay as the records make them.
   */
  setUnrecordedSpend(email: string, costUsd: number): Promise<void>;
  prefs(email: string): Promise<UserPrefs>;
  setPrefs(email: string, prefs: UserPrefs): Promise<void>;
}
