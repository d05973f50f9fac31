/**
 * The dashboard's JSON API under /api. Every request carries a Firebase ID token; the server
 * decides who the caller is (verified Google email on the allow-list) and whether they are an
 * admin. Non-admins see only their own data. Errors are JSON: `{ error, message }`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { canSeeRecord, isListed, LOCAL_CALLER, notAllowedMessage, type Caller } from '../core/access.js';
import { MODEL_ALIASES, chooseModel, type Catalogue } from '../core/models.js';
import { isImageName, thumbnailNameOf } from '../core/names.js';
import { addUsd } from '../core/totals.js';
import { summarizeUsage, usageWindowStart } from '../core/usage.js';
import { AppError, httpStatusOf, invalidArgument, notFound, requestBodyError, toAppError } from '../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import { MAX_PAGE_SIZE, type GenerationRecord, type RecordStore } from '../records/record-store.js';
import type { ModelResolver } from '../generation/model-resolver.js';
import type { IdTokenVerifier } from './id-token-verifier.js';

export type ApiAuth =
  | { readonly kind: 'disabled' }
  /** Sign-in is on but no Firebase project is configured: the API answers 503. */
  | { readonly kind: 'unconfigured' }
  | { readonly kind: 'firebase'; readonly verifier: IdTokenVerifier; readonly allowedEmails: readonly string[]; readonly adminEmails: readonly string[] };

export interface ApiDeps {
  readonly auth: ApiAuth;
  readonly records: RecordStore;
  readonly images: ImageStore;
  readonly catalogue: Catalogue;
  readonly models: ModelResolver;
  readonly logger: Logger;
  /** Where MCP clients connect; the dashboard shows it to users who have no images yet. */
  readonly mcpUrl: string;
  readonly now?: () => Date;
}

const DEFAULT_PAGE_SIZE = 24;

const pageQuery = z.object({
  user: z.string().trim().toLowerCase().max(320).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE, `limit is at most ${MAX_PAGE_SIZE}`).optional(),
  cursor: z.string().max(500).optional(),
});
const defaultModelBody = z.object({ model: z.enum(MODEL_ALIASES, { error: `model must be one of ${MODEL_ALIASES.join(', ')}` }) });

