/**
 * Records on local disk, in the original server's layout: a sidecar `{id}.json` beside each
 * `{id}.png`, and `prefs.json` (`{ "<email>": { "model": "pro" } }`, as the original wrote
 * it); plus `totals.json` so totals never need a scan of every sidecar. One process owns the
 * directory: writes to the shared files run one at a time, and the per-user index used for
 * paging is built once from the sidecars and kept up to date in memory.
 *
 * Order of a commit: sidecar, then totals. A crash between the two leaves a record that
 * the totals do not count yet (never the reverse); see docs/data-model.md. A remove deletes
 * the sidecar, then counts one image fewer: a crash between leaves one image too many counted.
 *
 * The index keeps, beside each record's position, what a search looks at (model, size, cost
 * and the folded prompt), so a search or a summary reads no sidecar until a record matches.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, UPLOAD_NAME_PATTERN, idOf, type ImageName } from '../core/names.js';
import { MODEL_ALIASES } from '../core/models.js';
import { addToPeriod, dayOf, periodsSince, type PeriodLog } from '../core/activity.js';
import { BudgetExceededError, fitsBudget, monthOf, type MonthSpend } from '../core/budget.js';
import type { ModelAlias } from '../core/models.js';
import type { ImageSize } from '../core/options.js';
import { foldForSearch, matchesFields, matchesWords, textWords, type RecordFilter } from '../core/search.js';
import { addGeneration, addUsd, emptyTotals, removeGeneration, withUnrecordedSpend, type UserTotals } from '../core/totals.js';
import type { UserActivity } from '../core/usage.js';
import { AppError } from '../errors.js';
import { createFileAtomic, createSerialQueue, directoryOnce, readFileIfExists, writeFileAtomic } from '../local/atomic-file.js';
import { checkPageLimit, compareNewestFirst, decodeCursor, encodeCursor, searchScope, type PagePosition } from './cursor.js';
import { isAlive, isRecentJob, newestJobFirst, settled } from './job-state.js';
import { generationJobSchema, generationRecordSchema, uploadRecordSchema } from './record-schema.js';
import { chunkOf, scanForMatches } from './search-scan.js';
import {
  MAX_PAGE_SIZE,
  SEARCH_SCAN_CHUNK,
  SEARCH_SCAN_FIRST_CHUNK,
  SEARCH_SCAN_LIMIT,
  type GenerationJob,
  type GenerationPage,
  type GenerationRecord,
  type JobStart,
  type RecordStore,
  type RecordSummary,
  type SearchOptions,
  type UserBudget,
  type UploadRecord,
  type UserPrefs,
} from './record-store.js';

const modelTotals = z.object({ imageCount: z.number(), costUsd: z.number() });
const periodFigures = z.object({ generatedCount: z.number().int().nonnegative(), costUsd: z.number().nonnegative() });
/** Written before counts were kept, a month is its spend alone: read as no generations. */
const monthFigures = z.union([periodFigures, z.number().nonnegative().transform((costUsd) => ({ generatedCount: 0, costUsd }))]);
const totalsFileSchema = z.object({
  version: z.literal(1),
  users: z.record(
    z.string(),
    z.object({
      email: z.string(),
      /** Images that exist now (lowered by a remove; written before removes counted, it counts deleted ones too). */
      imageCount: z.number(),
      costUsd: z.number(),
      byModel: z.partialRecord(z.enum(MODEL_ALIASES), modelTotals),
      lastGenerationAt: z.string().optional(),
      unrecordedCostUsd: z.number().nonnegative().optional(),
      /** By month (`YYYY-MM`): records by when they were made, billed failures (spend only) by when they failed. */
      months: z.record(z.string(), monthFigures).optional(),
      /** By day (`YYYY-MM-DD`), as months. */
      days: z.record(z.string(), periodFigures).optional(),
    }),
  ),
});
const jobsFileSchema = z.object({ version: z.literal(1), jobs: z.array(generationJobSchema) });
const budgetsFileSchema = z.record(z.string(), z.number().nonnegative().nullable());
// The original's shape; entries it could not parse are ignored, as it did.
const prefsFileSchema = z.record(z.string(), z.unknown());
const prefsEntrySchema = z.object({ model: z.enum(MODEL_ALIASES) });

export type TotalsFile = z.infer<typeof totalsFileSchema>;
type PrefsFile = z.infer<typeof prefsFileSchema>;
type UserEntry = TotalsFile['users'][string];

const SIDECAR_PATTERN = /^[0-9a-f]{32}\.json$/;

