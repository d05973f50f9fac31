/**
 * Page cursors: opaque to clients, a position in "newest first" order inside. Both stores
 * use the same encoding, so a cursor survives a switch of store.
 */
import { z } from 'zod';
import { invalidArgument } from '../errors.js';
import { IMAGE_NAME_PATTERN, type ImageName } from '../core/names.js';

export interface PagePosition {
  readonly createdAt: string;
  readonly name: ImageName;
}

const positionSchema = z.object({ c: z.string().max(40), n: z.string().regex(IMAGE_NAME_PATTERN) });

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt, n: position.name })).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  try {
    const parsed = positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { createdAt: parsed.c, name: parsed.n as ImageName };
  } catch {
    throw invalidArgument('The page cursor is not valid; start again from the first page.');
  }
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
