/**
 * HTTP semantics for serving one stored image, written once for every ImageStore:
 * validators and revalidation (RFC 9110 §13), single byte ranges (§14), HEAD, and
 * streaming without buffering. The store only answers stat and open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import parseRange from 'range-parser';
import { notFound } from '../errors.js';
import { thumbnailNameOf, type ImageName } from '../core/names.js';
import type { Logger } from '../log.js';
import type { ByteRange, ImageStore, ImageVariant, StoredObjectInfo } from './image-store.js';

export type Disposition = 'inline' | 'attachment';

export interface ServeObjectOptions {
  readonly images: ImageStore;
  readonly name: ImageName;
  readonly variant: ImageVariant;
  readonly disposition: Disposition;
  readonly logger: Logger;
}

/** Names are content-unique and never reused, so any cache may keep a response for good. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

type Plan =
  | { status: 304 }
  | { status: 416 }
  | { status: 200 }
  | { status: 206; range: ByteRange };

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** If-None-Match uses the weak comparison: `W/"x"` matches `"x"`. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const wanted = opaqueTag(etag);
  return header.split(',').some((tag) => opaqueTag(tag.trim()) === wanted);
}

/** HTTP dates have whole seconds; comparing milliseconds would never look unmodified. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function notModifiedSince(header: string, lastModified: Date): boolean {
  const since = Date.parse(header);
  return !Number.isNaN(since) && seconds(lastModified) <= Math.floor(since / 1000);
}

/** If-Range needs a strong match: the exact ETag, or exactly the Last-Modified date. */
function ifRangeHolds(header: string | undefined, info: StoredObjectInfo): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  // A weak tag never equals a strong ETag, so it correctly never holds.
  if (value.startsWith('"') || value.startsWith('W/')) return value === info.etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) === seconds(info.lastModified);
}

/** Node joins repeated headers into one string except a few; the types allow arrays. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function plan(req: IncomingMessage, info: StoredObjectInfo): Plan {
  const { headers } = req;
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (noneMatch(ifNoneMatch, info.etag)) return { status: 304 };
  } else if (headers['if-modified-since'] !== undefined && notModifiedSince(headers['if-modified-since'], info.lastModified)) {
    return { status: 304 };
  }
  // Ranges are defined for GET only; HEAD describes the whole representation.
  const rangeHeader = headers.range;
  if (req.method !== 'GET' || rangeHeader === undefined || !ifRangeHolds(singleHeader(headers['if-range']), info)) return { status: 200 };
  const ranges = parseRange(info.size, rangeHeader, { combine: true });
  if (ranges === -1) return { status: 416 };
  // Malformed headers and other units are ignored, as the RFC asks. Several disjoint
  // ranges would need multipart/byteranges; the whole image is the simplest correct answer.
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { status: 200 };
  const [only] = ranges;
  return only ? { status: 206, range: { start: only.start, end: only.end } } : { status: 200 };
}

function setValidators(res: ServerResponse, info: StoredObjectInfo): void {
  res.setHeader('ETag', info.etag);
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  res.setHeader('Cache-Control', IMMUTABLE_CACHE_CONTROL);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * Answers a GET or HEAD for one stored object. Rejects NOT_FOUND (or the store's own
 * error) before anything is written, so the caller can still send an error response;
 * once bytes flow, failures are logged and the response is cut off.
 */
export async function serveObject(req: IncomingMessage, res: ServerResponse, options: ServeObjectOptions): Promise<void> {
  const { images, name, variant, disposition, logger } = options;
  const publicName = variant === 'image' ? name : thumbnailNameOf(name);
  const info = await images.stat(name, variant);
  if (!info) throw notFound(`No image named ${publicName}.`);

  const decision = plan(req, info);
  if (decision.status === 304) {
    res.statusCode = 304;
    setValidators(res, info);
    res.end();
    return;
  }
  if (decision.status === 416) {
    // No cache headers: a shared cache must not remember an error for the whole URL.
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${info.size}`);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }

  const range = decision.status === 206 ? decision.range : undefined;
  // Opened before any header is set, so a file vanishing between stat and open still
  // gets a clean error response instead of a 200 with cache headers and no body.
  const body: Readable | undefined = req.method === 'HEAD' ? undefined : await images.open(name, variant, range);

  res.statusCode = decision.status;
  setValidators(res, info);
  res.setHeader('Content-Type', info.contentType);
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : info.size));
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
  if (disposition === 'attachment') res.setHeader('Content-Disposition', `attachment; filename="${publicName}"`);

  if (!body) {
    res.end();
    return;
  }
  try {
    await pipeline(body, res);
  } catch (err) {
    // Usually the client went away mid-download. pipeline has already destroyed both
    // streams (closing the socket and releasing the store's handle); nothing more can be
    // sent, and rethrowing would only make express try to send an error page.
    logger.warn('image stream ended early', { name: publicName, variant, error: err });
  }
}
