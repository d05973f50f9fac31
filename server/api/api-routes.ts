/**
 * The dashboard's JSON API under /api. Every request carries a Firebase ID token; the server
 * decides who the caller is (verified Google email on the allow-list) and whether they are an
 * admin. Non-admins see only their own data. Errors are JSON: `{ error, message }`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { EMAIL_PATTERN, canSeeRecord, isListed, LOCAL_CALLER, normalizeEmail, notAllowedMessage, type Caller } from '../core/access.js';
import { effectiveLimit, monthOf, monthResetsAt } from '../core/budget.js';
import { MODEL_ALIASES, chooseModel, type Catalogue } from '../core/models.js';
import { isImageName, thumbnailNameOf } from '../core/names.js';
import { addUsd } from '../core/totals.js';
import { summarizeUsage, usageWindowStart } from '../core/usage.js';
import { AppError, httpStatusOf, invalidArgument, notFound, requestBodyError, toAppError } from '../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import { MAX_PAGE_SIZE, type GenerationRecord, type RecordStore, type UserBudget } from '../records/record-store.js';
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
  /** Every user's monthly limit in USD unless an admin set theirs (IMG_MONTHLY_BUDGET_USD); none if absent. */
  readonly monthlyBudgetUsd?: number;
  readonly now?: () => Date;
}

/** A user's monthly budget as the dashboard shows it. */
export interface BudgetView {
  /** The limit that applies (the user's own, else the deployment's default); null: no limit. */
  readonly limitUsd: number | null;
  readonly spentUsd: number;
  /** Held by generations in progress. */
  readonly reservedUsd: number;
  /** `YYYY-MM` (UTC). */
  readonly month: string;
  /** ISO 8601: the first instant of the next month, UTC. */
  readonly resetsAt: string;
}

/** What an admin set for a user: USD, null (no limit), or 'default' (the deployment's default applies). */
export type BudgetSetting = number | null | 'default';

export const MAX_BUDGET_USD = 100_000;
const BUDGET_FORMS =
  `Send {"limitUsd": <US dollars from 0 to ${MAX_BUDGET_USD}, at most 2 decimals>}, ` +
  '{"limitUsd": null} for no limit, or {"default": true} for the deployment’s default.';

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
  const thisMonth = () => monthOf((deps.now?.() ?? new Date()).toISOString());
  const budgetView = ({ setting, spend }: UserBudget): BudgetView => ({
    limitUsd: effectiveLimit(setting, deps.monthlyBudgetUsd) ?? null,
    spentUsd: spend.spentUsd,
    reservedUsd: spend.reservedUsd,
    month: spend.month,
    resetsAt: monthResetsAt(spend.month),
  });
  const budgetOf = async (email: string): Promise<BudgetView> => budgetView((await records.userBudgets(thisMonth(), email))[0]!);

  router.get('/api/me', asyncHandler(async (_req, res) => {
    const caller = callerIn(res);
    const [prefs, current, budget] = await Promise.all([records.prefs(caller.email), deps.models.current(), budgetOf(caller.email)]);
    res.json({
      email: caller.email,
      isAdmin: caller.isAdmin,
      defaultModel: chooseModel(catalogue, undefined, prefs.defaultModel).alias,
      mcpUrl: deps.mcpUrl,
      budget,
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
    // One read per user (and one for the jobs in flight), whatever the number of images.
    const users = await records.userBudgets(thisMonth(), caller.isAdmin ? undefined : caller.email);
    const rows = users.map((u) => {
      const budgetSetting: BudgetSetting | undefined = caller.isAdmin ? (u.setting === undefined ? 'default' : u.setting) : undefined;
      const { email, imageCount, costUsd } = u.totals;
      return { email, imageCount, costUsd, budget: budgetView(u), ...(budgetSetting === undefined ? {} : { budgetSetting }) };
    });
    const total = rows.reduce((sum, r) => ({ imageCount: sum.imageCount + r.imageCount, costUsd: addUsd(sum.costUsd, r.costUsd) }), { imageCount: 0, costUsd: 0 });
    res.json({ users: rows, total });
  }));

  // Admins only, checked before the body is read: anyone else gets 403 whatever they send.
  const adminOnly = (_req: Request, res: Response, next: NextFunction) =>
    next(callerIn(res).isAdmin ? undefined : new AppError('PERMISSION_DENIED', 'Only admins can set budgets.'));
  router.put('/api/users/:email/budget', adminOnly, express.json({ limit: '4kb' }), asyncHandler(async (req, res) => {
    const caller = callerIn(res);
    const email = normalizeEmail(String(req.params.email ?? ''));
    if (email.length > 320 || !EMAIL_PATTERN.test(email)) throw invalidArgument(`${JSON.stringify(email.slice(0, 80))} is not an email address: use /api/users/{email}/budget.`);
    const limitUsd = parseBudgetBody(req.body);
    await records.setBudget(email, limitUsd);
    logger.info('budget set', { email, by: caller.email, limitUsd: limitUsd === undefined ? 'default' : limitUsd });
    res.json(await budgetOf(email));
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

/**
 * The body of PUT /api/users/{email}/budget: USD (cents at most), null for no limit, or
 * undefined for the deployment's default (`{"default": true}`).
 */
export function parseBudgetBody(body: unknown): number | null | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidArgument(`The body must be a JSON object. ${BUDGET_FORMS}`);
  const keys = Object.keys(body);
  const fields = body as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'default') {
    if (fields.default === true) return undefined;
    throw invalidArgument(`default must be true. ${BUDGET_FORMS}`);
  }
  if (keys.length !== 1 || keys[0] !== 'limitUsd') throw invalidArgument(`The body must have exactly one field, limitUsd or default. ${BUDGET_FORMS}`);
  const limitUsd = fields.limitUsd;
  if (limitUsd === null) return null;
  if (typeof limitUsd !== 'number' || !Number.isFinite(limitUsd) || limitUsd < 0 || limitUsd > MAX_BUDGET_USD) {
    throw invalidArgument(`limitUsd must be a number from 0 to ${MAX_BUDGET_USD}, or null. ${BUDGET_FORMS}`);
  }
  // Whole cents (the float nearest to 0.29 × 100 is not an integer, hence the tolerance).
  const cents = limitUsd * 100;
  if (Math.abs(cents - Math.round(cents)) > 1e-6) throw invalidArgument(`limitUsd has at most 2 decimals (whole cents). ${BUDGET_FORMS}`);
  return Math.round(cents) / 100;
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
