/**
 * Generation records (the original's sidecars), per-user totals and preferences.
 * Implementations: local files (`local-record-store.ts`) and Firestore (`firestore-record-store.ts`). Records are
 * never served publicly; callers decide who may read one.
 */
import type { ImageName } from '../core/names.js';
import type { ModelAlias } from '../core/models.js';
import type { AspectRatio, ImageSize } from '../core/options.js';
import type { TokenUsage } from '../gemini/image-generator.js';
import type { UserTotals } from '../core/totals.js';
import type { MonthSpend } from '../core/budget.js';
import type { PeriodFigures, PeriodLog } from '../core/activity.js';
import type { RecordFilter } from '../core/search.js';
import type { UserActivity } from '../core/usage.js';

export type { UserTotals, MonthSpend, PeriodFigures, PeriodLog, RecordFilter, UserActivity };

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
  /** The user's own monthly limit set by an admin: USD, null for none, absent for the deployment's default. Set only with setBudget. */
  readonly monthlyBudgetUsd?: number | null;
}

/** A user's totals beside their own monthly limit, one month's spend and every month's figures. */
export interface UserBudget {
  readonly totals: UserTotals;
  /** USD, null for none, undefined for the deployment's default. */
  readonly setting: number | null | undefined;
  readonly spend: MonthSpend;
  /** By `YYYY-MM`: generations and spend (cumulative); quiet months absent. */
  readonly months: PeriodLog;
}

/**
 * A generation from the moment it has a title (before Gemini is called) until it has a
 * record: then the job is gone and the record answers for it. A job whose instance died is
 * failed once its lease has passed, and costs nothing.
 */
export interface GenerationJob {
  readonly name: ImageName;
  readonly email: string;
  readonly status: 'generating' | 'failed';
  /** The caller and the arguments, hashed: an identical call joins a job still generating. */
  readonly requestKey: string;
  readonly prompt: string;
  readonly modelAlias: ModelAlias;
  readonly modelId: string;
  readonly imageSize: ImageSize;
  readonly aspectRatio: AspectRatio;
  readonly referenceNames: readonly ImageName[];
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601: until when its instance vouches for it (renewed while it runs). */
  readonly leaseUntil: string;
  /** The estimate (list price) held against the month's budget while it runs. */
  readonly reservedUsd: number;
  /** Failed: when, and what the user is told. */
  readonly failedAt?: string;
  readonly failure?: string;
  /** Failed, but Gemini billed tokens for it anyway: counted in the totals and the month. */
  readonly costUsd?: number;
}

/** What a job whose instance stopped while it ran reads as: nothing was finished or charged. */
export const JOB_LEASE_LOST = 'The server stopped while generating this image, so it was not finished and nothing was charged. Please generate it again.';

/** How a job started: created, or an identical job still generating, to join. */
export type JobStart = { readonly joined: false } | { readonly joined: true; readonly job: GenerationJob };

export interface GenerationPage {
  /** Newest first (by createdAt, then name). */
  readonly records: readonly GenerationRecord[];
  /** Pass to the next call for the following page; absent on the last page. */
  readonly nextCursor?: string;
}

export const MAX_PAGE_SIZE = 100;

/**
 * How many records one search call (a filter with text) reads at most, and in chunks of how
 * many: a page may then hold fewer than asked for while it has a cursor to search on. The
 * first chunk is small (common words fill a page from it); the rest of the call's budget is
 * read in one (rare words cost few round trips: see the search figure of `npm run bench`).
 */
export const SEARCH_SCAN_LIMIT = 2_000;
export const SEARCH_SCAN_FIRST_CHUNK = 250;
export const SEARCH_SCAN_CHUNK = 2_000;

export interface SearchOptions {
  /** Records one search call reads at most (default SEARCH_SCAN_LIMIT); tests lower it. */
  readonly searchScanLimit?: number;
}

/** The images that match a filter, counted all at once. */
export interface RecordSummary {
  /** Images that exist now and match. */
  readonly imageCount: number;
  /** The sum of their costs (not the cumulative spend: deleted images are not in it). */
  readonly costUsd: number;
}

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

/**
 * A photo a user uploaded to use as a reference (`{id}.ref.png`): not a generation, so it
 * costs nothing and is in no gallery, total or listing. Only its owner may use it.
 */
export interface UploadRecord {
  readonly name: ImageName;
  /** Whose it is (lowercased). */
  readonly email: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** The stored PNG's size and pixels, after re-encoding. */
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  /** What the uploaded bytes were, as read from them: `jpeg`, `png`, `webp`. */
  readonly originalType: string;
}

