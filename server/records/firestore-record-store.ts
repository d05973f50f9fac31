/**
 * Records, generation jobs and monthly budgets in Firestore. Layout (docs/data-model.md):
 *
 * - `generations/{id}`: one document per record, every record field; `createdAt` is the
 *   ISO string, so it round-trips exactly and sorts as the local store sorts it.
 * - `users/{encodeURIComponent(email)}`: the user's running totals (`imageCount` committed
 *   and `deletedCount` deleted, so images that exist now are the difference; `costMicros`,
 *   cumulative; `byModel.{alias}.imageCount|deletedCount|costMicros`, `lastGenerationAtMs`,
 *   `unrecordedCostMicros`: imported spend without a record, included in `costMicros`),
 *   spend and generations by month and day (`months.{YYYY-MM}`, `days.{YYYY-MM-DD}`:
 *   `costMicros`, `generatedCount`), preferences (`defaultModel`), the admin's monthly limit
 *   (`monthlyBudgetUsd`) and `jobsStarted`, so totals, costs and the usage report cost one
 *   read per user, never one per record.
 * - `jobs/{id}`: one document per generation job, every job field (times as ISO strings),
 *   plus `expiresAt` (a Timestamp, 7 days after the start) for the TTL policy that deletes
 *   old jobs. A job past `expiresAt` reads as gone, so nothing depends on when TTL deletes.
 *
 * A commit is one batched write: `create` of the record (which fails if it exists, and
 * then nothing is written) plus field transforms on the user document. The transforms are
 * applied by the server, so concurrent commits from any number of instances never lose an
 * update and need no transaction: costs are added as integer micro-dollars (exact), and
 * `lastGenerationAtMs` takes the numeric maximum, so an older record committed late (or an
 * import in any order) never moves it back. `finishJob` is the same batch plus the job's
 * deletion. `remove` reads the record and deletes it on condition that it is unchanged,
 * in one batch with `deletedCount` +1: of removes that race, only one counts.
 *
 * Searches: model, size and days are where clauses (one composite index per combination,
 * firestore.indexes.json); prompt words are matched in memory over a bounded scan that reads
 * only the prompt; summaries without words are count() and sum() aggregations.
 *
 * What a month has reserved is not stored: it is the sum over the user's jobs still
 * generating whose lease has not passed, so a job whose instance died stops holding budget
 * when its lease passes, with no one to release it. `startJob` reads the user document,
 * then the user's generating jobs, and writes the job in a batch that also updates the user
 * document (`jobsStarted`) on condition that it is unchanged since read (or creates it).
 * Everything that can raise what a month holds (another start, a commit, a billed failure)
 * writes the user document, so of starts that overlap only one can land on a given version
 * of it; the others write nothing and start again on fresh reads, and no two can both fit
 * under a limit that holds only one. Optimistic rather than a transaction: no locks, so the
 * losers of a race neither wait nor back off for a second (the client's transaction
 * backoff); on the emulator, whose lock waits end in "Transaction lock timeout" after
 * seconds, 6 simultaneous starts take about 0.2 s instead of 3 to 9 s. A lease cannot be
 * renewed once passed, so a job read as dead cannot come back to hold budget. `renewJob`
 * and `failJob` are conditional too: an update on condition that the job is unchanged since
 * read, so a billed failure is counted once however often it is reported.
 *
 * Every call is bounded by the client's deadline (firestore-client.ts), retries included,
 * and fails UNAVAILABLE past it. A commit past its deadline fails WriteOutcomeUnknownError
 * instead: it was sent, and may have landed or may still land. (So may a job's start: one
 * that lands past the deadline holds its estimate until its lease passes.)
 */
