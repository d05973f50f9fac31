/**
 * createApp(deps) builds the express app from ready-made dependencies and never listens:
 * main.ts listens in production, tests on a random port with their own stores and fakes.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { apiRoutes, type ApiAuth } from './api/api-routes.js';
import type { OAuthRoutes } from './auth/auth-routes.js';
import { LOCAL_CALLER } from './core/access.js';
import type { Catalogue } from './core/models.js';
import { httpStatusOf, requestBodyError, toAppError } from './errors.js';
import { lazyMiddleware } from './lazy.js';
import type { ImageGenerator } from './gemini/image-generator.js';
import { Generations, type GenerationDeps } from './generation/generate-image.js';
import type { ModelResolver } from './generation/model-resolver.js';
import { DEFAULT_TOOL_WAIT_SECONDS } from './config.js';
import type { ImageStore } from './images/image-store.js';
import { imageRoutes } from './images/image-routes.js';
import type { Logger } from './log.js';
import { mcpRoutes, type McpRouteDeps } from './mcp/mcp-routes.js';
import { requestLog } from './ops/request-log.js';
import type { RecordStore } from './records/record-store.js';
import { iconRoutes, serverIcons } from './ui/icon-routes.js';
import { uiRoutes } from './ui/ui-routes.js';
import { UploadLinks } from './uploads/upload-links.js';
import { uploadRoutes } from './uploads/upload-routes.js';

export interface AppDeps {
  readonly publicUrl: string;
  /** Proxies in front that append to X-Forwarded-For (config `trustedProxies`); default 0, the header ignored. */
  readonly trustedProxies?: number;
  readonly catalogue: Catalogue;
  /** Which model of each alias Gemini serves now. */
  readonly models: ModelResolver;
  readonly generator: ImageGenerator;
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly logger: Logger;
  /**
   * `disabled` (IMG_AUTH_DISABLED): every caller is the local admin user. `oauth`: MCP clients
   * sign in through our OAuth server (`oauthRoutes`, built by the caller so that local mode
   * never loads it) with Google behind it; the allow-list applies.
   */
  readonly auth: { readonly kind: 'disabled' } | { readonly kind: 'oauth'; readonly routes: OAuthRoutes };
  readonly progressIntervalMs?: number;
  readonly recordDeadlineMs?: number;
  /** How long generate_image waits before answering "still generating" (config toolWaitMs). Default 45 s. */
  readonly toolWaitMs?: number;
  /** Every user's monthly limit unless an admin set theirs (config monthlyBudgetUsd). */
  readonly monthlyBudgetUsd?: number;
  /** A job's lease (tests shorten it). */
  readonly jobLeaseMs?: number;
  /** The process's generations; main.ts passes its own, to drain them on SIGTERM. */
  readonly generations?: Generations;
  /** How the dashboard API checks callers when sign-in is on (with it off, everyone is the local admin). */
  readonly dashboardAuth?: Exclude<ApiAuth, { kind: 'disabled' }>;
  /** The Google Cloud project whose Cloud Trace the request logs link to. */
  readonly traceProject?: string;
  /**
   * Reference photo uploads (upload_reference, /upload): the key that signs their links
   * (IMG_JWT_SIGNING_KEY) and who may still upload. With sign-in off, a random key per process
   * and the local user.
   */
  readonly uploads?: { readonly signingKey: string; readonly isAllowed: (email: string) => boolean };
  /** The built dashboard to serve at /ui (main.ts passes it only with sign-in disabled). */
  readonly dashboardDir?: string;
}

/**
 * On every answer: `nosniff` (a browser never guesses HTML or script from bytes we serve as
 * something else), and HSTS when the public URL is https (a browser then never tries our host
 * over plain http, where a network attacker could answer instead).
 */
function securityHeaders(publicUrl: string): RequestHandler {
  const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff' };
  if (new URL(publicUrl).protocol === 'https:') headers['Strict-Transport-Security'] = 'max-age=31536000';
  return (_req, res, next) => {
    res.set(headers);
    next();
  };
}

