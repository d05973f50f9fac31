/**
 * The Photos page's uploads, one file after another: what each chosen file shows while it
 * waits, uploads, lands or is refused, and the checks made before a byte is sent. Pure. The
 * server checks again and has the last word; these only spare sending 20 MB for nothing.
 */

/** What the file picker offers: the types the server reads (HEIC by extension too, as some systems give it no type). */
export const PHOTO_ACCEPT = 'image/png,image/jpeg,image/webp,image/heic,image/heif,.heic,.heif';

export type QueuedStatus = 'waiting' | 'uploading' | 'done' | 'refused';

export interface QueuedFile {
  readonly id: number;
  /** The file's own name, as the person chose it. */
  readonly name: string;
  readonly status: QueuedStatus;
  /** Of the bytes sent, 0 to 1 (while uploading). */
  readonly fraction: number;
  /** Refused: why, for people (the server's message, or the check before sending). */
  readonly message?: string;
  /** Done: the upload's title. */
  readonly title?: string;
}

export interface UploadLimits {
  readonly maxBytes: number;
  readonly maxUploads: number;
  /** How many photos the user keeps now. */
  readonly kept: number;
}

/** Why a file need not be sent at all, or undefined when only the server can tell. */
export function refusalBeforeSending(file: { readonly size: number }, limits: UploadLimits): string | undefined {
  if (limits.kept >= limits.maxUploads) return `You keep ${limits.maxUploads} photos, the most you may keep: delete some to upload more.`;
  if (file.size > limits.maxBytes) {
    const [size, max] = [formatBytes(file.size), formatBytes(limits.maxBytes)];
    // Just over the limit both round alike: then "larger than" alone says it.
    const what = size === max ? `That file is larger than ${max}` : `That file is ${size}, more than the ${max} a photo may be`;
    return `${what}: choose a smaller photo, or export it at a lower resolution.`;
  }
  return undefined;
}

/** New queue entries for the chosen files, numbered on from `nextId`. */
export function enqueue(files: readonly { readonly name: string }[], nextId: number): QueuedFile[] {
  return files.map((file, i) => ({ id: nextId + i, name: file.name, status: 'waiting', fraction: 0 }));
}

/** The queue with one entry changed. */
export function updateEntry(queue: readonly QueuedFile[], id: number, change: Partial<Omit<QueuedFile, 'id' | 'name'>>): QueuedFile[] {
  return queue.map((entry) => (entry.id === id ? { ...entry, ...change } : entry));
}

/** What a new batch keeps of the last: files still to go (finished ones have said their piece). */
export function unfinished(queue: readonly QueuedFile[]): QueuedFile[] {
  return queue.filter((entry) => entry.status === 'waiting' || entry.status === 'uploading');
}

/** `340 KB`, `1.5 MB`, `20 MB` (binary units, as the server's limit is). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${unit}`;
}

/** An upload's original type as people know it: `JPEG`, `PNG`, `WebP`, `HEIC`. */
export function photoTypeLabel(originalType: string): string {
  const known: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', heic: 'HEIC' };
  return known[originalType] ?? originalType.toUpperCase();
}