export function apiRoutes(deps: ApiDeps): express.Router {
  const router = express.Router();
  const { records, images, catalogue, logger } = deps;
  router.use('/api', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use('/api', asyncHandler(async (req, res) => {
    res.locals.caller = await callerOf(req, deps.auth);
  }));
  const callerIn = (res: Response) => res.locals.caller as Caller;

  router.get('/api/me', asyncHandler(async (_req, res) => {
    const caller = callerIn(res);
    const [prefs, current] = await Promise.all([records.prefs(caller.email), deps.models.current()]);
    res.json({
      email: caller.email,
      isAdmin: caller.isAdmin,
      defaultModel: chooseModel(catalogue, undefined, prefs.defaultModel).alias,
      mcpUrl: deps.mcpUrl,
      // Each alias as it runs now (its first served model); with none served, its first, marked unavailable.
      models: MODEL_ALIASES.map((alias) => {
        const { candidates, useFor } = catalogue[alias];
        const m = current[alias][0] ?? candidates[0];
        return { alias, id: m?.id, label: m?.label, useFor, available: current[alias].length > 0, pricesUsd: m?.pricesUsd ?? {} };
      }),
    });
  }));

  router.put('/api/me/default-model', express.json({ limit: '4kb' }), asyncHandler(async (req, res) => {
    const body = defaultModelBody.safeParse(req.body);
    if (!body.success) throw invalidArgument(body.error.issues.map((i) => i.message).join('; '));
    const caller = callerIn(res);
    await records.setPrefs(caller.email, { defaultModel: body.data.model });
    res.json({ defaultModel: body.data.model });
  }));

  router.get('/api/costs', asyncHandler(async (_req, res) => {
    const caller = callerIn(res);
    const users = caller.isAdmin ? await records.allTotals() : [await records.totals(caller.email)];
    const rows = users.map((u) => ({ email: u.email, imageCount: u.imageCount, costUsd: u.costUsd }));
    const total = rows.reduce((sum, r) => ({ imageCount: sum.imageCount + r.imageCount, costUsd: addUsd(sum.costUsd, r.costUsd) }), { imageCount: 0, costUsd: 0 });
    res.json({ users: rows, total });
  }));

  router.get('/api/generations', asyncHandler(async (req, res) => {
    const query = pageQuery.safeParse(req.query);
    if (!query.success) throw invalidArgument(query.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
    const caller = callerIn(res);
    const user = query.data.user ?? caller.email;
    if (user !== caller.email && !caller.isAdmin) throw new AppError('PERMISSION_DENIED', 'Only admins can see other users’ images.');
    const page = await records.listByUser(user, { limit: query.data.limit ?? DEFAULT_PAGE_SIZE, cursor: query.data.cursor });
    res.json({ generations: page.records.map(toView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  }));

  router.get('/api/usage', asyncHandler(async (_req, res) => {
    if (!callerIn(res).isAdmin) throw new AppError('PERMISSION_DENIED', 'Only admins can see the usage of every user.');
    const now = deps.now?.() ?? new Date();
    const [totals, recent] = await Promise.all([records.allTotals(), records.listSince(usageWindowStart(now))]);
    res.json(summarizeUsage(totals, recent, now));
  }));

  router.delete('/api/generations/:name', asyncHandler(async (req, res) => {
    const caller = callerIn(res);
    const name = String(req.params.name ?? '');
    const record = isImageName(name) ? await records.get(name) : undefined;
    // The same answer for absent and not-yours: titles of others' images reveal nothing.
    if (!record || !canSeeRecord(caller, record.email)) throw notFound(`No image titled ${name.slice(0, 80)} that you can delete.`);
    // Record first: once it is gone no gallery shows the image, even if removing the image fails.
    await records.remove(record.name);
    await images.remove(record.name);
    logger.info('image deleted', { name: record.name, by: caller.email, owner: record.email });
    res.status(204).end();
  }));

  router.use('/api', (_req, _res, next) => next(notFound('No such API endpoint.')));
  router.use('/api', (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = requestBodyError(err) ?? toAppError(err);
    if (appError.status === 'INTERNAL') logger.error('API request failed', { path: req.path, err });
    if (appError.status === 'UNAUTHENTICATED') res.set('WWW-Authenticate', 'Bearer');
    res.status(httpStatusOf(appError)).json({ error: appError.status.toLowerCase(), message: appError.publicMessage });
  });
  return router;
}

async function callerOf(req: Request, auth: ApiAuth): Promise<Caller> {
  if (auth.kind === 'disabled') return LOCAL_CALLER;
  if (auth.kind === 'unconfigured') {
    throw new AppError('UNAVAILABLE', 'The dashboard’s sign-in is not configured on this server (IMG_FIREBASE_PROJECT).');
  }
  const header = req.get('authorization') ?? '';
  const token = /^Bearer (\S+)$/i.exec(header)?.[1];
  if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in first: send the Firebase ID token as "Authorization: Bearer <token>".');
  const identity = await auth.verifier.verify(token);
  if (identity.provider !== 'google.com') throw new AppError('PERMISSION_DENIED', 'Sign in with a Google account.');
  if (!identity.emailVerified || !identity.email) {
    throw new AppError('PERMISSION_DENIED', `Google has not verified the address ${identity.email || '(none)'}; only verified addresses can use the dashboard.`);
  }
  const isAdmin = isListed(auth.adminEmails, identity.email);
  if (!isAdmin && !isListed(auth.allowedEmails, identity.email)) throw new AppError('PERMISSION_DENIED', notAllowedMessage(identity.email));
  return { email: identity.email, isAdmin, isAllowed: true };
}

function toView(record: GenerationRecord) {
  return {
    name: record.name,
    email: record.email,
    prompt: record.prompt,
    createdAt: record.createdAt,
    modelAlias: record.modelAlias,
    modelId: record.modelId,
    imageSize: record.imageSize,
    aspectRatio: record.aspectRatio,
    costUsd: record.costUsd,
    width: record.width,
    height: record.height,
    // Relative: the dashboard and the images share one origin (Hosting rewrites /i/**).
    imageUrl: `/i/${record.name}`,
    thumbnailUrl: `/i/${thumbnailNameOf(record.name)}`,
  };
}

/** Express 5 passes rejected promises to the error handler; this only adds `next()` on success for middleware. */
function asyncHandler(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).then(() => {
      if (!res.headersSent) next();
    }, next);
  };
}
