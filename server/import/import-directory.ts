/**
 * The import use-case: load a directory written by the original Python server (or by this
 * server's local store) into the configured stores. Idempotent: a record that exists is
 * left alone, so running it twice changes nothing. Every entry it does not import is
 * reported with the reason, and each user's spend is weighed against the original's
 * cumulative ledger (spend.json; see spend-ledger.ts).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Catalogue } from '../core/models.js';
import type { ImageName } from '../core/names.js';
import { addUsd } from '../core/totals.js';
import { toAppError } from '../errors.js';
import { deriveImages } from '../generation/image-derivatives.js';
import type { ImageStore } from '../images/image-store.js';
import type { GenerationRecord, RecordStore } from '../records/record-store.js';
import { classifyEntry, entryLabel, type EntryType } from './directory-entries.js';
import { readPrefsFile, readSidecar } from './sidecar.js';
import { SPEND_FILE, readSpendLedger, reconcileSpend, type SidecarSpend, type SpendLedger, type UserSpend } from './spend-ledger.js';

export interface ImportDeps {
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly catalogue: Catalogue;
}

export interface ImportReport {
  imported: number;
  alreadyPresent: number;
  prefsImported: number;
  /** Entries left out, each with why: nothing was written for them. */
  skipped: { file: string; reason: string }[];
  /** Writes that failed: the run should be repeated once the cause is fixed. */
  failed: { file: string; reason: string }[];
  spend: SpendReport;
}

export interface SpendReport {
  /** spend.json: read and used, not in the directory, or refused (then every user's spend is their sidecars' sum). */
  readonly ledger: 'used' | 'absent' | 'malformed';
  /** What is wrong with spend.json, when it was refused. */
  readonly problems: readonly string[];
  /**
   * Every user with an imported image or with spend in spend.json, by email. With the ledger
   * used, each user's `unrecordedUsd` is now the stores' unrecorded spend for them.
   */
  readonly users: readonly UserSpend[];
}

type Outcome = { counted: GenerationRecord } | { skipped: string; image?: string } | { failed: string };

export async function importDirectory(dir: string, deps: ImportDeps, onRecord: (done: number, total: number) => void = () => {}): Promise<ImportReport> {
  const report: ImportReport = {
    imported: 0,
    alreadyPresent: 0,
    prefsImported: 0,
    skipped: [],
    failed: [],
    spend: { ledger: 'absent', problems: [], users: [] },
  };
  const skip = (file: string, reason: string) => void report.skipped.push({ file, reason });

  const sidecars: string[] = [];
  const images = new Set<string>();
  let hasPrefs = false;
  let hasSpend = false;
  for (const { name, type } of await listEntries(dir)) {
    const entry = classifyEntry(name, type);
    if (entry.kind === 'skip') skip(entryLabel(name, type), entry.reason);
    else if (entry.kind === 'sidecar') sidecars.push(entry.id);
    else if (entry.kind === 'image') images.add(entry.id);
    else if (entry.kind === 'prefs') hasPrefs = true;
    else hasSpend = true;
  }
  const withSidecar = new Set(sidecars);
  for (const id of images) if (!withSidecar.has(id)) skip(`${id}.png`, 'no sidecar, so no record of who made it');

  const perUser = new Map<string, SidecarSpend>();
  for (const [i, id] of sidecars.entries()) {
    const outcome = await importOne(dir, id, images.has(id), deps, report);
    if ('counted' in outcome) {
      const { email, costUsd } = outcome.counted;
      const user = perUser.get(email) ?? { imageCount: 0, costUsd: 0 };
      perUser.set(email, { imageCount: user.imageCount + 1, costUsd: addUsd(user.costUsd, costUsd) });
    } else if ('skipped' in outcome) {
      skip(`${id}.json`, outcome.skipped);
      if (images.has(id)) skip(`${id}.png`, outcome.image ?? `not imported: its sidecar ${id}.json was skipped`);
    } else {
      report.failed.push({ file: `${id}.json`, reason: outcome.failed });
    }
    onRecord(i + 1, sidecars.length);
  }

  if (hasPrefs) await importPrefs(path.join(dir, 'prefs.json'), deps.records, report);

  let ledger: SpendLedger | undefined;
  if (hasSpend) {
    const read = await readLedger(path.join(dir, SPEND_FILE));
    if (read.ok) ledger = read.ledger;
    else {
      report.spend = { ...report.spend, ledger: 'malformed', problems: read.problems };
      skip(SPEND_FILE, `malformed, so every user's spend is the sum of their sidecars: ${read.problems.join('; ')}`);
    }
  }
  report.spend = { ...report.spend, ledger: ledger ? 'used' : report.spend.ledger, users: reconcileSpend(ledger, perUser) };
  // The ledger's spend on images no longer present, as each user's unrecorded spend: set, not
  // added, so running the import again changes nothing. Without a usable ledger it is left alone.
  if (ledger) {
    for (const user of report.spend.users) {
      await deps.records.setUnrecordedSpend(user.email, user.unrecordedUsd).catch((err: unknown) => {
        report.failed.push({ file: SPEND_FILE, reason: `the spend of ${user.email} could not be written (${toAppError(err).publicMessage})` });
      });
    }
  }
  return report;
}