/** A record as the index keeps it: its position and what searches look at. */
interface IndexEntry extends PagePosition {
  readonly modelAlias: ModelAlias;
  readonly imageSize: ImageSize;
  readonly costUsd: number;
  /** The prompt as search compares it (foldForSearch). */
  readonly folded: string;
}

export class LocalRecordStore implements RecordStore {
  private readonly serially = createSerialQueue();
  /** email → that user's records, newest first. */
  private index: Promise<Map<string, IndexEntry[]>> | undefined;

  private readonly ensureRoot: () => Promise<void>;
  private readonly ensureUploadsDir: () => Promise<void>;
  private readonly searchScanLimit: number;

  constructor(
    private readonly root: string,
    options: SearchOptions = {},
  ) {
    this.ensureRoot = directoryOnce(root);
    this.ensureUploadsDir = directoryOnce(path.join(root, 'uploads'));
    this.searchScanLimit = options.searchScanLimit ?? SEARCH_SCAN_LIMIT;
  }

  async commit(record: GenerationRecord): Promise<void> {
    await this.commitRecord(record, () => Promise.resolve());
  }

  async finishJob(record: GenerationRecord): Promise<void> {
    // The record first, then the job goes: a crash between leaves a done record beside a job
    // that reads as failed once its lease passes, and holds nothing.
    await this.commitRecord(record, async () => {
      const jobs = await this.readJobs();
      if (jobs.some((job) => job.name === record.name)) await this.writeJobs(jobs.filter((job) => job.name !== record.name));
    });
  }

  async startJob(job: GenerationJob, limitUsd: number | undefined): Promise<JobStart> {
    const parsed = generationJobSchema.parse(job);
    await this.ensureRoot();
    return this.serially(async () => {
      const now = Date.now();
      const jobs = await this.readJobs();
      const alive = jobs.filter((j) => j.email === parsed.email && isAlive(j, now));
      const same = alive.find((j) => j.requestKey === parsed.requestKey);
      if (same) return { joined: true, job: same };
      const month = monthOf(parsed.startedAt);
      const spend = monthSpendOf((await this.readTotals()).users[parsed.email], alive, month);
      if (!fitsBudget(limitUsd, spend, parsed.reservedUsd)) throw new BudgetExceededError(limitUsd!, spend, parsed.reservedUsd);
      await this.writeJobs([...jobs.map((j) => settled(j, now)), parsed]);
      return { joined: false };
    });
  }

  async renewJob(name: ImageName, leaseUntil: string): Promise<void> {
    await this.serially(async () => {
      const jobs = await this.readJobs();
      // A job whose lease has passed reads as failed: renewing it would bring it back.
      if (!jobs.some((job) => job.name === name && isAlive(job, Date.now()))) return;
      await this.writeJobs(jobs.map((job) => (job.name === name ? { ...job, leaseUntil } : job)));
    });
  }

  async failJob(name: ImageName, failure: string, costUsd?: number): Promise<void> {
    await this.serially(async () => {
      const jobs = await this.readJobs();
      const job = jobs.find((j) => j.name === name);
      if (!job || job.status !== 'generating') return;
      const failedAt = new Date().toISOString();
      const failed: GenerationJob = { ...job, status: 'failed', failedAt, failure, ...(costUsd ? { costUsd } : {}) };
      if (costUsd) {
        // Billed, though no image came: spend without an image, in the month and day it failed.
        const totals = await this.readTotals();
        const user = totals.users[job.email] ?? emptyTotals(job.email);
        await this.writeTotals({ ...totals, users: { ...totals.users, [job.email]: withPeriods({ ...user, costUsd: addUsd(user.costUsd, costUsd) }, failedAt, costUsd, false) } });
      }
      await this.writeJobs(jobs.map((j) => (j.name === name ? failed : j)));
    });
  }

  async getJob(name: ImageName): Promise<GenerationJob | undefined> {
    const job = (await this.readJobs()).find((j) => j.name === name);
    return job && settled(job, Date.now());
  }

  async listGenerating(email: string): Promise<GenerationJob[]> {
    const now = Date.now();
    return (await this.readJobs()).filter((job) => job.email === email && isAlive(job, now)).sort(newestJobFirst);
  }

  async listJobs(email: string, since: string): Promise<GenerationJob[]> {
    const now = Date.now();
    return (await this.readJobs())
      .filter((job) => job.email === email)
      .map((job) => settled(job, now))
      .filter((job) => isRecentJob(job, now, since))
      .sort(newestJobFirst);
  }

  async monthSpend(email: string, month: string): Promise<MonthSpend> {
    const now = Date.now();
    const alive = (await this.readJobs()).filter((job) => job.email === email && isAlive(job, now));
    return monthSpendOf((await this.readTotals()).users[email], alive, month);
  }

