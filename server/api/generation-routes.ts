/**
 * The dashboard's images: GET /api/generations (a page, searched and filtered), its summary,
 * one image, and DELETE. A user sees only their own images; an admin anyone's.
 */
import type express from 'express';
import { canSeeRecord, type Caller } from '../core/access.js';
import { isImageName } from '../core/names.js';
import { isEmptyFilter } from '../core/search.js';
import { AppError, notFound } from '../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import type { RecordStore } from '../records/record-store.js';
import { asyncHandler, callerIn } from './api-handler.js';
import type { GenerationPage, GenerationSummary } from './api-types.js';
import { parsePageQuery, parseSummaryQuery } from './generation-query.js';
import { referenceViews, toGeneration, toPending } from './generation-views.js';

export interface GenerationRouteDeps {
  readonly records: RecordStore;
  readonly images: ImageStore;
  readonly logger: Logger;
}

/** How long a failed generation stays in the gallery, saying why it failed. */
const FAILED_SHOWN_MS = 24 * 3_600_000;

export function addGenerationRoutes(router: express.Router, { records, images, logger }: GenerationRouteDeps): void {
  router.get('/api/generations', asyncHandler(async (req, res) => {
    const request = parsePageQuery(req.query);
    const user = whoseImages(callerIn(res), request.user);
    // The gallery's first page also shows the generations in progress. Read together with
    // the page: one that finishes between the two reads shows once (as its record), or not
    // until the next load.
    const firstPage = request.cursor === undefined && isEmptyFilter(request.filter);
    const [page, generating] = await Promise.all([
      records.listByUser(user, { limit: request.limit, ...(request.cursor ? { cursor: request.cursor } : {}), filter: request.filter }),
      firstPage ? records.listJobs(user, new Date(Date.now() - FAILED_SHOWN_MS).toISOString()) : undefined,
    ]);
    const references = await referenceViews(records, callerIn(res), page.records);
    const done = new Set(page.records.map((record) => record.name));
    res.json({
      generations: page.records.map((record) => toGeneration(record, references)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      ...(generating ? { pending: generating.filter((job) => !done.has(job.name)).map(toPending) } : {}),
    } satisfies GenerationPage);
  }));

  router.get('/api/generations/summary', asyncHandler(async (req, res) => {
    const request = parseSummaryQuery(req.query);
    const summary = await records.summarizeByUser(whoseImages(callerIn(res), request.user), request.filter);
    res.json({ imageCount: summary.imageCount, costUsd: summary.costUsd } satisfies GenerationSummary);
  }));

  router.get('/api/generations/:name', asyncHandler(async (req, res) => {
    const caller = callerIn(res);
    const record = await visibleRecord(records, caller, String(req.params.name ?? ''), 'that you can see');
    res.json(toGeneration(record, await referenceViews(records, caller, [record])));
  }));

  router.delete('/api/generations/:name', asyncHandler(async (req, res) => {
    const caller = callerIn(res);
    const record = await visibleRecord(records, caller, String(req.params.name ?? ''), 'that you can delete');
    // Record first: once it is gone no gallery shows the image, even if removing the image fails.
    await records.remove(record.name);
    await images.remove(record.name);
    logger.info('image deleted', { name: record.name, by: caller.email, owner: record.email });
    res.status(204).end();
  }));
}

/** The user whose images are asked for: the caller's own unless an admin names someone. */
function whoseImages(caller: Caller, user: string | undefined): string {
  const email = user ?? caller.email;
  if (email !== caller.email && !caller.isAdmin) throw new AppError('PERMISSION_DENIED', 'Only admins can see other users’ images.');
  return email;
}

/** The record, if it exists and the caller may see it; the same 404 for absent, malformed and not yours. */
async function visibleRecord(records: RecordStore, caller: Caller, name: string, which: string) {
  const record = isImageName(name) ? await records.get(name) : undefined;
  // Titles of others' images reveal nothing: not even whether they exist.
  if (!record || !canSeeRecord(caller, record.email)) throw notFound(`No image titled ${name.slice(0, 80)} ${which}.`);
  return record;
}
