/**
 * Records on local disk, in the original server's layout: a sidecar `{id}.json` beside each
 * `{id}.png`, and `prefs.json` (`{ "<email>": { "model": "pro" } }`, as the original wrote
 * it); plus `totals.json` so totals never need a scan of every sidecar. One process owns the
 * directory: writes to the shared files run one at a time, and the per-user index used for
 * paging is built once from the sidecars and kept up to date in memory.
 *
 * Order of a commit: sidecar, then totals. A crash between the two leaves a record that
 * the totals do not count yet (never the reverse); see docs/data-model.md.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, idOf, type ImageName } from '../core/names.js';
import { MODEL_ALIASES } from '../core/models.js';
import { addGeneration, emptyTotals, withUnrecordedSpend, type UserTotals } from '../core/totals.js';
import { AppError } from '../errors.js';
import { createFileAtomic, createSerialQueue, directoryOnce, readFileIfExists, writeFileAtomic } from '../local/atomic-file.js';
import { checkPageLimit, compareNewestFirst, decodeCursor, encodeCursor, type PagePosition } from './cursor.js';
import { generationRecordSchema } from './record-schema.js';
import { MAX_PAGE_SIZE, type GenerationPage, type GenerationRecord, type RecordStore, type UserPrefs } from './record-store.js';

const modelTotals = z.object({ imageCount: z.number(), costUsd: z.number() });
const totalsFileSchema = z.object({
  version: z.literal(1),
  users: z.record(
    z.string(),
    z.object({
      email: z.string(),
      imageCount: z.number(),
      costUsd: z.number(),
      byModel: z.partialRecord(z.enum(MODEL_ALIASES), modelTotals),
      lastGenerationAt: z.string().optional(),
      unrecordedCostUsd: z.number().nonnegative().optional(),
    }),
  ),
});
// The original's shape; entries it could not parse are ignored, as it did.
const prefsFileSchema = z.record(z.string(), z.unknown());
const prefsEntrySchema = z.object({ model: z.enum(MODEL_ALIASES) });

export type TotalsFile = z.infer<typeof totalsFileSchema>;
type PrefsFile = z.infer<typeof prefsFileSchema>;

const SIDECAR_PATTERN = /^[0-9a-f]{32}\.json$/;

export class LocalRecordStore implements RecordStore {
  private readonly serially = createSerialQueue();
  /** email → positions of that user's records, newest first. */
  private index: Promise<Map<string, PagePosition[]>> | undefined;

  private readonly ensureRoot: () => Promise<void>;

  constructor(private readonly root: string) {
    this.ensureRoot = directoryOnce(root);
  }

  async commit(record: GenerationRecord): Promise<void> {
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
        await this.writeTotals({ ...totals, users: { ...totals.users, [parsed.email]: addGeneration(user, parsed) } });
      } catch (err) {
        await rm(sidecar, { force: true });
        throw err;
      }
      insertSorted(index, parsed.email, parsed);
    });
  }

  async get(name: ImageName): Promise<GenerationRecord | undefined> {
    const text = await readFileIfExists(this.sidecarPath(name));
    if (text === undefined) return undefined;
    return generationRecordSchema.parse(JSON.parse(text));
  }

  async listByUser(email: string, page: { limit: number; cursor?: string }): Promise<GenerationPage> {
    checkPageLimit(page.limit, MAX_PAGE_SIZE);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const positions = (await this.loadIndex()).get(email) ?? [];
    const start = after === undefined ? 0 : positions.findIndex((p) => compareNewestFirst(p, after) > 0);
    const slice = start < 0 ? [] : positions.slice(start, start + page.limit);
    const records = (await Promise.all(slice.map((p) => this.get(p.name)))).filter((r): r is GenerationRecord => r !== undefined);
    const last = slice.at(-1);
    const more = start >= 0 && start + page.limit < positions.length;
    return more && last ? { records, nextCursor: encodeCursor(last) } : { records };
  }

  async listSince(since: string): Promise<GenerationRecord[]> {
    const positions = [...(await this.loadIndex()).values()].flat().filter((p) => p.createdAt >= since).sort(compareNewestFirst);
    const records = await Promise.all(positions.map((p) => this.get(p.name)));
    return records.filter((r): r is GenerationRecord => r !== undefined);
  }

  async remove(name: ImageName): Promise<void> {
    const index = await this.loadIndex();
    await this.serially(async () => {
      const record = await this.get(name);
      if (!record) return;
      await rm(this.sidecarPath(name), { force: true });
      const positions = index.get(record.email) ?? [];
      index.set(record.email, positions.filter((p) => p.name !== name));
    });
  }

  async totals(email: string): Promise<UserTotals> {
    const totals = await this.readTotals();
    return totals.users[email] ?? emptyTotals(email);
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
    return Object.values(totals.users).sort((a, b) => a.email.localeCompare(b.email));
  }

  async prefs(email: string): Promise<UserPrefs> {
    const entry = prefsEntrySchema.safeParse((await this.readPrefs())[email]);
    return entry.success ? { defaultModel: entry.data.model } : {};
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

  private async readPrefs(): Promise<PrefsFile> {
    const text = await readFileIfExists(this.file('prefs.json'));
    return text === undefined ? {} : prefsFileSchema.parse(JSON.parse(text));
  }

  /** Built once, on first need, from every sidecar; unreadable sidecars are left out. */
  private loadIndex(): Promise<Map<string, PagePosition[]>> {
    this.index ??= (async () => {
      const index = new Map<string, PagePosition[]>();
      const files = await readdir(this.root).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [] as string[];
        throw err;
      });
      for (const file of files.filter((f) => SIDECAR_PATTERN.test(f))) {
        const record = await this.get(`${file.slice(0, 32)}.png` as ImageName).catch(() => undefined);
        if (!record) continue;
        const positions = index.get(record.email) ?? [];
        positions.push({ createdAt: record.createdAt, name: record.name });
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

  private file(base: string): string {
    return path.join(this.root, base);
  }

}

function insertSorted(index: Map<string, PagePosition[]>, email: string, position: PagePosition): void {
  const positions = index.get(email) ?? [];
  const at = positions.findIndex((p) => compareNewestFirst(p, position) > 0);
  const entry = { createdAt: position.createdAt, name: position.name };
  if (at < 0) positions.push(entry);
  else positions.splice(at, 0, entry);
  index.set(email, positions);
}
