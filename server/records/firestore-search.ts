/**
 * The Firestore queries of a user's gallery, its search and its summary. Model, size and
 * days are where clauses; each combination of them has its composite indexes in
 * firestore.indexes.json (the emulator checks none: test/contract/firestore-record-store.test.ts
 * checks that they are declared). Prompt words are matched in memory (core/search.ts).
 */
import { AggregateField, FieldPath, type CollectionReference, type Query, type QueryDocumentSnapshot } from '@google-cloud/firestore';
import { idOf, type ImageName } from '../core/names.js';
import { createdAtRange, foldForSearch, matchesWords, type RecordFilter } from '../core/search.js';
import type { PagePosition } from './cursor.js';
import { SEARCH_SCAN_CHUNK, SEARCH_SCAN_FIRST_CHUNK } from './record-store.js';
import { scanForMatches } from './search-scan.js';

/** The user's records narrowed by the filter's model, size and days (not its words). */
export function filteredQuery(generations: CollectionReference, email: string, filter: RecordFilter): Query {
  let query = generations.where('email', '==', email);
  if (filter.modelAlias !== undefined) query = query.where('modelAlias', '==', filter.modelAlias);
  if (filter.imageSize !== undefined) query = query.where('imageSize', '==', filter.imageSize);
  const { from, before } = createdAtRange(filter);
  if (from !== undefined) query = query.where('createdAt', '>=', from);
  if (before !== undefined) query = query.where('createdAt', '<', before);
  return query;
}

/** The query newest first, from after a position. Index: (email, [modelAlias], [imageSize], createdAt desc, __name__ desc). */
export function newestFirst(query: Query): (after: PagePosition | undefined) => Query {
  const ordered = query.orderBy('createdAt', 'desc').orderBy(FieldPath.documentId(), 'desc');
  return (after) => (after ? ordered.startAfter(after.createdAt, idOf(after.name)) : ordered);
}

/**
 * Up to `limit` records whose prompt holds every word, reading at most `scanLimit`. The scan
 * reads only what matching needs (prompt) and where it stands (createdAt); the caller reads
 * the matches whole. Still a read per record scanned, but a fraction of the bytes.
 */
export function scanForWords(
  from: (after: PagePosition | undefined) => Query,
  words: readonly string[],
  page: { limit: number; scanLimit: number; after: PagePosition | undefined },
): Promise<{ matches: QueryDocumentSnapshot[]; next?: PagePosition }> {
  return scanForMatches<QueryDocumentSnapshot>({
    ...page,
    firstChunkSize: SEARCH_SCAN_FIRST_CHUNK,
    chunkSize: SEARCH_SCAN_CHUNK,
    readChunk: async (at, size) => {
      const snapshot = await from(at).select('prompt', 'createdAt').limit(size).get();
      return { items: snapshot.docs, exhausted: snapshot.size < size };
    },
    positionOf: (doc) => ({ createdAt: String(doc.get('createdAt')), name: `${doc.id}.png` as ImageName }),
    matches: (doc) => promptMatches(doc, words),
  });
}

/** Counted and summed by Firestore from an index, about one read per 1,000 images: the summary of a filter without words. */
export async function aggregateSummary(query: Query, filter: RecordFilter): Promise<{ imageCount: number; costUsd: number }> {
  // Always a range on createdAt (from '' without a start day: every ISO time is after it), so
  // that each model/size combination needs one index, (…, createdAt asc, costUsd asc),
  // whether or not days are given.
  const ranged = createdAtRange(filter).from === undefined ? query.where('createdAt', '>=', '') : query;
  const snapshot = await ranged.aggregate({ imageCount: AggregateField.count(), costUsd: AggregateField.sum('costUsd') }).get();
  const { imageCount, costUsd } = snapshot.data();
  return { imageCount, costUsd: costUsd ?? 0 };
}

/** The costs of the records whose prompt holds every word (all of them without words), read in the gallery's order. */
export async function scannedCosts(query: Query, words: readonly string[] | undefined): Promise<number[]> {
  const snapshot = await newestFirst(query)(undefined).select('prompt', 'costUsd').get();
  return snapshot.docs.filter((doc) => words === undefined || promptMatches(doc, words)).map((doc) => Number(doc.get('costUsd') ?? 0));
}

function promptMatches(doc: QueryDocumentSnapshot, words: readonly string[]): boolean {
  return matchesWords(foldForSearch(String(doc.get('prompt') ?? '')), words);
}