export interface RecordStore {
  /** Writes an upload's record; rejects if one of that name exists (the upload link's single use rests on this). */
  createUpload(upload: UploadRecord): Promise<void>;
  /** The upload's record, or undefined. Callers check the owner. */
  getUpload(name: ImageName): Promise<UploadRecord | undefined>;
  /** The user's uploads, newest first, at most `limit` of them. */
  listUploads(email: string, limit: number): Promise<UploadRecord[]>;
  /** How many uploads the user keeps (counted, not read one by one). */
  countUploads(email: string): Promise<number>;
  /** Removes an upload's record; an absent one is not an error. */
  removeUpload(name: ImageName): Promise<void>;
  /**
   * Writes the record and adds it to the user's totals (and to the figures of its month and
   * day: one generation, its cost), together or not at all. Rejects if
   * a record of that name exists already (and changes nothing). Rejects with
   * WriteOutcomeUnknownError when the write may have landed (a deadline passed after it was
   * sent); with another error only when it certainly did not.
   */
  commit(record: GenerationRecord): Promise<void>;
  get(name: ImageName): Promise<GenerationRecord | undefined>;
  /**
   * One page of a user's records, newest first; `cursor` comes from the previous page (of the
   * same user and filter: another is refused INVALID_ARGUMENT). The model, size and days of
   * `filter` narrow the query itself; its text is matched in memory, reading at most
   * SEARCH_SCAN_LIMIT records per call, so a search page may hold fewer than `limit` records
   * (even none) while `nextCursor` is set.
   */
  listByUser(email: string, page: { limit: number; cursor?: string; filter?: RecordFilter }): Promise<GenerationPage>;
  /** How many of the user's images match `filter` (every one of them, not one page) and what they cost. */
  summarizeByUser(email: string, filter: RecordFilter): Promise<RecordSummary>;
  /** Every user's records created at or after `since` (ISO 8601), newest first. */
  listSince(since: string): Promise<GenerationRecord[]>;
  /**
   * Deletes the record and counts one image fewer for its owner (and its model), once however
   * often or concurrently it is called; spend stays as it is (it is cumulative), and so do
   * the months' and days' figures. Removing a record that is gone does nothing.
   */
  remove(name: ImageName): Promise<void>;
  totals(email: string): Promise<UserTotals>;
  /** Every user with spend (from records, or unrecorded), by email. */
  allTotals(): Promise<UserTotals[]>;
  /** Every user with spend (as allTotals) with their day log from `sinceDay` (`YYYY-MM-DD`) on; one read per user. */
  activity(sinceDay: string): Promise<UserActivity[]>;
  /**
   * Sets the part of a user's cumulative spend that no record accounts for (the import's
   * carry-over from the original's ledger): absolute, so running the import again changes
   * nothing. Counts and per-model figures stay as the records make them.
   */
  setUnrecordedSpend(email: string, costUsd: number): Promise<void>;
  prefs(email: string): Promise<UserPrefs>;
  setPrefs(email: string, prefs: UserPrefs): Promise<void>;

  /**
   * Gives a generation its title before Gemini is called. In one atomic step: if the user has
   * a job generating with the same requestKey (lease not passed), nothing is written and that
   * job is returned to join; otherwise, if spent + reserved + `job.reservedUsd` for the month
   * of `job.startedAt` would pass `limitUsd`, rejects with BudgetExceededError and writes
   * nothing; otherwise creates the job and reserves its estimate. Jobs past their lease are
   * failed on the way and hold nothing.
   */
  startJob(job: GenerationJob, limitUsd: number | undefined): Promise<JobStart>;
  /** Extends a generating job's lease; does nothing to a job that is gone or failed. */
  renewJob(name: ImageName, leaseUntil: string): Promise<void>;
  /**
   * Commits the job's record (as `commit`) and ends the job, together or not at all: the
   * reservation is released and the record counted (cost and one generation) in its month and
   * its day. Same errors as commit.
   */
  finishJob(record: GenerationRecord): Promise<void>;
  /**
   * Marks a job failed and releases its reservation; `costUsd` (tokens Gemini billed anyway)
   * is added to the user's cumulative spend and to the month's and day's spend of the failure
   * (no generation is counted). Does nothing to a job already ended.
   */
  failJob(name: ImageName, failure: string, costUsd?: number): Promise<void>;
  /** A job by name (generating, or failed in the last days); one past its lease reads as failed. */
  getJob(name: ImageName): Promise<GenerationJob | undefined>;
  /** The user's jobs still generating, newest first. */
  listGenerating(email: string): Promise<GenerationJob[]>;
  /** For the gallery: the user's jobs still generating and those that failed at or after `since` (ISO 8601), newest first. */
  listJobs(email: string, since: string): Promise<GenerationJob[]>;
  /** What the user spent (and has reserved) in `month` (`YYYY-MM`). */
  monthSpend(email: string, month: string): Promise<MonthSpend>;
  /** Sets the user's own monthly limit: USD, null for none, undefined for the deployment's default (read in prefs()). */
  setBudget(email: string, limitUsd: number | null | undefined): Promise<void>;
  /**
   * For costs shown with budgets: every user with spend (as allTotals), or just `email` (even
   * without spend), each with their own limit and `month`'s spend; about one read per user.
   */
  userBudgets(month: string, email?: string): Promise<UserBudget[]>;
}