  async userBudgets(month: string, email?: string): Promise<UserBudget[]> {
    const [totals, budgets, jobs] = await Promise.all([this.readTotals(), this.readBudgets(), this.readJobs()]);
    const now = Date.now();
    const emails = email === undefined ? Object.keys(totals.users).sort((a, b) => a.localeCompare(b)) : [email];
    return emails.map((owner) => {
      const user = totals.users[owner];
      const alive = jobs.filter((job) => job.email === owner && isAlive(job, now));
      return { totals: user ? withoutPeriods(user) : emptyTotals(owner), setting: budgets[owner], spend: monthSpendOf(user, alive, month), months: user?.months ?? {} };
    });
  }

  async activity(sinceDay: string): Promise<UserActivity[]> {
    const totals = await this.readTotals();
    return Object.values(totals.users)
      .map((user) => ({ totals: withoutPeriods(user), days: periodsSince(user.days, sinceDay) }))
      .sort((a, b) => a.totals.email.localeCompare(b.totals.email));
  }


  async setBudget(email: string, limitUsd: number | null | undefined): Promise<void> {
    await this.ensureRoot();
    await this.serially(async () => {
      const budgets = { ...(await this.readBudgets()) };
      if (limitUsd === undefined) delete budgets[email];
      else budgets[email] = limitUsd;
      await writeFileAtomic(this.file('budgets.json'), JSON.stringify(budgets, null, 2) + '\n');
    });
  }

