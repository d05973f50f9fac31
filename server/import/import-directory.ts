/**
 * The import use-case: load a directory written by the original Python server (or by this
 * server's local store) into the configured stores. Idempotent: a record that exists is
 * left alone, so running it twice changes nothing. Bad files are skipped with a reason.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Catalogue } from '../core/models.js';
import type { ImageName } from '../core/names.js';
import { toAppError } from '../errors.js';
import { deriveImages } from '../generation/image-derivatives.js';
import type { ImageStore } from '../images/image-store.js';
import type { RecordStore } from '../records/record-store.js';
import { readPrefsFile, readSidecar } from './sidecar.js';

export interface ImportDeps {
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly catalogue: Catalogue;
}

export interface ImportReport {
  imported: number;
  alreadyPresent: number;
  prefsImported: number;
  /** Files left out, each with why: nothing was written for them. */
  skipped: { file: string; reason: string }[];
  /** Writes that failed: the run should be repeated once the cause is fixed. */
  failed: { file: string; reason: string }[];
}

const SIDECAR = /^([0-9a-f]{32})\.json$/;
const IMAGE = /^([0-9a-f]{32})\.png$/;

export async function importDirectory(dir: string, deps: ImportDeps, onRecord: (done: number, total: number) => void = () => {}): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, alreadyPresent: 0, prefsImported: 0, skipped: [], failed: [] };
  const files = (await readdir(dir)).sort();
  const sidecars = files.filter((f) => SIDECAR.test(f));
  const withSidecar = new Set(sidecars.map((f) => f.slice(0, 32)));
  for (const file of files.filter((f) => IMAGE.test(f) && !withSidecar.has(f.slice(0, 32)))) {
    report.skipped.push({ file, reason: 'no sidecar, so no record of who made it' });
  }

  for (const [i, file] of sidecars.entries()) {
    await importOne(dir, file, deps, report);
    onRecord(i + 1, sidecars.length);
  }

  if (files.includes('prefs.json')) await importPrefs(path.join(dir, 'prefs.json'), deps.records, report);
  return report;
}

async function importOne(dir: string, file: string, deps: ImportDeps, report: ImportReport): Promise<void> {
  const name = `${file.slice(0, 32)}.png` as ImageName;
  const skip = (reason: string) => void report.skipped.push({ file, reason });

  let json: unknown;
  try {
    json = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  } catch {
    return skip('not valid JSON');
  }
  const sidecar = readSidecar(json, name, deps.catalogue);
  if (!sidecar.ok) return skip(sidecar.reason);

  try {
    if (await deps.records.get(name)) {
      report.alreadyPresent += 1;
      return;
    }
  } catch (err) {
    return void report.failed.push({ file, reason: `the existing record could not be read (${describe(err)})` });
  }

  let png: Buffer;
  try {
    png = await readFile(path.join(dir, name));
  } catch {
    return skip(`its image ${name} is missing`);
  }
  let derived: Awaited<ReturnType<typeof deriveImages>>;
  try {
    derived = await deriveImages(png);
  } catch {
    return skip(`its image ${name} is not a readable image`);
  }

  let savedImage = false;
  try {
    // An earlier run may have stored the image and stopped before the record.
    if (!(await deps.images.stat(name, 'image'))) {
      await deps.images.save(name, { png: derived.png, thumbnail: derived.thumbnail });
      savedImage = true;
    }
    await deps.records.commit({ ...sidecar.record, width: derived.width, height: derived.height, bytes: derived.png.length });
    report.imported += 1;
  } catch (err) {
    if (savedImage) await deps.images.remove(name).catch(() => {});
    report.failed.push({ file, reason: describe(err) });
  }
}

async function importPrefs(file: string, records: RecordStore, report: ImportReport): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return void report.skipped.push({ file: 'prefs.json', reason: 'not valid JSON' });
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

function describe(err: unknown): string {
  const appError = toAppError(err);
  return appError.status === 'INTERNAL' && err instanceof Error ? err.message : appError.publicMessage;
}