import {
  FieldValue,
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type Firestore,
  type Query,
  type WriteBatch,
} from '@google-cloud/firestore';
import { z } from 'zod';
import { dayOf, periodsSince, type PeriodLog } from '../core/activity.js';
import { BudgetExceededError, fitsBudget, monthOf, type MonthSpend } from '../core/budget.js';
import { IMAGE_NAME_PATTERN, UPLOAD_NAME_PATTERN, idOf, type ImageName } from '../core/names.js';
import { MODEL_ALIASES, type ModelAlias } from '../core/models.js';
import { textWords, type RecordFilter } from '../core/search.js';
import { emptyTotals, type UserTotals } from '../core/totals.js';
import type { UserActivity } from '../core/usage.js';
import { AppError, invalidArgument } from '../errors.js';
import { FirestoreDeadlineError, withinDeadline } from '../firestore/deadline.js';
import { callDeadlineMs } from '../firestore/firestore-client.js';
import { ALREADY_EXISTS, FAILED_PRECONDITION, NOT_FOUND, WRITE_REFUSED_CODES, firestoreCodeOf, firestoreError } from '../firestore/firestore-errors.js';
import { checkPageLimit, compareNewestFirst, decodeCursor, encodeCursor, searchScope } from './cursor.js';
import { isAlive, isRecentJob, newestJobFirst, settled } from './job-state.js';
import { generationJobSchema, generationRecordSchema, uploadRecordSchema } from './record-schema.js';
import { aggregateSummary, filteredQuery, newestFirst, scanForWords, scannedCosts } from './firestore-search.js';
import {
  JOB_LEASE_LOST,
  MAX_PAGE_SIZE,
  SEARCH_SCAN_LIMIT,
  WriteOutcomeUnknownError,
  type GenerationJob,
  type GenerationPage,
  type GenerationRecord,
  type JobStart,
  type RecordStore,
  type RecordSummary,
  type SearchOptions,
  type UploadRecord,
  type UserBudget,
  type UserPrefs,
} from './record-store.js';

export interface FirestoreRecordStoreOptions extends SearchOptions {
  /**
   * Prepended to every collection name (e.g. `staging_` → `staging_generations`), to share
   * one database between deployments. firestore.indexes.json covers the unprefixed names.
   */
  readonly collectionPrefix?: string;
}

/** How long a job stays readable after it started; then the TTL policy deletes it. */
const JOB_KEEP_MS = 7 * 24 * 3600 * 1000;
/**
 * How many optimistic attempts one startJob makes (each loser of a race tries again; of n
 * simultaneous starts for one user, each round lets at least one through). The whole call
 * stays bounded by the deadline too.
 */
const START_JOB_ATTEMPTS = 25;
/** A job changes hands rarely (its instance, a start marking it failed, its finish): a few tries. */
const CHANGE_JOB_ATTEMPTS = 5;
/** A remove retries when another write to the record came between its read and its delete. */
const REMOVE_ATTEMPTS = 5;
/** gRPC's ABORTED: contention. */
const ABORTED = 10;
/** How a conditional batch fails when another write came first; nothing of it was applied. */
const LOST_RACE_CODES: ReadonlySet<number> = new Set([NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED]);
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

const micros = z.number().int().nonnegative();
const counter = z.number().int().nonnegative();
/**
 * A period's figures. Written before counts were kept, a month has `costMicros` only (read
 * as 0 generations); a day or month of billed failures only has `costMicros` too.
 */
const periodSchema = z.object({ costMicros: micros.default(0), generatedCount: counter.default(0) });
const userDocSchema = z.object({
  email: z.string().optional(),
  /** Images ever committed; `deletedCount` of them are gone (kept apart so both only ever increase). */
  imageCount: counter.optional(),
  deletedCount: counter.optional(),
  costMicros: micros.optional(),
  byModel: z.partialRecord(z.enum(MODEL_ALIASES), z.object({ imageCount: counter.default(0), deletedCount: counter.default(0), costMicros: micros.default(0) })).optional(),
  lastGenerationAtMs: z.number().optional(),
  unrecordedCostMicros: micros.optional(),
  defaultModel: z.unknown().optional(),
  months: z.record(z.string(), periodSchema).optional(),
  days: z.record(z.string(), periodSchema).optional(),
  monthlyBudgetUsd: z.number().nonnegative().nullable().optional(),
  jobsStarted: counter.optional(),
});
type UserDoc = z.infer<typeof userDocSchema>;

const jobDocSchema = generationJobSchema.extend({ expiresAt: z.instanceof(Timestamp) });

export class FirestoreRecordStore implements RecordStore {
  private readonly db: Firestore;
  private readonly generations: CollectionReference;
  private readonly users: CollectionReference;
  private readonly jobs: CollectionReference;
  private readonly uploads: CollectionReference;
  private readonly deadlineMs: number;
  private readonly searchScanLimit: number;

  constructor(db: Firestore, options: FirestoreRecordStoreOptions = {}) {
    const prefix = options.collectionPrefix ?? '';
    this.db = db;
    this.generations = db.collection(`${prefix}generations`);
    this.users = db.collection(`${prefix}users`);
    this.jobs = db.collection(`${prefix}jobs`);
    this.uploads = db.collection(`${prefix}uploads`);
    this.deadlineMs = callDeadlineMs(db);
    this.searchScanLimit = options.searchScanLimit ?? SEARCH_SCAN_LIMIT;
  }

