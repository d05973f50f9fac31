/**
 * OAuth state in Firestore: one collection, `authState`, one document per entry, its id
 * `{kind}_{key}` (no kind holds a `_`, so the id names one entry only). Fields:
 *
 * - `kind`: the kind, so the collection can be read by kind in the console;
 * - `value`: the value's JSON text. Text rather than a map: Firestore would index every
 *   field of a map and refuse some JSON (nested arrays); text reads back exactly as the
 *   local store's does;
 * - `expiresAt`: a Timestamp, or null for entries that never expire (registered clients);
 * - `createdAt`: server time of the last write.
 *
 * Expired entries read as absent. A TTL policy on `authState.expiresAt` (declared in
 * firestore.indexes.json; the deployment applies it) lets Firestore delete them, within a
 * day or so of expiry; nothing here depends on when.
 *
 * `take` is a compare-and-delete: read, then delete on condition that the document's
 * update time is still the one read. Of concurrent takes exactly one delete succeeds; the
 * others fail their precondition and get nothing (as does a take that raced a `put`, whose
 * new value stays for the next take). Unlike a transaction, losers neither wait on a lock
 * nor retry, so they cannot run out of attempts and report an outage instead of "absent";
 * in the emulator, 10 concurrent takes cost 80 ms rather than 3.5 s.
 *
 * `create` is a plain `create()`; only when that fails because the document exists does a
 * transaction check whether it has expired and may be replaced (rare, never contended).
 *
 * Every Firestore call is bounded by the client's deadline (firestore-client.ts), retries
 * included, and fails UNAVAILABLE past it. A write past its deadline may still land; unlike
 * record commits, nothing here tells such a write apart from one that failed: the sign-in
 * step that made it has failed either way.
 */
import { FieldValue, Timestamp, type CollectionReference, type DocumentReference, type DocumentSnapshot, type Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { AppError, invalidArgument } from '../errors.js';
import { withinDeadline } from '../firestore/deadline.js';
import { callDeadlineMs } from '../firestore/firestore-client.js';
import { ALREADY_EXISTS, FAILED_PRECONDITION, NOT_FOUND, firestoreCodeOf, firestoreError } from '../firestore/firestore-errors.js';
import { AUTH_STATE_KINDS, type AuthStateKind, type AuthStateStore } from './auth-state-store.js';

export interface FirestoreAuthStateStoreOptions {
  /**
   * Prepended to the collection name (e.g. `staging_` → `staging_authState`), to share one
   * database. The TTL policy in firestore.indexes.json covers the unprefixed name only.
   */
  readonly collectionPrefix?: string;
}

/** The same rule as the local store's; keeps document ids short and free of `/`. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

const docSchema = z.object({
  kind: z.enum(AUTH_STATE_KINDS),
  value: z.string(),
  expiresAt: z.instanceof(Timestamp).nullable(),
});

export class FirestoreAuthStateStore implements AuthStateStore {
  private readonly entries: CollectionReference;
  private readonly deadlineMs: number;

  constructor(private readonly db: Firestore, options: FirestoreAuthStateStoreOptions = {}) {
    this.entries = db.collection(`${options.collectionPrefix ?? ''}authState`);
    this.deadlineMs = callDeadlineMs(db);
  }

  async create(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void> {
    const ref = this.ref(kind, key);
    const data = toDoc(kind, value, expiresAt);
    try {
      await withinDeadline(this.deadlineMs, () => ref.create(data));
      return;
    } catch (err) {
      if (firestoreCodeOf(err) !== ALREADY_EXISTS) throw authStateStoreError(err);
    }
    await this.guard(() =>
      this.db.runTransaction(async (tx) => {
        if (liveValue(await tx.get(ref)) !== undefined) throw alreadyExists();
        tx.set(ref, data);
      }),
    );
  }

  async get(kind: AuthStateKind, key: string): Promise<object | undefined> {
    const ref = this.ref(kind, key);
    return liveValue(await this.guard(() => ref.get()));
  }

  async take(kind: AuthStateKind, key: string): Promise<object | undefined> {
    const ref = this.ref(kind, key);
    const snapshot = await this.guard(() => ref.get());
    if (!snapshot.exists || snapshot.updateTime === undefined) return undefined;
    const value = liveValue(snapshot);
    // Deleted only if unchanged since read: of concurrent takes, exactly one succeeds.
    // Expired or not, the document is of no more use.
    const won = await this.guard(() =>
      ref.delete({ lastUpdateTime: snapshot.updateTime }).then(
        () => true,
        (err: unknown) => {
          if (firestoreCodeOf(err) === FAILED_PRECONDITION || firestoreCodeOf(err) === NOT_FOUND) return false;
          throw err;
        },
      ),
    );
    return won ? value : undefined;
  }

  async put(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void> {
    const ref = this.ref(kind, key);
    const data = toDoc(kind, value, expiresAt);
    await this.guard(() => ref.set(data));
  }

  async delete(kind: AuthStateKind, key: string): Promise<void> {
    const ref = this.ref(kind, key);
    await this.guard(() => ref.delete());
  }

  /** Runs one Firestore call within the deadline, its failures as AppErrors. */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(this.deadlineMs, call);
    } catch (err) {
      throw authStateStoreError(err);
    }
  }

  private ref(kind: AuthStateKind, key: string): DocumentReference {
    if (!AUTH_STATE_KINDS.includes(kind)) throw new Error(`not an auth state kind: ${JSON.stringify(kind)}`);
    if (!KEY_PATTERN.test(key)) throw invalidArgument('That sign-in key is not valid.');
    return this.entries.doc(`${kind}_${key}`);
  }
}

function toDoc(kind: AuthStateKind, value: object, expiresAt: Date | undefined) {
  return {
    kind,
    value: JSON.stringify(value),
    expiresAt: expiresAt === undefined ? null : Timestamp.fromDate(expiresAt),
    createdAt: FieldValue.serverTimestamp(),
  };
}

/** The stored value, or undefined if there is none or it has expired. */
function liveValue(snapshot: DocumentSnapshot): object | undefined {
  const data = snapshot.data();
  if (data === undefined) return undefined;
  const doc = docSchema.safeParse(data);
  const value = doc.success ? parseJson(doc.data.value) : undefined;
  if (!doc.success || typeof value !== 'object' || value === null) {
    throw new AppError('INTERNAL', 'A stored sign-in entry could not be read.', { cause: doc.error });
  }
  const expiresAt = doc.data.expiresAt;
  return expiresAt === null || expiresAt.toMillis() > Date.now() ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function alreadyExists(): AppError {
  return new AppError('INTERNAL', 'A sign-in entry with that key exists already.');
}

export function authStateStoreError(err: unknown): AppError {
  return firestoreError(err, 'sign-in store');
}
