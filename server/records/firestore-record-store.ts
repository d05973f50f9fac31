/**
 * Records in Firestore. Layout (docs/data-model.md):
 *
 * - `generations/{id}`: one document per record, every record field; `createdAt` is the
 *   ISO string, so it round-trips exactly and sorts as the local store sorts it.
 * - `users/{encodeURIComponent(email)}`: the user's running totals (`imageCount`,
 *   `costMicros`, `byModel.{alias}.imageCount|costMicros`, `lastGenerationAtMs`,
 *   `unrecordedCostMicros`: imported spend without a record, included in `costMicros`) and
 *   preferences (`defaultModel`), so totals cost one read per user, never one per record.
 *
 * A commit is one batched write: `create` of the record (which fails if it exists, and
 * then nothing is written) plus field transforms on the user document. The transforms are
 * applied by the server, so concurrent commits from any number of instances never lose an
 * update and need no transaction: costs are added as integer micro-dollars (exact), and
 * `lastGenerationAtMs` takes the numeric maximum, so an older record committed late (or an
 * import in any order) never moves it back.
 *
 * Every call is bounded by the client's deadline (firestore-client.ts), retries included,
 * and fails UNAVAILABLE past it. A commit past its deadline fails WriteOutcomeUnknownError
 * instead: it was sent, and may have landed or may still land.
 */
import { FieldPath, FieldValue, type CollectionReference, type DocumentData, type DocumentReference, type Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, idOf, type ImageName } from '../core/names.js';
import { MODEL_ALIASES, type ModelAlias } from '../core/models.js';
import { emptyTotals, type UserTotals } from '../core/totals.js';
import { AppError, invalidArgument } from '../errors.js';
import { withinDeadline } from '../firestore/deadline.js';
import { callDeadlineMs } from '../firestore/firestore-client.js';
import { ALREADY_EXISTS, WRITE_REFUSED_CODES, firestoreCodeOf, firestoreError } from '../firestore/firestore-errors.js';
import { checkPageLimit, compareNewestFirst, decodeCursor, encodeCursor } from './cursor.js';
import { generationRecordSchema } from './record-schema.js';
import { MAX_PAGE_SIZE, WriteOutcomeUnknownError, type GenerationPage, type GenerationRecord, type RecordStore, type UserPrefs } from './record-store.js';

export interface FirestoreRecordStoreOptions {
  /**
   * Prepended to both collection names (e.g. `staging_` → `staging_generations`), to share
   * one database between deployments. firestore.indexes.json covers the unprefixed names.
   */
  readonly collectionPrefix?: string;
}

const micros = z.number().int().nonnegative();
const userDocSchema = z.object({
  email: z.string().optional(),
  imageCount: z.number().int().nonnegative().optional(),
  costMicros: micros.optional(),
  byModel: z.partialRecord(z.enum(MODEL_ALIASES), z.object({ imageCount: z.number().int().nonnegative(), costMicros: micros })).optional(),
  lastGenerationAtMs: z.number().optional(),
  unrecordedCostMicros: micros.optional(),
  defaultModel: z.unknown().optional(),
});
type UserDoc = z.infer<typeof userDocSchema>;

export class FirestoreRecordStore implements RecordStore {
  private readonly generations: CollectionReference;
  private readonly users: CollectionReference;
  private readonly deadlineMs: number;

  constructor(db: Firestore, options: FirestoreRecordStoreOptions = {}) {
    const prefix = options.collectionPrefix ?? '';
    this.generations = db.collection(`${prefix}generations`);
    this.users = db.collection(`${prefix}users`);
    this.deadlineMs = callDeadlineMs(db);
  }

  async commit(record: GenerationRecord): Promise<void> {
    const parsed = generationRecordSchema.parse(record);
    const createdAtMs = Date.parse(parsed.createdAt);
    if (Number.isNaN(createdAtMs)) throw new AppError('INTERNAL', `The record ${parsed.name} has an unreadable creation time.`);
    const costMicros = toMicros(parsed.costUsd);
    const batch = this.generations.firestore.batch();
    batch.create(this.generationRef(parsed.name), withoutUndefined(parsed));
    batch.set(
      this.userRef(parsed.email),
      {
        email: parsed.email,
        imageCount: FieldValue.increment(1),
        costMicros: FieldValue.increment(costMicros),
        byModel: { [parsed.modelAlias]: { imageCount: FieldValue.increment(1), costMicros: FieldValue.increment(costMicros) } },
        lastGenerationAtMs: FieldValue.maximum(createdAtMs),
      },
      { merge: true },
    );
    try {
      await withinDeadline(this.deadlineMs, () => batch.commit());
    } catch (err) {
      throw await this.commitFailure(err, parsed);
    }
  }