  async commit(record: GenerationRecord): Promise<void> {
    await this.commitRecord(record, () => {});
  }

  async createUpload(upload: UploadRecord): Promise<void> {
    const parsed = uploadRecordSchema.parse(upload);
    // create() refuses an existing document: of two writers of one upload, one wins.
    await this.guard(() => this.uploadRef(parsed.name).create({ ...parsed }));
  }

  async getUpload(name: ImageName): Promise<UploadRecord | undefined> {
    const snapshot = await this.guard(() => this.uploadRef(name).get());
    const data = snapshot.data();
    return data === undefined ? undefined : uploadRecordSchema.parse(data);
  }

  async listUploads(email: string, limit: number): Promise<UploadRecord[]> {
    const snapshot = await this.guard(() => this.uploads.where('email', '==', email).orderBy('createdAt', 'desc').limit(limit).get());
    return snapshot.docs.map((doc) => uploadRecordSchema.parse(doc.data()));
  }

  async countUploads(email: string): Promise<number> {
    // An aggregation: billed as one read per 1,000 index entries, not one per upload.
    const snapshot = await this.guard(() => this.uploads.where('email', '==', email).count().get());
    return snapshot.data().count;
  }

  async removeUpload(name: ImageName): Promise<void> {
    await this.guard(() => this.uploadRef(name).delete());
  }

  private uploadRef(name: ImageName): DocumentReference {
    if (!UPLOAD_NAME_PATTERN.test(name)) throw new Error(`not an upload name: ${JSON.stringify(name)}`);
    return this.uploads.doc(idOf(name));
  }

  async get(name: ImageName): Promise<GenerationRecord | undefined> {
    const snapshot = await this.guard(() => this.generationRef(name).get());
    const data = snapshot.data();
    return data === undefined ? undefined : toRecord(data);
  }

