/**
 * The dashboard's JSON API under /api; what it answers is defined in api-types.ts. Every
 * request carries a Firebase ID token; the server decides who the caller is (verified Google
 * email on the allow-list) and whether they are an admin. Non-admins see only their own data.
 * Errors are JSON: `{ error, message }`. The images' routes are in generation-routes.ts, the
 * uploaded photos' in upload-routes.ts.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { EMAIL_PATTERN, isListed, LOCAL_CALLER, normalizeEmail, notAllowedMessage, type Caller } from '../core/access.js';
import { figuresOf, lastMonths } from '../core/activity.js';
import { effectiveLimit, monthOf, monthResetsAt } from '../core/budget.js';
import { MODEL_ALIASES, chooseModel, type Catalogue } from '../core/models.js';
import { addUsd } from '../core/totals.js';
import { summarizeUsage, usageWindowStart } from '../core/usage.js';
import { AppError, httpStatusOf, invalidArgument, notFound, requestBodyError, toAppError } from '../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import type { RecordStore, UserBudget } from '../records/record-store.js';
import type { ModelResolver } from '../generation/model-resolver.js';
import { asyncHandler, callerIn } from './api-handler.js';
import type { Budget, BudgetSetting, CostRow, Costs, Me, ModelChoice, Usage } from './api-types.js';
import { addGenerationRoutes } from './generation-routes.js';
import { addUploadRoutes } from './upload-routes.js';
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

export const MAX_BUDGET_USD = 100_000;
const BUDGET_FORMS =
  `Send {"limitUsd": <US dollars from 0 to ${MAX_BUDGET_USD}, at most 2 decimals>}, ` +
  '{"limitUsd": null} for no limit, or {"default": true} for the deployment’s default.';

export const DEFAULT_COST_MONTHS = 12;
export const MAX_COST_MONTHS = 24;
const MONTHS_ACCEPTED = `months must be a whole number from 1 to ${MAX_COST_MONTHS} (default ${DEFAULT_COST_MONTHS})`;
const costsQuery = z.object({
  months: z.coerce.number({ error: MONTHS_ACCEPTED }).int(MONTHS_ACCEPTED).min(1, MONTHS_ACCEPTED).max(MAX_COST_MONTHS, MONTHS_ACCEPTED).optional(),
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
  const now = () => deps.now?.() ?? new Date();
  const thisMonth = () => monthOf(now().toISOString());
  const budgetView = ({ setting, spend }: UserBudget): Budget => ({
    limitUsd: effectiveLimit(setting, deps.monthlyBudgetUsd) ?? null,
    spentUsd: spend.spentUsd,
    reservedUsd: spend.reservedUsd,
    month: spend.month,
    resetsAt: monthResetsAt(spend.month),
  });
  const budgetOf = async (email: string): Promise<Budget> => budgetView((await records.userBudgets(thisMonth(), email))[0]!);

  router.get('/api/me', asyncHandler(async (_req, res) => {
    const caller = callerIn(res);
    const [prefs, current, budget] = await Promise.all([records.prefs(caller.email), deps.models.current(), budgetOf(caller.email)]);
    res.json({
      email: caller.email,
      isAdmin: caller.isAdmin,
      defaultModel: chooseModel(catalogue, undefined, prefs.defaultModel).alias,
      mcpUrl: deps.mcpUrl,
      budget,
      defaultBudgetUsd: deps.monthlyBudgetUsd ?? null,
      // Each alias as it runs now (its first served model); with none served, its first, marked unavailable.
      models: MODEL_ALIASES.map((alias): ModelChoice => {
        const { candidates, useFor } = catalogue[alias];
        // Every alias has at least one candidate (the catalogue is built so).
        const m = (current[alias][0] ?? candidates[0])!;
        return { alias, id: m.id, label: m.label, useFor, available: current[alias].length > 0, pricesUsd: m.pricesUsd };
      }),
    } satisfies Me);
  }));

  router.put('/api/me/default-model', express.json({ limit: '4kb' }), asyncHandler(async (req, res) => {
    const body = defaultModelBody.safeParse(req.body);
    if (!body.success) throw invalidArgument(body.error.issues.map((i) => i.message).join('; '));
    const caller = callerIn(res);
    await records.setPrefs(caller.email, { defaultModel: body.data.model });
    res.json({ defaultModel: body.data.model });
  }));

  /**
   * An admin also sees everyone on the allow-list who has not spent yet, so that a budget can
   * be set before their first image (two reads each: their document and their jobs).
   */
  const withListedUsers = async (users: UserBudget[], caller: Caller): Promise<UserBudget[]> => {
    if (!caller.isAdmin || deps.auth.kind !== 'firebase') return users;
    const shown = new Set(users.map((u) => u.totals.email));
    const quiet = [...new Set([...deps.auth.allowedEmails, ...deps.auth.adminEmails].map(normalizeEmail))].filter((email) => !shown.has(email));
    const added = (await Promise.all(quiet.map((email) => records.userBudgets(thisMonth(), email)))).flat();
    return [...users, ...added].sort((a, b) => a.totals.email.localeCompare(b.totals.email));
  };

  router.get('/api/costs', asyncHandler(async (req, res) => {
    const query = costsQuery.safeParse(req.query);
    if (!query.success) throw invalidArgument(query.error.issues.map((i) => i.message).join('; '));
    const caller = callerIn(res);
    const months = lastMonths(now(), query.data.months ?? DEFAULT_COST_MONTHS);
    // One read per user (and one for the jobs in flight), whatever the number of images or months.
    const users = await withListedUsers(await records.userBudgets(thisMonth(), caller.isAdmin ? undefined : caller.email), caller);
    const rows = users.map((u): CostRow => {
      const budgetSetting: BudgetSetting | undefined = caller.isAdmin ? (u.setting === undefined ? 'default' : u.setting) : undefined;
      const { email, imageCount, costUsd } = u.totals;
      return {
        email,
        imageCount,
        costUsd,
        budget: budgetView(u),
        months: months.map((month) => {
          const figures = figuresOf(u.months, month);
          return { month, spentUsd: figures.costUsd, generatedCount: figures.generatedCount };
        }),
        ...(budgetSetting === undefined ? {} : { budgetSetting }),
      };
    });
    const total = rows.reduce((sum, r) => ({ imageCount: sum.imageCount + r.imageCount, costUsd: addUsd(sum.costUsd, r.costUsd) }), { imageCount: 0, costUsd: 0 });
    res.json({ users: rows, total, months } satisfies Costs);
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

  addGenerationRoutes(router, { records, images, logger });
  addUploadRoutes(router, { records, images, logger, ...(deps.now ? { now: deps.now } : {}) });

  router.get('/api/usage', asyncHandler(async (_req, res) => {
    if (!callerIn(res).isAdmin) throw new AppError('PERMISSION_DENIED', 'Only admins can see the usage of every user.');
    const at = now();
    // Cumulative day logs, one read per user: deleting an image changes none of these figures.
    const activity = await records.activity(usageWindowStart(at));
    res.json(summarizeUsage(activity, at) satisfies Usage);
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