  async get(name: ImageName): Promise<GenerationRecord | undefined> {
    const snapshot = await this.guard(() => this.generationRef(name).get());
    const data = snapshot.data();
    return data === undefined ? undefined : toRecord(data);
  }

  async listByUser(email: string, page: { limit: number; cursor?: string }): Promise<GenerationPage> {
    checkPageLimit(page.limit, MAX_PAGE_SIZE);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    // Needs the composite index in firestore.indexes.json (email, createdAt desc, __name__ desc).
    let query = this.generations
      .where('email', '==', email)
      .orderBy('createdAt', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (after) query = query.startAfter(after.createdAt, idOf(after.name));
    // One more than asked for tells whether there is a next page without a second query.
    const snapshot = await this.guard(() => query.limit(page.limit + 1).get());
    const records = snapshot.docs.slice(0, page.limit).map((doc) => toRecord(doc.data()));
    const last = records.at(-1);
    return snapshot.size > page.limit && last ? { records, nextCursor: encodeCursor(last) } : { records };
  }

  async listSince(since: string): Promise<GenerationRecord[]> {
    // A single-field range on createdAt: Firestore's automatic index serves it.
    const snapshot = await this.guard(() => this.generations.where('createdAt', '>=', since).orderBy('createdAt', 'desc').get());
    return snapshot.docs.map((doc) => toRecord(doc.data())).sort(compareNewestFirst);
  }

  async remove(name: ImageName): Promise<void> {
    // Deleting a missing document succeeds, so removing twice is not an error.
    await this.guard(() => this.generationRef(name).delete());
  }

  async totals(email: string): Promise<UserTotals> {
    const snapshot = await this.guard(() => this.userRef(email).get());
    const data = snapshot.data();
    return data === undefined ? emptyTotals(email) : toTotals(email, parseUserDoc(data));
  }

  async allTotals(): Promise<UserTotals[]> {
    // Users who only saved preferences have a document but no spend; like the local store,
    // list only users with spend (records, or spend imported without one). One document read
    // per listed user. (A user whose every image was priced $0 by an override is not listed.)
    const snapshot = await this.guard(() => this.users.where('costMicros', '>', 0).get());
    return snapshot.docs
      .map((doc) => {
        const user = parseUserDoc(doc.data());
        return toTotals(user.email ?? decodeURIComponent(doc.id), user);
      })
      .sort((a, b) => a.email.localeCompare(b.email));
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
    return model.success ? { defaultModel: model.data } : {};
  }

  async setPrefs(email: string, prefs: UserPrefs): Promise<void> {
    const defaultModel = prefs.defaultModel ?? FieldValue.delete();
    await this.guard(() => this.userRef(email).set({ email, defaultModel }, { merge: true }));
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
      throw recordStoreError(err);
    }
  }

  private generationRef(name: ImageName): DocumentReference {
    // Names are validated before they get here; check again, since this builds a path.
    if (!IMAGE_NAME_PATTERN.test(name)) throw new Error(`not an image name: ${JSON.stringify(name)}`);
    return this.generations.doc(idOf(name));
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
  if (!user.imageCount && !user.unrecordedCostMicros) return emptyTotals(email);
  const byModel: Partial<Record<ModelAlias, { imageCount: number; costUsd: number }>> = {};
  for (const alias of MODEL_ALIASES) {
    const model = user.byModel?.[alias];
    if (model) byModel[alias] = { imageCount: model.imageCount, costUsd: fromMicros(model.costMicros) };
  }
  const totals = {
    email,
    imageCount: user.imageCount ?? 0,
    costUsd: fromMicros(user.costMicros ?? 0),
    byModel,
    ...(user.unrecordedCostMicros ? { unrecordedCostUsd: fromMicros(user.unrecordedCostMicros) } : {}),
  };
  return user.lastGenerationAtMs === undefined ? totals : { ...totals, lastGenerationAt: new Date(user.lastGenerationAtMs).toISOString() };
}

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
