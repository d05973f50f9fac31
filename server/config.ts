/**
 * The only reader of process.env. Parses every variable once, at start-up, into a frozen,
 * typed Config; a bad value fails with one message naming every offending variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { MODEL_ALIASES, buildCatalogue, type Catalogue, type ModelAlias, type PriceList, type TokenPrices } from './core/models.js';
import { IMAGE_SIZES } from './core/options.js';

/** Where images and records live: a local directory, or Cloud Storage + Firestore. */
export type StoreConfig =
  | { readonly kind: 'local'; readonly root: string }
  | {
      readonly kind: 'cloud';
      readonly bucket: string;
      /** Unset on Cloud Run: the client libraries read it from the metadata server. */
      readonly projectId: string | undefined;
      readonly firestoreDatabase: string | undefined;
      /** The most one Firestore call may take, retries included (IMG_FIRESTORE_TIMEOUT_SECONDS). */
      readonly firestoreTimeoutMs: number;
      /** The most one Cloud Storage request may wait, per attempt (IMG_STORAGE_TIMEOUT_SECONDS). */
      readonly storageTimeoutMs: number;
    };

export interface Config {
  readonly port: number;
  /**
   * How many proxies in front of us append to X-Forwarded-For (IMG_TRUSTED_PROXIES): the
   * client address of a request (rate limits, logs) is read that many hops back, and the
   * header is ignored when 0. Default 1 on Cloud Run (its front end), 0 elsewhere.
   */
  readonly trustedProxies: number;
  /** Interface to listen on: loopback unless sign-in is on or IMG_HOST says otherwise. */
  readonly host: string;
  /** Base URL users reach the server at, without a trailing slash. */
  readonly publicUrl: string;
  readonly store: StoreConfig;
  /** GOOGLE_CLOUD_PROJECT: for the cloud stores and for linking logs to Cloud Trace. */
  readonly googleCloudProject: string | undefined;
  /** The built dashboard, served at /ui when sign-in is disabled. */
  readonly dashboardDir: string;
  readonly gemini: {
    /** The Gemini API with a key, or Vertex AI with the service's own identity. */
    readonly backend: { readonly kind: 'api-key'; readonly apiKey: string } | { readonly kind: 'vertex'; readonly project: string; readonly location: string };
    readonly baseUrl: string | undefined;
    readonly timeoutMs: number;
    readonly maxRetries: number;
  };
  readonly catalogue: Catalogue;
  /**
   * The longest generate_image waits for its generation before answering that it is still
   * running (IMG_TOOL_WAIT_SECONDS): under the clients' own tool timeouts.
   */
  readonly toolWaitMs: number;
  /** Every user's monthly spending limit in USD (IMG_MONTHLY_BUDGET_USD), unless an admin set theirs; undefined: none. */
  readonly monthlyBudgetUsd: number | undefined;
  readonly auth: AuthConfig;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
}

/**
 * `disabled` (IMG_AUTH_DISABLED=1, local development): everyone is the local admin.
 * `sign-in`: MCP clients sign in with Google through our OAuth server; the allow-list applies.
 */
export type AuthConfig =
  | { readonly kind: 'disabled' }
  | {
      readonly kind: 'sign-in';
      readonly allowedEmails: readonly string[];
      readonly adminEmails: readonly string[];
      readonly googleClientId: string;
      readonly googleClientSecret: string;
      readonly jwtSigningKey: string;
      /** The Firebase project whose ID tokens the dashboard API accepts; without one, /api answers 503. */
      readonly firebaseProject: string | undefined;
      /**
       * IMG_GOOGLE_BASE_URL: a stand-in for Google's sign-in endpoints (never on Cloud Run),
       * serving Google's paths under one base URL; undefined means Google itself.
       */
      readonly googleBaseUrl: string | undefined;
    };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['', '0', '1', 'true', 'false'].includes(v), 'expected 1 or 0 (or true/false)')
  .transform((v) => v === '1' || v === 'true')
  .optional();

const positiveInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected a number from ${min} to ${max}`)
    .optional();

const price = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'expected a price in USD such as 0.067')
  .transform(Number)
  .refine((n) => n <= 100, 'expected a price per image below 100 USD')
  .optional();

const emailList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean))
  .refine((list) => list.every((e) => /^[^\s@]+@[^\s@]+$/.test(e)), 'expected comma-separated email addresses');

const baseUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const url = new URL(v);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash && !url.username;
    } catch {
      return false;
    }
  }, 'expected an absolute http(s) URL without query, such as https://images.example.com')
  .transform((v) => v.replace(/\/+$/, ''))
  .optional();

/** Gemini model ids, comma-separated, best first. */
const modelIds = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((id) => id.trim()).filter(Boolean))
  .refine((ids) => ids.every((id) => /^[a-z0-9][a-z0-9._-]{0,99}$/.test(id)), 'expected Gemini model ids, comma-separated and best first, such as gemini-3-pro-image');

const costVars = Object.fromEntries(
  MODEL_ALIASES.flatMap((alias) => IMAGE_SIZES.map((size) => [`IMG_COST_${alias.toUpperCase()}_${size}`, price])),
);

/** USD per million tokens, in the order Google's pricing page lists them: input_text,input_image,image_output,text_output. */
const tokenPriceList = z
  .string()
  .trim()
  .regex(
    /^\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?){3}$/,
    'expected four USD prices per million tokens, comma-separated: input_text,input_image,image_output,text_output (thinking is billed as text output), such as 0.5,0.5,60,3',
  )
  .transform((v): TokenPrices => {
    const [inputText = 0, inputImage = 0, imageOutput = 0, textOutput = 0] = v.split(',').map(Number);
    return { inputText, inputImage, imageOutput, textOutput };
  })
  .refine((p) => Object.values(p).every((n) => n <= 1000), 'expected prices per million tokens below 1000 USD')
  .optional();

const tokenPriceVars = Object.fromEntries(MODEL_ALIASES.map((alias) => [`IMG_TOKEN_PRICES_${alias.toUpperCase()}`, tokenPriceList]));

const envSchema = z.object({
  PORT: positiveInt(1, 65535),
  IMG_HOST: optionalText,
  IMG_PUBLIC_URL: baseUrl,
  IMG_ROOT: optionalText,
  IMG_DASHBOARD_DIR: optionalText,
  IMG_STORE: z.enum(['local', 'cloud'], { error: 'expected local or cloud' }).optional(),
  IMG_BUCKET: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'expected a Cloud Storage bucket name, such as my-project-images')
    .optional(),
  GOOGLE_CLOUD_PROJECT: optionalText,
  IMG_FIREBASE_PROJECT: optionalText,
  IMG_FIRESTORE_DATABASE: optionalText,
  IMG_FIRESTORE_TIMEOUT_SECONDS: positiveInt(1, 60),
  IMG_STORAGE_TIMEOUT_SECONDS: positiveInt(1, 300),
  GEMINI_API_KEY: optionalText,
  IMG_GEMINI_BACKEND: z.enum(['api-key', 'vertex'], { error: 'expected api-key or vertex' }).optional(),
  IMG_VERTEX_LOCATION: optionalText,
  IMG_GEMINI_BASE_URL: baseUrl,
  IMG_GEMINI_TIMEOUT_SECONDS: positiveInt(5, 600),
  IMG_GEMINI_MAX_RETRIES: positiveInt(0, 5),
  IMG_TOOL_WAIT_SECONDS: positiveInt(5, 280),
  IMG_MONTHLY_BUDGET_USD: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'expected an amount in USD such as 25 or 7.50')
    .transform(Number)
    .optional(),
  ...Object.fromEntries(MODEL_ALIASES.map((alias) => [`IMG_MODEL_${alias.toUpperCase()}`, modelIds])),
  ...costVars,
  ...tokenPriceVars,
  IMG_AUTH_DISABLED: flag,
  IMG_ALLOWED_EMAILS: emailList,
  IMG_ADMIN_EMAILS: emailList,
  GOOGLE_OAUTH_CLIENT_ID: optionalText,
  GOOGLE_OAUTH_CLIENT_SECRET: optionalText,
  IMG_JWT_SIGNING_KEY: optionalText,
  IMG_GOOGLE_BASE_URL: baseUrl,
  IMG_TRUSTED_PROXIES: positiveInt(0, 10),
  /** Set by Cloud Run. */
  K_SERVICE: optionalText,
  IMG_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).optional(),
});

export const DEFAULT_PORT = 8766;
/**
 * How long generate_image waits before answering "still generating": under Claude.ai's
 * practical tool timeout (field reports put it near a minute) with room for the answer.
 */
export const DEFAULT_TOOL_WAIT_SECONDS = 45;
/**
 * Store deadlines: with Firestore or Cloud Storage unreachable or frozen, every /api call,
 * /i request and tool call answers within 10 s ("temporarily unavailable"), so one call to
 * either gets well under that. Uploads get more, by their size (images/storage-client.ts).
 */
export const DEFAULT_FIRESTORE_TIMEOUT_SECONDS = 5;
export const DEFAULT_STORAGE_TIMEOUT_SECONDS = 5;

type Env = z.infer<typeof envSchema>;

/** The parsed environment, or ConfigError naming every malformed variable and `extraProblems`. */
function parseEnv(env: NodeJS.ProcessEnv, extraProblems: string[]): Env {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`);
  problems.push(...extraProblems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** Where the data lives and the model catalogue: for the import, which needs no server settings. */
export function loadImportConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): { readonly store: StoreConfig; readonly catalogue: Catalogue } {
  const v = parseEnv(env, storeProblems(env));
  const store = storeConfigOf(v, cwd);
  if (!store) throw new ConfigError(storeProblems(env));
  return Object.freeze({ store, catalogue: catalogueOf(v) });
}

