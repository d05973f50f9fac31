/**
 * OAuth state on local disk: one file per kind, `{root}/auth/{kind}.json`, holding
 * `{ "version": 1, "entries": [{ "key", "value", "expiresAt" (ISO or null), "createdAt" }] }`.
 * A list rather than an object keyed by `key`, so that no key (`__proto__` is a valid one)
 * can be mistaken for anything but data.
 *
 * One process owns the directory. Every change is read → change → atomic replace of the
 * whole file, run one at a time through a serial queue, so a `take` cannot hand one value
 * to two callers. Reads need no queue: files are only ever replaced whole. Each write also
 * drops the file's expired entries, so files do not grow with dead codes.
 */
import path from 'node:path';
import { z } from 'zod';
import { AppError, invalidArgument } from '../errors.js';
import { createSerialQueue, directoryOnce, readFileIfExists, writeFileAtomic } from '../local/atomic-file.js';
import { AUTH_STATE_KINDS, type AuthStateKind, type AuthStateStore } from './auth-state-store.js';

/** The same rule as the Firestore store's, so a key valid in one is valid in the other. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

const entrySchema = z.object({
  key: z.string(),
  value: z.custom<object>((v) => typeof v === 'object' && v !== null, 'an object'),
  expiresAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
const fileSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });
type Entry = z.infer<typeof entrySchema>;

export class LocalAuthStateStore implements AuthStateStore {
  private readonly serially = createSerialQueue();
  private readonly dir: string;
  private readonly ensureDir: () => Promise<void>;

  constructor(root: string) {
    this.dir = path.join(root, 'auth');
    this.ensureDir = directoryOnce(this.dir);
  }

  async create(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void> {
    await this.change(kind, key, (entries) => {
      if (entries.has(key)) throw alreadyExists();
      entries.set(key, newEntry(key, value, expiresAt));
      return true;
    });
  }

  async get(kind: AuthStateKind, key: string): Promise<object | undefined> {
    checkKey(key);
    const entry = (await this.read(kind)).get(key);
    return entry && isLive(entry, Date.now()) ? entry.value : undefined;
  }

  async take(kind: AuthStateKind, key: string): Promise<object | undefined> {
    let value: object | undefined;
    await this.change(kind, key, (entries) => {
      value = entries.get(key)?.value;
      return entries.delete(key);
    });
    return value;
  }

  async put(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void> {
    await this.change(kind, key, (entries) => {
      entries.set(key, newEntry(key, value, expiresAt));
      return true;
    });
  }

  async delete(kind: AuthStateKind, key: string): Promise<void> {
    await this.change(kind, key, (entries) => entries.delete(key));
  }

  /**
   * Runs `edit` on the kind's live entries (expired ones are already left out); if it
   * changed them, or some had expired, writes the file back without the expired ones.
   */
  private async change(kind: AuthStateKind, key: string, edit: (entries: Map<string, Entry>) => boolean): Promise<void> {
    checkKey(key);
    await this.ensureDir();
    await this.serially(async () => {
      const stored = await this.read(kind);
      const now = Date.now();
      const entries = new Map([...stored].filter(([, entry]) => isLive(entry, now)));
      const swept = entries.size < stored.size;
      if (!edit(entries) && !swept) return;
      const live = [...entries.values()].filter((entry) => isLive(entry, now));
      await writeFileAtomic(this.file(kind), JSON.stringify({ version: 1, entries: live }, null, 2) + '\n');
    });
  }

  private async read(kind: AuthStateKind): Promise<Map<string, Entry>> {
    const text = await readFileIfExists(this.file(kind));
    if (text === undefined) return new Map();
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new AppError('INTERNAL', 'The sign-in store could not be read.', { cause: parsed.error });
    return new Map(parsed.data.entries.map((entry) => [entry.key, entry]));
  }

  private file(kind: AuthStateKind): string {
    // The kind is typed, but it builds a path: check it at run time too.
    if (!AUTH_STATE_KINDS.includes(kind)) throw new Error(`not an auth state kind: ${JSON.stringify(kind)}`);
    return path.join(this.dir, `${kind}.json`);
  }

}

function newEntry(key: string, value: object, expiresAt: Date | undefined): Entry {
  // Through JSON now, so the value read back is the value written, whatever it held.
  const json = JSON.parse(JSON.stringify(value)) as object;
  return { key, value: json, expiresAt: expiresAt?.toISOString() ?? null, createdAt: new Date().toISOString() };
}

function isLive(entry: Entry, now: number): boolean {
  return entry.expiresAt === null || Date.parse(entry.expiresAt) > now;
}

function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key)) throw invalidArgument('That sign-in key is not valid.');
}

function alreadyExists(): AppError {
  return new AppError('INTERNAL', 'A sign-in entry with that key exists already.');
}