  /** Sidecar, then totals (with the month), then `andThen`, one at a time with every other write. */
  private async commitRecord(record: GenerationRecord, andThen: () => Promise<void>): Promise<void> {
    const parsed = generationRecordSchema.parse(record);
    await this.ensureRoot();
    const index = await this.loadIndex();
    await this.serially(async () => {
      const sidecar = this.sidecarPath(parsed.name);
      const totals = await this.readTotals();
      await createFileAtomic(sidecar, JSON.stringify(parsed, null, 2) + '\n').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EEXIST' ? new AppError('INTERNAL', `A record named ${parsed.name} exists already.`, { cause: err }) : err;
      });
      const user = totals.users[parsed.email] ?? emptyTotals(parsed.email);
      try {
        const counted = withPeriods(addGeneration(user, parsed), parsed.createdAt, parsed.costUsd, true);
        await this.writeTotals({ ...totals, users: { ...totals.users, [parsed.email]: counted } });
      } catch (err) {
        await rm(sidecar, { force: true });
        throw err;
      }
      insertSorted(index, parsed.email, indexEntryOf(parsed));
      await andThen();
    });
  }

  async createUpload(upload: UploadRecord): Promise<void> {
    const parsed = uploadRecordSchema.parse(upload);
    await this.ensureUploadsDir();
    // createFileAtomic refuses a name that exists: of two writers of one upload, one wins.
    await createFileAtomic(this.uploadPath(parsed.name), JSON.stringify(parsed, null, 2) + '\n').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EEXIST' ? new AppError('INTERNAL', `An upload named ${parsed.name} exists already.`, { cause: err }) : err;
    });
  }

  async getUpload(name: ImageName): Promise<UploadRecord | undefined> {
    const text = await readFileIfExists(this.uploadPath(name));
    return text === undefined ? undefined : uploadRecordSchema.parse(JSON.parse(text));
  }

  async listUploads(email: string, limit: number): Promise<UploadRecord[]> {
    return (await this.uploadsOf(email)).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name)).slice(0, limit);
  }

  async countUploads(email: string): Promise<number> {
    return (await this.uploadsOf(email)).length;
  }

  /** The user's uploads, in no order: every upload file is read (a local server has few). */
  private async uploadsOf(email: string): Promise<UploadRecord[]> {
    const files = await readdir(path.join(this.root, 'uploads')).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const uploads = await Promise.all(
      files.filter((file) => /^[0-9a-f]{32}\.json$/.test(file)).map((file) => this.getUpload(`${file.slice(0, 32)}.ref.png` as ImageName)),
    );
    return uploads.filter((upload): upload is UploadRecord => upload?.email === email);
  }

  async removeUpload(name: ImageName): Promise<void> {
    await rm(this.uploadPath(name), { force: true });
  }

  async get(name: ImageName): Promise<GenerationRecord | undefined> {
    const text = await readFileIfExists(this.sidecarPath(name));
    if (text === undefined) return undefined;
    return generationRecordSchema.parse(JSON.parse(text));
  }

  async listByUser(email: string, page: { limit: number; cursor?: string; filter?: RecordFilter }): Promise<GenerationPage> {
    checkPageLimit(page.limit, MAX_PAGE_SIZE);
    const filter = page.filter ?? {};
    const scope = searchScope(email, filter);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);
    // What Firestore's query narrows by (model, size, days), then the text, read as Firestore reads it.
    const entries = ((await this.loadIndex()).get(email) ?? []).filter((entry) => matchesFields(entry, filter));
    const words = textWords(filter);
    const found = await scanForMatches<IndexEntry>({
      limit: page.limit,
      // Without text every record read matches: one chunk of `limit` is the page.
      scanLimit: words === undefined ? page.limit : this.searchScanLimit,
      firstChunkSize: words === undefined ? page.limit : SEARCH_SCAN_FIRST_CHUNK,
      chunkSize: words === undefined ? page.limit : SEARCH_SCAN_CHUNK,
      after,
      readChunk: (at, size) => Promise.resolve(chunkOf(entries, at, size, compareNewestFirst)),
      positionOf: (entry) => entry,
      matches: (entry) => words === undefined || matchesWords(entry.folded, words),
    });
    const records = (await Promise.all(found.matches.map((entry) => this.get(entry.name)))).filter((r): r is GenerationRecord => r !== undefined);
    return found.next ? { records, nextCursor: encodeCursor(found.next, scope) } : { records };
  }

  async summarizeByUser(email: string, filter: RecordFilter): Promise<RecordSummary> {
    const words = textWords(filter);
    const entries = ((await this.loadIndex()).get(email) ?? []).filter((entry) => matchesFields(entry, filter) && (words === undefined || matchesWords(entry.folded, words)));
    return { imageCount: entries.length, costUsd: entries.reduce((sum, entry) => addUsd(sum, entry.costUsd), 0) };
  }

  async listSince(since: string): Promise<GenerationRecord[]> {
    const positions = [...(await this.loadIndex()).values()].flat().filter((p) => p.createdAt >= since).sort(compareNewestFirst);
    const records = await Promise.all(positions.map((p) => this.get(p.name)));
    return records.filter((r): r is GenerationRecord => r !== undefined);
  }

  async remove(name: ImageName): Promise<void> {
    const index = await this.loadIndex();
    // One at a time with every other write: a second remove finds no sidecar and counts nothing.
    await this.serially(async () => {
      const record = await this.get(name);
      if (!record) return;
      await rm(this.sidecarPath(name), { force: true });
      const positions = index.get(record.email) ?? [];
      index.set(record.email, positions.filter((p) => p.name !== name));
      const totals = await this.readTotals();
      const user = totals.users[record.email];
      if (user) await this.writeTotals({ ...totals, users: { ...totals.users, [record.email]: { ...user, ...removeGeneration(user, record.modelAlias) } } });
    });
  }

  async totals(email: string): Promise<UserTotals> {
    const user = (await this.readTotals()).users[email];
    return user ? withoutPeriods(user) : emptyTotals(email);
  }

  async setUnrecordedSpend(email: string, costUsd: number): Promise<void> {
    await this.ensureRoot();
    await this.serially(async () => {
      const totals = await this.readTotals();
      const user = withUnrecordedSpend(totals.users[email] ?? emptyTotals(email), costUsd);
      const users = { ...totals.users };
      if (user.imageCount === 0 && user.costUsd === 0) delete users[email];
      else users[email] = user;
      await this.writeTotals({ ...totals, users });
    });
  }

  async allTotals(): Promise<UserTotals[]> {
    const totals = await this.readTotals();
    return Object.values(totals.users)
      .map(withoutPeriods)
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  async prefs(email: string): Promise<UserPrefs> {
    const [prefs, budgets] = await Promise.all([this.readPrefs(), this.readBudgets()]);
    const entry = prefsEntrySchema.safeParse(prefs[email]);
    const monthlyBudgetUsd = budgets[email];
    return { ...(entry.success ? { defaultModel: entry.data.model } : {}), ...(monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd } : {}) };
  }

  async setPrefs(email: string, prefs: UserPrefs): Promise<void> {
    await this.ensureRoot();
    await this.serially(async () => {
      const all = { ...(await this.readPrefs()) };
      if (prefs.defaultModel === undefined) delete all[email];
      else all[email] = { model: prefs.defaultModel };
      await writeFileAtomic(this.file('prefs.json'), JSON.stringify(all, null, 2) + '\n');
    });
  }

  protected async writeTotals(totals: TotalsFile): Promise<void> {
    await writeFileAtomic(this.file('totals.json'), JSON.stringify(totals, null, 2) + '\n');
  }

  private async readTotals(): Promise<TotalsFile> {
    const text = await readFileIfExists(this.file('totals.json'));
    return text === undefined ? { version: 1, users: {} } : totalsFileSchema.parse(JSON.parse(text));
  }

  /** Every job, failed ones for JOB_KEEP_DAYS after they started (older ones are dropped when written). */
  private async readJobs(): Promise<GenerationJob[]> {
    const text = await readFileIfExists(this.file('jobs.json'));
    return text === undefined ? [] : jobsFileSchema.parse(JSON.parse(text)).jobs;
  }

  private async writeJobs(jobs: readonly GenerationJob[]): Promise<void> {
    const keepSince = new Date(Date.now() - JOB_KEEP_DAYS * 24 * 3600 * 1000).toISOString();
    const kept = jobs.filter((job) => job.status === 'generating' || job.startedAt >= keepSince);
    await writeFileAtomic(this.file('jobs.json'), JSON.stringify({ version: 1, jobs: kept }, null, 2) + '\n');
  }

  private async readBudgets(): Promise<Record<string, number | null>> {
    const text = await readFileIfExists(this.file('budgets.json'));
    return text === undefined ? {} : budgetsFileSchema.parse(JSON.parse(text));
  }

  private async readPrefs(): Promise<PrefsFile> {
    const text = await readFileIfExists(this.file('prefs.json'));
    return text === undefined ? {} : prefsFileSchema.parse(JSON.parse(text));
  }

  /** Built once, on first need, from every sidecar; unreadable sidecars are left out. */
  private loadIndex(): Promise<Map<string, IndexEntry[]>> {
    this.index ??= (async () => {
      const index = new Map<string, IndexEntry[]>();
      const files = await readdir(this.root).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [] as string[];
        throw err;
      });
      for (const file of files.filter((f) => SIDECAR_PATTERN.test(f))) {
        const record = await this.get(`${file.slice(0, 32)}.png` as ImageName).catch(() => undefined);
        if (!record) continue;
        const positions = index.get(record.email) ?? [];
        positions.push(indexEntryOf(record));
        index.set(record.email, positions);
      }
      for (const positions of index.values()) positions.sort(compareNewestFirst);
      return index;
    })();
    return this.index;
  }

  private sidecarPath(name: ImageName): string {
    // Names are validated before they get here; check again, since this builds a path.
    if (!IMAGE_NAME_PATTERN.test(name)) throw new Error(`not an image name: ${JSON.stringify(name)}`);
    return this.file(`${idOf(name)}.json`);
  }

  private uploadPath(name: ImageName): string {
    // Builds a path: only an upload's name may get here.
    if (!UPLOAD_NAME_PATTERN.test(name)) throw new Error(`not an upload name: ${JSON.stringify(name)}`);
    return path.join(this.root, 'uploads', `${idOf(name)}.json`);
  }

  private file(base: string): string {
    return path.join(this.root, base);
  }

}