function catalogueOf(v: Env): Catalogue {
  const raw = v as Record<string, unknown>;
  const ids: Partial<Record<ModelAlias, readonly string[]>> = {};
  const prices: Partial<Record<ModelAlias, PriceList>> = {};
  const tokenPrices: Partial<Record<ModelAlias, TokenPrices>> = {};
  for (const alias of MODEL_ALIASES) {
    const listed = raw[`IMG_MODEL_${alias.toUpperCase()}`];
    if (Array.isArray(listed) && listed.length > 0) ids[alias] = listed as string[];
    const overridden = IMAGE_SIZES.flatMap((size) => {
      const value = raw[`IMG_COST_${alias.toUpperCase()}_${size}`];
      return typeof value === 'number' ? [[size, value] as const] : [];
    });
    if (overridden.length > 0) prices[alias] = Object.fromEntries(overridden);
    const perToken = raw[`IMG_TOKEN_PRICES_${alias.toUpperCase()}`];
    if (perToken !== undefined) tokenPrices[alias] = perToken as TokenPrices;
  }
  return buildCatalogue({ ids, prices, tokenPrices });
}

/** Undefined when the cloud store is chosen without a bucket (storeProblems says so). */
function storeConfigOf(v: Env, cwd: string): StoreConfig | undefined {
  const cloud = v.IMG_STORE === 'cloud' || (v.IMG_STORE === undefined && (v.IMG_BUCKET !== undefined || v.GOOGLE_CLOUD_PROJECT !== undefined));
  if (!cloud) return Object.freeze({ kind: 'local', root: path.resolve(cwd, v.IMG_ROOT ?? '.localdata') });
  if (v.IMG_BUCKET === undefined) return undefined;
  return Object.freeze({
    kind: 'cloud',
    bucket: v.IMG_BUCKET,
    projectId: v.GOOGLE_CLOUD_PROJECT,
    firestoreDatabase: v.IMG_FIRESTORE_DATABASE,
    firestoreTimeoutMs: (v.IMG_FIRESTORE_TIMEOUT_SECONDS ?? DEFAULT_FIRESTORE_TIMEOUT_SECONDS) * 1000,
    storageTimeoutMs: (v.IMG_STORAGE_TIMEOUT_SECONDS ?? DEFAULT_STORAGE_TIMEOUT_SECONDS) * 1000,
  });
}

function storeProblems(env: NodeJS.ProcessEnv): string[] {
  const has = (name: string) => (env[name] ?? '').trim() !== '';
  const store = (env.IMG_STORE ?? '').trim();
  const cloud = store === 'cloud' || (store === '' && (has('IMG_BUCKET') || has('GOOGLE_CLOUD_PROJECT')));
  return cloud && !has('IMG_BUCKET')
    ? ['IMG_BUCKET: required for the cloud store (chosen by IMG_STORE=cloud or GOOGLE_CLOUD_PROJECT); the bucket for images']
    : [];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const problems = [...requirementProblems(env), ...storeProblems(env)];
  const v = parseEnv(env, problems);
  const port = v.PORT ?? DEFAULT_PORT;
  // parseEnv has thrown if any of these is missing: requirementProblems and storeProblems name them.
  const store = storeConfigOf(v, cwd);
  const backend = geminiBackendOf(v);
  const auth = authConfigOf(v);
  if (!store || !backend || !auth) throw new ConfigError(problems);

  return Object.freeze({
    port,
    trustedProxies: v.IMG_TRUSTED_PROXIES ?? (v.K_SERVICE === undefined ? 0 : 1),
    host: v.IMG_HOST ?? (auth.kind === 'disabled' ? '127.0.0.1' : '0.0.0.0'),
    publicUrl: v.IMG_PUBLIC_URL ?? `http://localhost:${port}`,
    store,
    googleCloudProject: v.GOOGLE_CLOUD_PROJECT,
    dashboardDir: path.resolve(cwd, v.IMG_DASHBOARD_DIR ?? 'web/dist'),
    gemini: Object.freeze({
      backend,
      baseUrl: v.IMG_GEMINI_BASE_URL,
      timeoutMs: (v.IMG_GEMINI_TIMEOUT_SECONDS ?? 180) * 1000,
      maxRetries: v.IMG_GEMINI_MAX_RETRIES ?? 2,
    }),
    catalogue: catalogueOf(v),
    toolWaitMs: (v.IMG_TOOL_WAIT_SECONDS ?? DEFAULT_TOOL_WAIT_SECONDS) * 1000,
    monthlyBudgetUsd: v.IMG_MONTHLY_BUDGET_USD,
    auth,
    logLevel: v.IMG_LOG_LEVEL ?? 'INFO',
  });
}

