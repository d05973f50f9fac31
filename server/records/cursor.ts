/**
 * Page cursors: opaque to clients, a position in "newest first" order inside. Both stores
 * use the same encoding, so a cursor survives a switch of store. A cursor of a search also
 * carries a short hash of whose records and which filter it pages through (its scope), so
 * that one passed with another user or filter is refused as invalid instead of silently
 * continuing a different search. Cursors of unfiltered pages carry none (list_images makes
 * those itself, from a record).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { invalidArgument } from '../errors.js';
import { IMAGE_NAME_PATTERN, type ImageName } from '../core/names.js';
import { isEmptyFilter, normalizeFilter, type RecordFilter } from '../core/search.js';

export interface PagePosition {
  readonly createdAt: string;
  readonly name: ImageName;
}

const positionSchema = z.object({ c: z.string().max(40), n: z.string().regex(IMAGE_NAME_PATTERN), s: z.string().max(32).optional() }).strict();

const INVALID = 'The page cursor is not valid; start again from the first page.';

export function encodeCursor(position: PagePosition, scope?: string): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt, n: position.name, ...(scope === undefined ? {} : { s: scope }) })).toString('base64url');
}

/** The position in `cursor`, which must have been made for `scope` (undefined: an unfiltered page). */
export function decodeCursor(cursor: string, scope?: string): PagePosition {
  let parsed: z.infer<typeof positionSchema>;
  try {
    parsed = positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalidArgument(INVALID);
  }
  if (parsed.s !== scope) throw invalidArgument('The page cursor belongs to another search; start again from the first page.');
  return { createdAt: parsed.c, name: parsed.n as ImageName };
}

/** The scope of a search's cursors: undefined without a filter, else a hash of the user and the filter. */
export function searchScope(email: string, filter: RecordFilter | undefined): string | undefined {
  if (filter === undefined || isEmptyFilter(filter)) return undefined;
  return createHash('sha256').update(JSON.stringify([email, normalizeFilter(filter)])).digest('base64url').slice(0, 12);
}

/** Newest first: later createdAt first, then the larger name (a stable tie-break). */
export function compareNewestFirst(a: PagePosition, b: PagePosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

export function checkPageLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalidArgument(`The page size must be a whole number from 1 to ${max}.`);
  }
}