/** What the generation use-case needs, from the app's dependencies. */
export function generationDepsOf(deps: AppDeps): GenerationDeps {
  return {
    catalogue: deps.catalogue,
    models: deps.models,
    generator: deps.generator,
    images: deps.images,
    records: deps.records,
    publicUrl: deps.publicUrl,
    logger: deps.logger,
    ...(deps.recordDeadlineMs !== undefined ? { recordDeadlineMs: deps.recordDeadlineMs } : {}),
    ...(deps.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: deps.monthlyBudgetUsd } : {}),
    ...(deps.jobLeaseMs !== undefined ? { jobLeaseMs: deps.jobLeaseMs } : {}),
  };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip (rate limits, logs) is the address that many hops back; with 0, X-Forwarded-For is
  // ignored, so a client cannot pick its own address by sending one.
  app.set('trust proxy', deps.trustedProxies ?? 0);
  app.use(securityHeaders(deps.publicUrl));
  app.use(requestLog(deps.logger, deps.traceProject));

  app.get('/health', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });

  app.use(iconRoutes());
  app.use(imageRoutes({ images: deps.images, logger: deps.logger }));
  app.use(
    apiRoutes({
      auth: deps.auth.kind === 'disabled' ? { kind: 'disabled' } : (deps.dashboardAuth ?? { kind: 'unconfigured' }),
      records: deps.records,
      images: deps.images,
      catalogue: deps.catalogue,
      models: deps.models,
      logger: deps.logger,
      mcpUrl: `${deps.publicUrl}/mcp`,
      monthlyBudgetUsd: deps.monthlyBudgetUsd,
    }),
  );
  if (deps.dashboardDir) app.use(uiRoutes(deps.dashboardDir));

  const uploads = deps.uploads ?? (deps.auth.kind === 'disabled' ? { signingKey: randomBytes(32).toString('base64url'), isAllowed: (email: string) => email === LOCAL_CALLER.email } : undefined);
  const uploadLinks = uploads ? new UploadLinks(uploads.signingKey, deps.publicUrl) : undefined;
  if (uploads && uploadLinks) {
    app.use(uploadRoutes({ links: uploadLinks, images: deps.images, records: deps.records, isAllowed: uploads.isAllowed, logger: deps.logger }));
  }

  // MCP and sign-in answer only to the public host and loopback: a web page cannot reach
  // them through DNS rebinding. (Images may come through a CDN under other names.)
  const publicHost = new URL(deps.publicUrl).hostname;
  const loopback = ['localhost', '127.0.0.1', '[::1]'];
  // The SDK's checks (@modelcontextprotocol/express) load with the first request they see, like the rest of the SDK.
  const sdkExpress = () => import('@modelcontextprotocol/express');
  const knownHosts = lazyMiddleware(async () => (await sdkExpress()).hostHeaderValidation([...loopback, publicHost]));
  app.use(['/mcp', '/authorize', '/token', '/register', '/revoke', '/auth', '/.well-known'], knownHosts);

  // A web page may call /mcp only from our own origin (and, in local mode, from loopback, where
  // browser-based tools such as the MCP Inspector run); requests without Origin are not from a page.
  const originHosts = deps.auth.kind === 'disabled' ? [...loopback, publicHost] : [publicHost];
  const checkOrigin = lazyMiddleware(async () => (await sdkExpress()).originValidation(originHosts));
  let caller: Pick<McpRouteDeps, 'authenticate' | 'resolveCaller'> = { resolveCaller: () => LOCAL_CALLER };
  if (deps.auth.kind === 'oauth') {
    const oauth = deps.auth.routes;
    app.use(oauth.router);
    caller = { authenticate: oauth.requireToken, resolveCaller: oauth.callerOf };
  }
  const generationDeps = generationDepsOf(deps);
  app.use(
    mcpRoutes({
      ...caller,
      checkOrigin,
      icons: serverIcons(deps.publicUrl),
      tools: {
        ...generationDeps,
        generations: deps.generations ?? new Generations(generationDeps),
        toolWaitMs: deps.toolWaitMs ?? DEFAULT_TOOL_WAIT_SECONDS * 1000,
        progressIntervalMs: deps.progressIntervalMs ?? 5000,
        ...(uploadLinks ? { uploadLinks } : {}),
      },
    }),
  );

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `Nothing at ${req.method} ${req.path}.` });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = requestBodyError(err) ?? toAppError(err);
    if (appError.status === 'INTERNAL') deps.logger.error('request failed', { path: req.path, err });
    if (res.headersSent) return res.destroy();
    res.status(httpStatusOf(appError)).json({ error: appError.status.toLowerCase(), message: appError.publicMessage });
  });
  return app;
}