function geminiBackendOf(v: Env): Config['gemini']['backend'] | undefined {
  if (v.IMG_GEMINI_BACKEND === 'vertex') {
    return v.GOOGLE_CLOUD_PROJECT === undefined ? undefined : Object.freeze({ kind: 'vertex', project: v.GOOGLE_CLOUD_PROJECT, location: v.IMG_VERTEX_LOCATION ?? 'global' });
  }
  return v.GEMINI_API_KEY === undefined ? undefined : Object.freeze({ kind: 'api-key', apiKey: v.GEMINI_API_KEY });
}

function authConfigOf(v: Env): AuthConfig | undefined {
  if (v.IMG_AUTH_DISABLED) return Object.freeze({ kind: 'disabled' });
  const { GOOGLE_OAUTH_CLIENT_ID: googleClientId, GOOGLE_OAUTH_CLIENT_SECRET: googleClientSecret, IMG_JWT_SIGNING_KEY: jwtSigningKey } = v;
  if (!googleClientId || !googleClientSecret || !jwtSigningKey) return undefined;
  return Object.freeze({
    kind: 'sign-in',
    allowedEmails: Object.freeze(v.IMG_ALLOWED_EMAILS),
    adminEmails: Object.freeze(v.IMG_ADMIN_EMAILS),
    googleClientId,
    googleClientSecret,
    jwtSigningKey,
    firebaseProject: v.IMG_FIREBASE_PROJECT ?? v.GOOGLE_CLOUD_PROJECT,
    googleBaseUrl: v.IMG_GOOGLE_BASE_URL,
  });
}

/**
 * What must be set together, checked on the raw values so that one run reports these
 * alongside any malformed ones.
 */
function requirementProblems(env: NodeJS.ProcessEnv): string[] {
  const has = (name: string) => (env[name] ?? '').trim() !== '';
  const authDisabled = ['1', 'true'].includes((env.IMG_AUTH_DISABLED ?? '').trim().toLowerCase());
  const problems: string[] = [];
  if ((env.IMG_GEMINI_BACKEND ?? '').trim() === 'vertex') {
    if (!has('GOOGLE_CLOUD_PROJECT')) problems.push('GOOGLE_CLOUD_PROJECT: required with IMG_GEMINI_BACKEND=vertex, the project whose Vertex AI serves Gemini');
  } else if (!has('GEMINI_API_KEY')) {
    problems.push('GEMINI_API_KEY: required, an API key from Google AI Studio (or IMG_GEMINI_BACKEND=vertex on Google Cloud)');
  }
  if (authDisabled && has('K_SERVICE')) {
    problems.push('IMG_AUTH_DISABLED: must not be set on Cloud Run; it opens the tools to anyone');
  }
  // With it, firebase-admin accepts unsigned ID tokens: anyone could be anyone.
  if (has('FIREBASE_AUTH_EMULATOR_HOST') && has('K_SERVICE')) {
    problems.push('FIREBASE_AUTH_EMULATOR_HOST: must not be set on Cloud Run; it makes the dashboard accept unsigned sign-in tokens');
  }
  // With it, whoever runs the stand-in decides who signs in.
  if (has('IMG_GOOGLE_BASE_URL') && has('K_SERVICE')) {
    problems.push("IMG_GOOGLE_BASE_URL: must not be set on Cloud Run; it sends sign-in to a stand-in instead of Google");
  }
  if (!authDisabled) {
    const signInVars = ['GOOGLE_OAUTH_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_SECRET', 'IMG_JWT_SIGNING_KEY', 'IMG_PUBLIC_URL', 'IMG_ALLOWED_EMAILS'];
    const missing = signInVars.filter((name) => !has(name));
    if (missing.length > 0) {
      problems.push(
        `IMG_AUTH_DISABLED: sign-in is not configured (missing ${missing.join(', ')}); ` +
          'set IMG_AUTH_DISABLED=1 to run open on this machine for local development',
      );
    }
    if (has('IMG_JWT_SIGNING_KEY') && (env.IMG_JWT_SIGNING_KEY ?? '').trim().length < 32) {
      problems.push('IMG_JWT_SIGNING_KEY: too short; use at least 32 random characters (openssl rand -hex 32)');
    }
    const publicUrl = (env.IMG_PUBLIC_URL ?? '').trim();
    if (publicUrl.startsWith('http://') && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(publicUrl)) {
      problems.push('IMG_PUBLIC_URL: must be https:// when sign-in is on (plain http only for localhost)');
    }
  }
  return problems;
}