/** The directory's entries by name, symbolic links followed. */
async function listEntries(dir: string): Promise<{ name: string; type: EntryType }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const typed = await Promise.all(
    entries.map(async (e) => {
      const target = e.isSymbolicLink() ? await stat(path.join(dir, e.name)).catch(() => undefined) : e;
      const type: EntryType = target?.isFile() ? 'file' : target?.isDirectory() ? 'directory' : 'other';
      return { name: e.name, type };
    }),
  );
  return typed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function importOne(dir: string, id: string, hasImage: boolean, deps: ImportDeps, report: ImportReport): Promise<Outcome> {
  const name = `${id}.png` as ImageName;

  let text: string;
  try {
    text = await readFile(path.join(dir, `${id}.json`), 'utf8');
  } catch (err) {
    return { skipped: `could not be read (${errorCode(err)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { skipped: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const sidecar = readSidecar(json, name, deps.catalogue);
  if (!sidecar.ok) return { skipped: sidecar.reason };

  try {
    const existing = await deps.records.get(name);
    if (existing) {
      report.alreadyPresent += 1;
      return { counted: existing };
    }
  } catch (err) {
    return { failed: `the existing record could not be read (${describe(err)})` };
  }

  if (!hasImage) return { skipped: `its image ${name} is missing` };
  let derived: Awaited<ReturnType<typeof deriveImages>>;
  try {
    derived = await deriveImages(await readFile(path.join(dir, name)));
  } catch {
    return { skipped: `its image ${name} is not a readable image`, image: 'not a readable image' };
  }

  let savedImage = false;
  try {
    // An earlier run may have stored the image and stopped before the record.
    if (!(await deps.images.stat(name, 'image'))) {
      await deps.images.save(name, { png: derived.png, thumbnail: derived.thumbnail });
      savedImage = true;
    }
    const record = { ...sidecar.record, width: derived.width, height: derived.height, bytes: derived.png.length };
    await deps.records.commit(record);
    report.imported += 1;
    return { counted: record };
  } catch (err) {
    if (savedImage) await deps.images.remove(name).catch(() => {});
    return { failed: describe(err) };
  }
}

async function importPrefs(file: string, records: RecordStore, report: ImportReport): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? `not valid JSON (${err.message})` : `could not be read (${errorCode(err)})`;
    return void report.skipped.push({ file: 'prefs.json', reason });
  }
  const { prefs, problems } = readPrefsFile(json);
  for (const problem of problems) report.skipped.push({ file: 'prefs.json', reason: problem });
  for (const { email, defaultModel } of prefs) {
    // A default chosen since (in the dashboard) wins over the old one.
    if ((await records.prefs(email)).defaultModel !== undefined) continue;
    await records.setPrefs(email, { defaultModel });
    report.prefsImported += 1;
  }
}

async function readLedger(file: string): Promise<ReturnType<typeof readSpendLedger>> {
  try {
    return readSpendLedger(await readFile(file, 'utf8'));
  } catch (err) {
    return { ok: false, problems: [`could not be read (${errorCode(err)})`] };
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}

function describe(err: unknown): string {
  const appError = toAppError(err);
  return appError.status === 'INTERNAL' && err instanceof Error ? err.message : appError.publicMessage;
}