  async listByUser(email: string, page: { limit: number; cursor?: string; filter?: RecordFilter }): Promise<GenerationPage> {
    checkPageLimit(page.limit, MAX_PAGE_SIZE);
    const filter = page.filter ?? {};
    const scope = searchScope(email, filter);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);
    const from = newestFirst(filteredQuery(this.generations, email, filter));
    const words = textWords(filter);
    if (words === undefined) {
      // One more than asked for tells whether there is a next page without a second query.
      const snapshot = await this.guard(() => from(after).limit(page.limit + 1).get());
      const records = snapshot.docs.slice(0, page.limit).map((doc) => toRecord(doc.data()));
      const last = records.at(-1);
      return snapshot.size > page.limit && last ? { records, nextCursor: encodeCursor(last, scope) } : { records };
    }
    const found = await this.guard(() => scanForWords(from, words, { limit: page.limit, scanLimit: this.searchScanLimit, after }));
    // The matches whole, in one round trip; one deleted since the scan is left out.
    const whole = found.matches.length === 0 ? [] : await this.guard(() => this.db.getAll(...found.matches.map((doc) => doc.ref)));
    const records = whole.flatMap((doc) => {
      const data = doc.data();
      return data === undefined ? [] : [toRecord(data)];
    });
    return found.next ? { records, nextCursor: encodeCursor(found.next, scope) } : { records };
  }

  async summarizeByUser(email: string, filter: RecordFilter): Promise<RecordSummary> {
    const words = textWords(filter);
    const query = filteredQuery(this.generations, email, filter);
    if (words === undefined) {
      try {
        const { imageCount, costUsd } = await this.guard(() => aggregateSummary(query, filter));
        // Firestore sums doubles: keep the total to a millionth, as every other figure.
        return { imageCount, costUsd: fromMicros(toMicros(costUsd)) };
      } catch (err) {
        // An index not (yet) built answers FAILED_PRECONDITION: read the costs instead, slower but right.
        if (!(err instanceof AppError) || firestoreCodeOf(err.cause) !== FAILED_PRECONDITION) throw err;
      }
    }
    const costs = await this.guard(() => scannedCosts(query, words));
    return { imageCount: costs.length, costUsd: fromMicros(costs.reduce((sum, cost) => sum + toMicros(cost), 0)) };
  }

  async listSince(since: string): Promise<GenerationRecord[]> {
    // A single-field range on createdAt: Firestore's automatic index serves it.
    const snapshot = await this.guard(() => this.generations.where('createdAt', '>=', since).orderBy('createdAt', 'desc').get());
    return snapshot.docs.map((doc) => toRecord(doc.data())).sort(compareNewestFirst);
  }

  async remove(name: ImageName): Promise<void> {
    // Read, then delete on condition that the record is as read, in one batch with the
    // owner's deletedCount: of removes that race, one deletes and counts; the others find it
    // gone (the precondition fails, and nothing of their batch is applied) and stop.
    const ref = this.generationRef(name);
    await this.guard(async () => {
      for (let attempt = 1; ; attempt++) {
        const snapshot = await ref.get();
        if (!snapshot.exists || snapshot.updateTime === undefined) return;
        const owner = removedRecordSchema.safeParse(snapshot.data());
        const batch = this.db.batch();
        batch.delete(ref, { lastUpdateTime: snapshot.updateTime });
        // A record too damaged to say whose it is goes uncounted rather than staying forever.
        if (owner.success) {
          const { email, modelAlias } = owner.data;
          batch.set(this.userRef(email), { email, deletedCount: FieldValue.increment(1), byModel: { [modelAlias]: { deletedCount: FieldValue.increment(1) } } }, { merge: true });
        }
        try {
          await batch.commit();
          return;
        } catch (err) {
          const code = firestoreCodeOf(err);
          if (typeof code !== 'number' || !LOST_RACE_CODES.has(code) || attempt === REMOVE_ATTEMPTS) throw err;
        }
      }
    });
  }

  async totals(email: string): Promise<UserTotals> {
    const snapshot = await this.guard(() => this.userRef(email).get());
    const data = snapshot.data();
    return data === undefined ? emptyTotals(email) : toTotals(email, parseUserDoc(data));
  }

  async allTotals(): Promise<UserTotals[]> {
    // Users who only saved preferences have a document but no spend; like the local store,
    // list only users with spend (records, spend imported without one, or billed failures). One document read
    // per listed user. (A user whose every image was priced $0 by an override is not listed.)
    const snapshot = await this.guard(() => this.users.where('costMicros', '>', 0).get());
    return snapshot.docs
      .map((doc) => {
        const user = parseUserDoc(doc.data());
        return toTotals(user.email ?? decodeURIComponent(doc.id), user);
      })
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  async activity(sinceDay: string): Promise<UserActivity[]> {
    // The same one query as allTotals: the day log is on the user document.
    const snapshot = await this.guard(() => this.users.where('costMicros', '>', 0).get());
    return snapshot.docs
      .map((doc) => {
        const user = parseUserDoc(doc.data());
        return { totals: toTotals(user.email ?? decodeURIComponent(doc.id), user), days: periodsSince(toPeriodLog(user.days), sinceDay) };
      })
      .sort((a, b) => a.totals.email.localeCompare(b.totals.email));
  }

  /**
   * Replaces the user's unrecorded spend and moves `costMicros` by the difference, in one
   * transaction (the import runs this, never concurrently with itself for one user, but
   * generations may commit meanwhile: their increments are kept).
   */
  async setUnrecordedSpend(email: string, costUsd: number): Promise<void> {
    const ref = this.userRef(email);
    const target = toMicros(costUsd);
    await this.guard(() =>
      ref.firestore.runTransaction(async (tx) => {
        const snapshot = await tx.get(ref);
        const previous = snapshot.exists ? (parseUserDoc(snapshot.data() ?? {}).unrecordedCostMicros ?? 0) : 0;
        if (previous === target) return;
        tx.set(ref, { email, unrecordedCostMicros: target, costMicros: FieldValue.increment(target - previous) }, { merge: true });
      }),
    );
  }

  async prefs(email: string): Promise<UserPrefs> {
    const snapshot = await this.guard(() => this.userRef(email).get());
    const model = z.enum(MODEL_ALIASES).safeParse(snapshot.get('defaultModel'));
    const { monthlyBudgetUsd } = parseUserDoc(snapshot.data() ?? {});
    return { ...(model.success ? { defaultModel: model.data } : {}), ...(monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd } : {}) };
  }

  async setPrefs(email: string, prefs: UserPrefs): Promise<void> {
    const defaultModel = prefs.defaultModel ?? FieldValue.delete();
    await this.guard(() => this.userRef(email).set({ email, defaultModel }, { merge: true }));
  }

  async startJob(job: GenerationJob, limitUsd: number | undefined): Promise<JobStart> {
    const parsed = generationJobSchema.parse(job);
    if (parsed.status !== 'generating') throw new Error(`a job starts generating, not ${parsed.status}`);
    return this.guard(async () => {
      const giveUpAtMs = Date.now() + this.deadlineMs;
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.tryStartJob(parsed, limitUsd, giveUpAtMs);
        if (outcome !== 'lost') return outcome;
        if (attempt === START_JOB_ATTEMPTS || Date.now() >= giveUpAtMs) {
          throw Object.assign(new Error(`startJob lost ${attempt} races in a row`), { code: ABORTED });
        }
        // Spread the losers out a little, so that they do not all come back at once.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    });
  }

  async renewJob(name: ImageName, leaseUntil: string): Promise<void> {
    if (Number.isNaN(Date.parse(leaseUntil))) throw new Error(`not a time: ${JSON.stringify(leaseUntil)}`);
    // A job past its lease already reads as failed: renewing it would bring it back.
    await this.guard(() =>
      this.changeJob(name, (job, batch, ref, unchanged) => {
        if (!isAlive(job, Date.now())) return false;
        batch.update(ref, { leaseUntil }, unchanged);
        return true;
      }),
    );
  }

  async finishJob(record: GenerationRecord): Promise<void> {
    // Whatever became of the job (gone, failed by its lease), the image exists and was paid.
    await this.commitRecord(record, (batch, name) => batch.delete(this.jobRef(name)));
  }

  async failJob(name: ImageName, failure: string, costUsd?: number): Promise<void> {
    if (costUsd !== undefined && !(Number.isFinite(costUsd) && costUsd >= 0)) throw new Error(`not a cost: ${costUsd}`);
    const billedMicros = costUsd === undefined ? 0 : toMicros(costUsd);
    await this.guard(() =>
      this.changeJob(name, (job, batch, ref, unchanged) => {
        if (job.status !== 'generating') return false;
        const failedAt = new Date().toISOString();
        batch.update(ref, { status: 'failed', failedAt, failure, ...(billedMicros > 0 ? { costUsd } : {}) }, unchanged);
        if (billedMicros > 0) {
          // Billed though no image came: spend (cumulative and of the month it failed in),
          // but no image and no model's share. Counted once: the job's precondition fails
          // for any second failJob.
          batch.set(
            this.userRef(job.email),
            {
              email: job.email,
              costMicros: FieldValue.increment(billedMicros),
              months: { [monthOf(failedAt)]: { costMicros: FieldValue.increment(billedMicros) } },
              days: { [dayOf(failedAt)]: { costMicros: FieldValue.increment(billedMicros) } },
            },
            { merge: true },
          );
        }
        return true;
      }),
    );
  }

  async getJob(name: ImageName): Promise<GenerationJob | undefined> {
    const snapshot = await this.guard(() => this.jobRef(name).get());
    const data = snapshot.data();
    if (data === undefined) return undefined;
    const stored = toStoredJob(data);
    const nowMs = Date.now();
    // Due for deletion: gone, whether or not the TTL policy has got round to it.
    if (stored.expiresAtMs <= nowMs) return undefined;
    return settled(stored.job, nowMs);
  }

  async listGenerating(email: string): Promise<GenerationJob[]> {
    const snapshot = await this.guard(() => this.generatingQuery(email).get());
    const nowMs = Date.now();
    return snapshot.docs
      .map((doc) => toStoredJob(doc.data()).job)
      .filter((job) => isAlive(job, nowMs))
      .sort(newestJobFirst);
  }

  async listJobs(email: string, since: string): Promise<GenerationJob[]> {
    // Finished jobs are deleted, and the rest expire within days: a user has few.
    const snapshot = await this.guard(() => this.jobs.where('email', '==', email).get());
    const nowMs = Date.now();
    return snapshot.docs
      .map((doc) => toStoredJob(doc.data()))
      .filter((stored) => stored.expiresAtMs > nowMs)
      .map((stored) => settled(stored.job, nowMs))
      .filter((job) => isRecentJob(job, nowMs, since))
      .sort(newestJobFirst);
  }

  async monthSpend(email: string, month: string): Promise<MonthSpend> {
    if (!MONTH_PATTERN.test(month)) throw invalidArgument('A month is written YYYY-MM.');
    const userRef = this.userRef(email);
    const [user, generating] = await this.guard(() => Promise.all([userRef.get(), this.generatingQuery(email).get()]));
    const nowMs = Date.now();
    const alive = generating.docs.map((doc) => toStoredJob(doc.data()).job).filter((job) => isAlive(job, nowMs));
    return monthSpendOf(month, parseUserDoc(user.data() ?? {}), alive);
  }

  async userBudgets(month: string, email?: string): Promise<UserBudget[]> {
    if (!MONTH_PATTERN.test(month)) throw invalidArgument('A month is written YYYY-MM.');
    // Each user's document once, and one query for every job in flight (single-field: no composite index).
    const [users, generating] = await this.guard(() =>
      Promise.all([
        email === undefined ? this.users.where('costMicros', '>', 0).get().then((q) => q.docs) : this.userRef(email).get().then((d) => [d]),
        (email === undefined ? this.jobs.where('status', '==', 'generating') : this.generatingQuery(email)).get(),
      ]),
    );
    const nowMs = Date.now();
    const alive = generating.docs.map((doc) => toStoredJob(doc.data()).job).filter((job) => isAlive(job, nowMs));
    return users
      .map((doc) => {
        const user = parseUserDoc(doc.data() ?? {});
        const owner = email ?? user.email ?? decodeURIComponent(doc.id);
        return {
          totals: toTotals(owner, user),
          setting: user.monthlyBudgetUsd,
          spend: monthSpendOf(month, user, alive.filter((job) => job.email === owner)),
          months: toPeriodLog(user.months),
        };
      })
      .sort((a, b) => a.totals.email.localeCompare(b.totals.email));
  }


  async setBudget(email: string, limitUsd: number | null | undefined): Promise<void> {
    if (typeof limitUsd === 'number' && !(Number.isFinite(limitUsd) && limitUsd >= 0)) {
      throw invalidArgument('A monthly budget is an amount of US dollars, 0 or more.');
    }
    const monthlyBudgetUsd = limitUsd === undefined ? FieldValue.delete() : limitUsd;
    await this.guard(() => this.userRef(email).set({ email, monthlyBudgetUsd }, { merge: true }));
  }

  /**
   * The record, its cost added to the user's totals and to its month, and whatever
   * `alsoInBatch` adds: one batch, all or nothing.
   */
  private async commitRecord(record: GenerationRecord, alsoInBatch: (batch: WriteBatch, name: ImageName) => void): Promise<void> {
    const parsed = generationRecordSchema.parse(record);
    const createdAtMs = Date.parse(parsed.createdAt);
    if (Number.isNaN(createdAtMs)) throw new AppError('INTERNAL', `The record ${parsed.name} has an unreadable creation time.`);
    const costMicros = toMicros(parsed.costUsd);
    const batch = this.db.batch();
    batch.create(this.generationRef(parsed.name), withoutUndefined(parsed));
    batch.set(
      this.userRef(parsed.email),
      {
        email: parsed.email,
        imageCount: FieldValue.increment(1),
        costMicros: FieldValue.increment(costMicros),
        byModel: { [parsed.modelAlias]: { imageCount: FieldValue.increment(1), costMicros: FieldValue.increment(costMicros) } },
        lastGenerationAtMs: FieldValue.maximum(createdAtMs),
        months: { [monthOf(parsed.createdAt)]: { costMicros: FieldValue.increment(costMicros), generatedCount: FieldValue.increment(1) } },
        days: { [dayOf(parsed.createdAt)]: { costMicros: FieldValue.increment(costMicros), generatedCount: FieldValue.increment(1) } },
      },
      { merge: true },
    );
    alsoInBatch(batch, parsed.name);
    try {
      await withinDeadline(this.deadlineMs, () => batch.commit());
    } catch (err) {
      throw await this.commitFailure(err, parsed);
    }
  }

  /**
   * One optimistic attempt at startJob (see the top): reads the user document, then the
   * user's generating jobs, and creates the job on condition that the user document is
   * still as read. 'lost' when some write came between (another start, or spend counted):
   * then nothing was written, and the caller tries again on fresh reads.
   */
  private async tryStartJob(job: GenerationJob, limitUsd: number | undefined, giveUpAtMs: number): Promise<JobStart | 'lost'> {
    const userRef = this.userRef(job.email);
    // In this order: a start that lands after the first read changes the user document and
    // so fails this attempt's precondition; one that landed before it is in the query.
    const user = await userRef.get();
    const generating = await this.generatingQuery(job.email).get();
    const nowMs = Date.now();
    const alive: GenerationJob[] = [];
    const dead: { ref: DocumentReference; updateTime: Timestamp; job: GenerationJob }[] = [];
    for (const doc of generating.docs) {
      const other = toStoredJob(doc.data()).job;
      if (isAlive(other, nowMs)) alive.push(other);
      else dead.push({ ref: doc.ref, updateTime: doc.updateTime, job: other });
    }
    const same = alive.find((other) => other.requestKey === job.requestKey);
    // Our own name: an earlier attempt of this very call landed, its answer lost.
    if (same) return same.name === job.name ? { joined: false } : { joined: true, job: same };
    const spend = monthSpendOf(monthOf(job.startedAt), parseUserDoc(user.data() ?? {}), alive);
    if (limitUsd !== undefined && !fitsBudget(limitUsd, spend, job.reservedUsd)) throw new BudgetExceededError(limitUsd, spend, job.reservedUsd);

    const batch = this.db.batch();
    batch.create(this.jobRef(job.name), toJobDoc(job));
    if (user.updateTime === undefined) batch.create(userRef, { email: job.email, jobsStarted: 1 });
    else batch.update(userRef, { jobsStarted: FieldValue.increment(1) }, { lastUpdateTime: user.updateTime });
    // Jobs past their lease are failed on the way, so the query stays short.
    for (const { ref, updateTime, job: other } of dead) {
      batch.update(ref, { status: 'failed', failedAt: other.leaseUntil, failure: JOB_LEASE_LOST }, { lastUpdateTime: updateTime });
    }
    // Reads that answered only after the caller was told UNAVAILABLE: start nothing that no
    // one will run (it would hold its estimate until its lease passed).
    if (Date.now() >= giveUpAtMs) throw new FirestoreDeadlineError(this.deadlineMs);
    try {
      await batch.commit();
      return { joined: false };
    } catch (err) {
      const code = firestoreCodeOf(err);
      if (typeof code === 'number' && LOST_RACE_CODES.has(code)) return 'lost';
      throw err;
    }
  }

  /**
   * Reads the job and applies what `change` puts in the batch (returning true), on condition
   * (`unchanged`, for the job's own write) that the job is as read; if it changed meanwhile,
   * reads it again. Not a transaction: a transaction's read locks the job, and one abandoned
   * at the deadline keeps it locked (on the emulator, for a minute), holding up finishJob.
   * A job that is gone is left alone.
   */
  private async changeJob(
    name: ImageName,
    change: (job: GenerationJob, batch: WriteBatch, ref: DocumentReference, unchanged: { lastUpdateTime: Timestamp }) => boolean,
  ): Promise<void> {
    const ref = this.jobRef(name);
    for (let attempt = 1; ; attempt++) {
      const snapshot = await ref.get();
      const data = snapshot.data();
      if (data === undefined || snapshot.updateTime === undefined) return;
      const batch = this.db.batch();
      if (!change(toStoredJob(data).job, batch, ref, { lastUpdateTime: snapshot.updateTime })) return;
      try {
        await batch.commit();
        return;
      } catch (err) {
        const code = firestoreCodeOf(err);
        if (typeof code !== 'number' || !LOST_RACE_CODES.has(code) || attempt === CHANGE_JOB_ATTEMPTS) throw err;
      }
    }
  }

  /** How a failed commit is reported: see RecordStore.commit. */
  private async commitFailure(err: unknown, record: GenerationRecord): Promise<Error> {
    const code = firestoreCodeOf(err);
    if (code === ALREADY_EXISTS) {
      // The client retries a commit whose answer was lost (UNAVAILABLE), so the record that
      // exists may be this very one, written by an earlier attempt: then it may have landed.
      const existing = await this.get(record.name).catch(() => 'unreadable' as const);
      if (existing === 'unreadable' || sameRecord(existing, record)) return new WriteOutcomeUnknownError({ cause: err });
      return new AppError('INTERNAL', `A record named ${record.name} exists already.`, { cause: err });
    }
    if (typeof code === 'number' && WRITE_REFUSED_CODES.has(code)) return recordStoreError(err);
    return new WriteOutcomeUnknownError({ cause: err });
  }

  /** Runs one Firestore call within the deadline, its failures as AppErrors. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(this.deadlineMs, call);
    } catch (err) {
      // A refused budget is the caller's to explain, as it is.
      if (err instanceof BudgetExceededError) throw err;
      throw recordStoreError(err);
    }
  }

  private generationRef(name: ImageName): DocumentReference {
    // Names are validated before they get here; check again, since this builds a path.
    if (!IMAGE_NAME_PATTERN.test(name)) throw new Error(`not an image name: ${JSON.stringify(name)}`);
    return this.generations.doc(idOf(name));
  }

  private jobRef(name: ImageName): DocumentReference {
    if (!IMAGE_NAME_PATTERN.test(name)) throw new Error(`not an image name: ${JSON.stringify(name)}`);
    return this.jobs.doc(idOf(name));
  }

  /** The user's jobs marked generating, alive or past their lease. Needs the composite index (email, status). */
  private generatingQuery(email: string): Query {
    return this.jobs.where('email', '==', email).where('status', '==', 'generating');
  }

  private userRef(email: string): DocumentReference {
    // Encoded so that no address can contain a `/` and so name another path.
    if (email === '') throw invalidArgument('An email address is needed.');
    return this.users.doc(encodeURIComponent(email));
  }
}

/** Integer micro-dollars: sums of them are exact, as sums of prices in floating point are not. */
function toMicros(usd: number): number {
  return Math.round(usd * 1e6);
}

function fromMicros(value: number): number {
  return value / 1e6;
}

function toRecord(data: DocumentData): GenerationRecord {
  const parsed = generationRecordSchema.safeParse(data);
  if (!parsed.success) throw new AppError('INTERNAL', 'A stored generation record could not be read.', { cause: parsed.error });
  return parsed.data;
}

function parseUserDoc(data: DocumentData): UserDoc {
  const parsed = userDocSchema.safeParse(data);
  if (!parsed.success) throw new AppError('INTERNAL', 'Stored usage totals could not be read.', { cause: parsed.error });
  return parsed.data;
}

function toTotals(email: string, user: UserDoc): UserTotals {
  // Spend with no image is possible: imported (unrecorded) or billed for a failed generation.
  if (!user.imageCount && !user.costMicros && !user.unrecordedCostMicros) return emptyTotals(email);
  const byModel: Partial<Record<ModelAlias, { imageCount: number; costUsd: number }>> = {};
  for (const alias of MODEL_ALIASES) {
    const model = user.byModel?.[alias];
    if (model) byModel[alias] = { imageCount: Math.max(0, model.imageCount - model.deletedCount), costUsd: fromMicros(model.costMicros) };
  }
  const totals = {
    email,
    // Images that exist now: all ever committed, less those deleted.
    imageCount: Math.max(0, (user.imageCount ?? 0) - (user.deletedCount ?? 0)),
    costUsd: fromMicros(user.costMicros ?? 0),
    byModel,
    ...(user.unrecordedCostMicros ? { unrecordedCostUsd: fromMicros(user.unrecordedCostMicros) } : {}),
  };
  return user.lastGenerationAtMs === undefined ? totals : { ...totals, lastGenerationAt: new Date(user.lastGenerationAtMs).toISOString() };
}

function toPeriodLog(periods: UserDoc['months']): PeriodLog {
  return Object.fromEntries(Object.entries(periods ?? {}).map(([key, p]) => [key, { generatedCount: p.generatedCount, costUsd: fromMicros(p.costMicros) }]));
}

/** What remove needs of a record: whose images to count one fewer. */
const removedRecordSchema = z.object({ email: z.string().min(1), modelAlias: z.enum(MODEL_ALIASES) });

/**
 * Firestore refuses `undefined` unless the client was built with ignoreUndefinedProperties;
 * optional token counts may be absent, so leave such keys out whatever the client setting.
 */
function withoutUndefined(record: GenerationRecord): DocumentData {
  const usage = Object.fromEntries(Object.entries(record.usage).filter(([, v]) => v !== undefined));
  return { ...record, usage, referenceNames: [...record.referenceNames] };
}

/** Both read back through generationRecordSchema, so their keys come in the same order. */
function sameRecord(stored: GenerationRecord | undefined, record: GenerationRecord): boolean {
  return stored !== undefined && JSON.stringify(stored) === JSON.stringify(record);
}

export function recordStoreError(err: unknown): AppError {
  return firestoreError(err, 'record store');
}

function toJobDoc(job: GenerationJob): DocumentData {
  const fields = Object.fromEntries(Object.entries(job).filter(([, v]) => v !== undefined));
  return { ...fields, referenceNames: [...job.referenceNames], expiresAt: Timestamp.fromMillis(Date.parse(job.startedAt) + JOB_KEEP_MS) };
}

function toStoredJob(data: DocumentData): { job: GenerationJob; expiresAtMs: number } {
  const parsed = jobDocSchema.safeParse(data);
  if (!parsed.success) throw new AppError('INTERNAL', 'A stored generation job could not be read.', { cause: parsed.error });
  const { expiresAt, ...job } = parsed.data;
  return { job, expiresAtMs: expiresAt.toMillis() };
}


/** Spent: the month's counter on the user document; reserved: the alive jobs started in that month. */
function monthSpendOf(month: string, user: UserDoc, alive: readonly GenerationJob[]): MonthSpend {
  const reservedMicros = alive.filter((job) => monthOf(job.startedAt) === month).reduce((sum, job) => sum + toMicros(job.reservedUsd), 0);
  return { month, spentUsd: fromMicros(user.months?.[month]?.costMicros ?? 0), reservedUsd: fromMicros(reservedMicros) };
}
