/**
 * Entry point: config → adapters → createApp → listen → drain on SIGTERM. The only module
 * that picks implementations.
 */
import type { Server } from 'node:http';
import { createFirebaseIdTokenVerifier } from './api/id-token-verifier.js';
import { createApp, generationDepsOf, type AppDeps } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createGeminiImageGenerator } from './gemini/gemini-image-generator.js';
import { createGeminiModelDirectory } from './gemini/gemini-model-directory.js';
import { Generations } from './generation/generate-image.js';
import { createModelResolver } from './generation/model-resolver.js';
import { isListed } from './core/access.js';
import { createLogger, type Logger } from './log.js';
import { openStores, type Stores } from './stores.js';

/** Cloud Run gives 10 s between SIGTERM and SIGKILL; finish what is in flight within it. */
const DRAIN_MS = 9_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee README.md, "Configuration".\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(undefined, {}, config.logLevel);

  const { auth } = config;
  const stores = await openStores(config.store);
  const gemini = { backend: config.gemini.backend, ...(config.gemini.baseUrl ? { baseUrl: config.gemini.baseUrl } : {}) };
  const appDeps: AppDeps = {
    auth: await authMode(config, stores, logger),
    ...(auth.kind === 'sign-in' && auth.firebaseProject
      ? {
          dashboardAuth: {
            kind: 'firebase' as const,
            verifier: await createFirebaseIdTokenVerifier(auth.firebaseProject),
            allowedEmails: auth.allowedEmails,
            adminEmails: auth.adminEmails,
          },
        }
      : {}),
    ...(auth.kind === 'disabled' ? { dashboardDir: config.dashboardDir } : {}),
    ...(auth.kind === 'sign-in'
      ? { uploads: { signingKey: auth.jwtSigningKey, isAllowed: (email: string) => isListed(auth.allowedEmails, email) || isListed(auth.adminEmails, email) } }
      : {}),
    ...(config.googleCloudProject ? { traceProject: config.googleCloudProject } : {}),
    publicUrl: config.publicUrl,
    trustedProxies: config.trustedProxies,
    catalogue: config.catalogue,
    models: createModelResolver({ catalogue: config.catalogue, directory: createGeminiModelDirectory(gemini), logger }),
    images: stores.images,
    records: stores.records,
    generator: createGeminiImageGenerator({
      ...gemini,
      timeoutMs: config.gemini.timeoutMs,
      maxRetries: config.gemini.maxRetries,
      retryBaseDelayMs: 2_000,
      logger,
    }),
    toolWaitMs: config.toolWaitMs,
    ...(config.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: config.monthlyBudgetUsd } : {}),
    logger,
  };
  const generations = new Generations(generationDepsOf(appDeps));
  const app = createApp({ ...appDeps, generations });

  const server: Server = app.listen(config.port, config.host, () => {
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.host);
    const access =
      auth.kind === 'sign-in'
        ? `sign-in with Google for ${auth.allowedEmails.length} allowed address(es)`
        : 'sign-in DISABLED (IMG_AUTH_DISABLED=1): ' +
          (loopback
            ? 'anyone on this machine can generate; listening on loopback only (set IMG_HOST to change)'
            : `anyone who can reach ${config.host} can generate, because IMG_HOST is set`);
    logger.info(
      `Image Studio listening on http://${config.host}:${config.port}, ${access}; storing in ${stores.description}`,
      { publicUrl: config.publicUrl, store: stores.description, gemini: geminiDescription(config) },
    );
  });
  server.on('error', (err) => {
    logger.error('could not listen', { err, host: config.host, port: config.port });
    process.exit(1);
  });

  // Generations go on after their answer (a client that left still gets its image, by title):
  // the drain waits for them too, as long as Cloud Run allows. One cut off reads as failed
  // once its lease passes, and costs nothing.
  const drain = (signal: string) => {
    logger.info('shutting down: finishing requests and generations in flight', { signal, generations: generations.inFlight });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    void Promise.all([closed, generations.drain(DRAIN_MS - 1_000)])
      .then(() => stores.close())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), DRAIN_MS).unref();
  };
  process.once('SIGTERM', () => drain('SIGTERM'));
  process.once('SIGINT', () => drain('SIGINT'));
}

async function authMode(config: Config, stores: Stores, logger: Logger): Promise<AppDeps['auth']> {
  const { auth } = config;
  if (auth.kind === 'disabled') return { kind: 'disabled' };
  // Loaded only when used: the OAuth server and google-auth-library are large, and local mode never needs them.
  const [{ createGoogleSignIn, googleEndpointsAt }, { oauthRoutes }] = await Promise.all([import('./auth/google-sign-in.js'), import('./auth/auth-routes.js')]);
  const routes = oauthRoutes({
    publicUrl: config.publicUrl,
    signingKey: auth.jwtSigningKey,
    state: stores.authState,
    google: createGoogleSignIn({
      clientId: auth.googleClientId,
      clientSecret: auth.googleClientSecret,
      redirectUri: `${config.publicUrl}/auth/callback`,
      ...(auth.googleBaseUrl ? { endpoints: googleEndpointsAt(auth.googleBaseUrl) } : {}),
      logger,
    }),
    allowedEmails: auth.allowedEmails,
    adminEmails: auth.adminEmails,
    logger,
  });
  return { kind: 'oauth', routes };
}

function geminiDescription(config: Config): string {
  const { backend } = config.gemini;
  return backend.kind === 'vertex' ? `Vertex AI (project ${backend.project}, location ${backend.location})` : 'Gemini API (key)';
}

main().catch((err: unknown) => {
  process.stderr.write(`Image Studio could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
