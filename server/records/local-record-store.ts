/**
 * Records on local disk, in the original server's layout: a sidecar `{id}.json` beside each
 * `{id}.png`, and `prefs.json`; plus `totals.json` so totals never need a scan of every
 * sidecar. One process owns the directory: writes to the shared files run one at a time.
 *
 * Order of a commit: sidecar, then totals. A crash between the two leaves a record that
 * the totals do not count yet (never the reverse); see docs/data-model.md.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, idOf, type ImageName } from '../core/names.js';
import { MODEL_ALIASES } from '../core/models.js';
import { addGeneration, emptyTotals, type UserTotals } from '../core/totals.js';
import { createSerialQueue, readFileIfExists, writeFileAtomic } from '../local/atomic-file.js';
import { generationRecordSchema } from './record-schema.js';
import type { GenerationRecord, RecordStore, UserPrefs } from './record-store.js';

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
    }),
  ),
});
const prefsFileSchema = z.record(z.string(), z.object({ defaultModel: z.enum(MODEL_ALIASES).optional() }));

export type TotalsFile = z.infer<typeof totalsFileSchema>;
type PrefsFile = z.infer<typeof prefsFileSchema>;

export class LocalRecordStore implements RecordStore {
  private readonly serially = createSerialQueue();
  private ready: Promise<void> | undefined;

  constructor(private readonly root: string) {}

  async commit(record: GenerationRecord): Promise<void> {
    const parsed = generationRecordSchema.parse(record);
    await this.ensureRoot();
    await this.serially(async () => {
      const totals = await this.readTotals();
      const sidecar = this.sidecarPath(parsed.name);
      await writeFileAtomic(sidecar, JSON.stringify(parsed, null, 2) + '\n');
      const user = totals.users[parsed.email] ?? emptyTotals(parsed.email);
      const updated: TotalsFile = { ...totals, users: { ...totals.users, [parsed.email]: addGeneration(user, parsed) } };
      try {
        await this.writeTotals(updated);
      } catch (err) {
        await rm(sidecar, { force: true });
        throw err;
      }
    });
  }

  async get(name: ImageName): Promise<GenerationRecord | undefined> {
    const text = await readFileIfExists(this.sidecarPath(name));
    if (text === undefined) return undefined;
    return generationRecordSchema.parse(JSON.parse(text));
  }

  async totals(email: string): Promise<UserTotals> {
    const totals = await this.readTotals();
    return totals.users[email] ?? emptyTotals(email);
  }

  async allTotals(): Promise<UserTotals[]> {
    const totals = await this.readTotals();
    return Object.values(totals.users).sort((a, b) => a.email.localeCompare(b.email));
  }

  async prefs(email: string): Promise<UserPrefs> {
    return (await this.readPrefs())[email] ?? {};
  }

  async setPrefs(email: string, prefs: UserPrefs): Promise<void> {
    await this.ensureRoot();
    await this.serially(async () => {
      const all = await this.readPrefs();
      await writeFileAtomic(this.file('prefs.json'), JSON.stringify({ ...all, [email]: prefs }, null, 2) + '\n');
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

  private sidecarPath(name: ImageName): string {
    // Names are validated before they get here; check again, since this builds a path.
    if (!IMAGE_NAME_PATTERN.test(name)) throw new Error(`not an image name: ${JSON.stringify(name)}`);
    return this.file(`${idOf(name)}.json`);
  }

  private file(base: string): string {
    return path.join(this.root, base);
  }

  private ensureRoot(): Promise<void> {
    this.ready ??= mkdir(this.root, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }
}