/** How long a failed job stays readable (image_info tells what became of it). */
const JOB_KEEP_DAYS = 7;


function withoutPeriods(user: UserEntry): UserTotals {
  const { months: _months, days: _days, ...totals } = user;
  return totals;
}

/** The user's entry with `costUsd` (and a generation, if `generated`) added to the month and day of `at`. */
function withPeriods(user: UserTotals, at: string, costUsd: number, generated: boolean): UserEntry {
  const entry = user as UserEntry;
  const months: PeriodLog = addToPeriod(entry.months, monthOf(at), costUsd, generated);
  const days: PeriodLog = addToPeriod(entry.days, dayOf(at), costUsd, generated);
  return { ...user, months, days };
}

function monthSpendOf(user: UserEntry | undefined, alive: readonly GenerationJob[], month: string): MonthSpend {
  const reservedUsd = alive.filter((job) => monthOf(job.startedAt) === month).reduce((sum, job) => addUsd(sum, job.reservedUsd), 0);
  return { month, spentUsd: user?.months?.[month]?.costUsd ?? 0, reservedUsd };
}

function indexEntryOf(record: GenerationRecord): IndexEntry {
  return { createdAt: record.createdAt, name: record.name, modelAlias: record.modelAlias, imageSize: record.imageSize, costUsd: record.costUsd, folded: foldForSearch(record.prompt) };
}

function insertSorted(index: Map<string, IndexEntry[]>, email: string, entry: IndexEntry): void {
  const positions = index.get(email) ?? [];
  const at = positions.findIndex((p) => compareNewestFirst(p, entry) > 0);
  if (at < 0) positions.push(entry);
  else positions.splice(at, 0, entry);
  index.set(email, positions);
}
