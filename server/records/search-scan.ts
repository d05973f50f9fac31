/**
 * How a search call reads a user's records, the same for every record store: newest first
 * from the cursor, chunk by chunk, keeping those that match, until `limit` match or
 * `scanLimit` records have been read. Where it stopped is the next cursor, so the next call
 * misses nothing and repeats nothing.
 */
import type { PagePosition } from './cursor.js';

export interface ScanChunk<T> {
  /** Newest first, after the position asked for. */
  readonly items: readonly T[];
  /** True when there is nothing after these. */
  readonly exhausted: boolean;
}

export interface ScanRequest<T> {
  readonly limit: number;
  readonly scanLimit: number;
  /** The first read; small, so that a search whose words are common answers from one short read. */
  readonly firstChunkSize: number;
  /** Every later read (few round trips for a search whose words are rare). */
  readonly chunkSize: number;
  readonly after: PagePosition | undefined;
  readChunk(after: PagePosition | undefined, size: number): Promise<ScanChunk<T>>;
  positionOf(item: T): PagePosition;
  matches(item: T): boolean;
}

/** The matches, and where to go on from (absent when the records ran out). */
export async function scanForMatches<T>(request: ScanRequest<T>): Promise<{ matches: T[]; next?: PagePosition }> {
  const found: T[] = [];
  let scanned = 0;
  let at = request.after;
  while (scanned < request.scanLimit) {
    const size = Math.min(scanned === 0 ? request.firstChunkSize : request.chunkSize, request.scanLimit - scanned);
    const chunk = await request.readChunk(at, size);
    for (const [index, item] of chunk.items.entries()) {
      scanned++;
      if (!request.matches(item)) continue;
      found.push(item);
      if (found.length === request.limit) {
        const more = index < chunk.items.length - 1 || !chunk.exhausted;
        return more ? { matches: found, next: request.positionOf(item) } : { matches: found };
      }
    }
    const last = chunk.items.at(-1);
    if (chunk.exhausted || last === undefined) return { matches: found };
    at = request.positionOf(last);
  }
  return at === undefined ? { matches: found } : { matches: found, next: at };
}

/** A chunk of an array that is already newest first (the local store's index). */
export function chunkOf<T extends PagePosition>(sorted: readonly T[], after: PagePosition | undefined, size: number, compare: (a: PagePosition, b: PagePosition) => number): ScanChunk<T> {
  const start = after === undefined ? 0 : sorted.findIndex((p) => compare(p, after) > 0);
  if (start < 0) return { items: [], exhausted: true };
  const items = sorted.slice(start, start + size);
  return { items, exhausted: start + size >= sorted.length };
}
