/**
 * File writes that readers never see half-done: write a temp file in the same directory,
 * then move it into place in one step (atomic on POSIX file systems).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, rm, writeFile, rename, readFile } from 'node:fs/promises';
import path from 'node:path';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

async function viaTempFile(target: string, data: string | Buffer, place: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await place(temp);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Replaces the file, if any, with the whole of `data`. */
export function writeFileAtomic(target: string, data: string | Buffer): Promise<void> {
  return viaTempFile(target, data, (temp) => rename(temp, target));
}

/** Creates the file with the whole of `data`; rejects (EEXIST) if it exists, leaving it as it was. */
export function createFileAtomic(target: string, data: string | Buffer): Promise<void> {
  // link() refuses an existing target, where rename() would replace it.
  return viaTempFile(target, data, (temp) => link(temp, target));
}

export interface StagedFile {
  /** Gives the written data its name, as createFileAtomic does (EEXIST if taken). */
  create(): Promise<void>;
  /** Removes the temporary file; always call it, after create() too. */
  discard(): Promise<void>;
}

/**
 * Starts writing `data` beside `target` at once, so the write overlaps other work; the file
 * takes its name only at create().
 */
export function stageFile(target: string, data: Buffer): StagedFile {
  const temp = tempPathFor(target);
  // Settled into a value at once: a failed write must not go unhandled while the caller is busy.
  const written = writeFile(temp, data, { flag: 'wx' }).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  return {
    async create() {
      const err = await written;
      if (err) throw err;
      await link(temp, target);
    },
    async discard() {
      await written;
      await rm(temp, { force: true });
    },
  };
}

/** The file's text, or undefined if it does not exist. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Runs tasks one at a time, in call order; a failed task does not stop the next. */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Creates `dir` (and parents) on the first call; later calls reuse that, unless it failed. */
export function directoryOnce(dir: string): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= mkdir(dir, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };
}
