/**
 * ImageGenerator on @google/genai: one generateContent call per attempt, each bounded by its
 * own timeout, with a few bounded retries for rate limits, server errors and network drops.
 * Every failure leaves here as an AppError (see gemini-mapping.ts).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { GenerateContentParameters, GoogleGenAI } from '@google/genai';
import type { GoogleAuthOptions } from 'google-auth-library';
import { once } from '../lazy.js';
import type { Logger } from '../log.js';
import { AppError } from '../errors.js';
import { buildGenerateContentParams, interpretResponse, isApiError, isRetryable, mapGeminiError, retryDelayMsFromError } from './gemini-mapping.js';
import type { GenerateOptions, GeneratedImage, ImageGenerator, ImageRequest } from './image-generator.js';

/**
 * Which Gemini: the Gemini API with a key from Google AI Studio, or Vertex AI, where the
 * service's own identity (Application Default Credentials; on Cloud Run, its service account
 * with roles/aiplatform.user) is the credential and no key exists.
 */
export type GeminiBackend =
  | { readonly kind: 'api-key'; readonly apiKey: string }
  | { readonly kind: 'vertex'; readonly project: string; readonly location: string; readonly googleAuthOptions?: GoogleAuthOptions };

export interface GeminiImageGeneratorOptions {
  readonly backend: GeminiBackend;
  /** Override Gemini's endpoint (tests point it at a local fake). */
  readonly baseUrl?: string;
  /** Per attempt, not for the whole call. */
  readonly timeoutMs: number;
  /** Retries after the first attempt (0 = never retry). */
  readonly maxRetries: number;
  /** First backoff delay; doubles each retry, with jitter. */
  readonly retryBaseDelayMs: number;
  /** No single wait is longer; if Gemini asks for more, we give up and tell the user when to retry. Default 20 s. */
  readonly maxRetryDelayMs?: number;
  readonly logger: Logger;
  /** For tests: replaces the real wait between attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests: jitter source in [0, 1). */
  readonly random?: () => number;
}

export function createGeminiImageGenerator(options: GeminiImageGeneratorOptions): ImageGenerator {
  const { backend } = options;
  // No retryOptions: the SDK would then retry on its own, unlogged and unbounded by us.
  const httpOptions = options.baseUrl ? { baseUrl: options.baseUrl } : {};
  // The SDK loads at the first generation, not at start-up (it is one of the heaviest modules).
  // `vertexai` is always explicit, so GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch backends.
  const clientOnce = once(async (): Promise<GoogleGenAI> => {
    const { GoogleGenAI } = await import('@google/genai');
    if (backend.kind === 'api-key') return new GoogleGenAI({ apiKey: backend.apiKey, vertexai: false, httpOptions });
    return new GoogleGenAI({
      vertexai: true,
      project: backend.project,
      location: backend.location,
      httpOptions,
      ...(backend.googleAuthOptions ? { googleAuthOptions: backend.googleAuthOptions } : {}),
    });
  });
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const random = options.random ?? Math.random;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 20_000;
  const log = options.logger.child({ component: 'gemini' });

  async function attempt(params: GenerateContentParameters): Promise<GeneratedImage> {
    // config.abortSignal reaches fetch and also cuts off a body still being read; the SDK
    // would do the same for httpOptions.timeout, but then we could not tell our timeout apart.
    const genai = await clientOnce();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    try {
      const response = await genai.models.generateContent({ ...params, config: { ...params.config, abortSignal: controller.signal } });
      return interpretResponse(response);
    } finally {
      clearTimeout(timer);
    }
  }

  /** How long to wait before retry number `retry` (1-based), or undefined to give up. */
  function backoffMs(err: unknown, retry: number): number | undefined {
    const asked = retryDelayMsFromError(err);
    if (asked !== undefined) return asked <= maxRetryDelayMs ? asked : undefined;
    const ceiling = Math.min(maxRetryDelayMs, options.retryBaseDelayMs * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  return {
    async generate(request: ImageRequest, generateOptions?: GenerateOptions): Promise<GeneratedImage> {
      const context = { modelId: request.modelId, timeoutMs: options.timeoutMs, ...(backend.kind === 'api-key' ? { apiKey: backend.apiKey } : {}) };
      // Built once: base64-encoding the references again for every retry would be wasted work.
      const params = buildGenerateContentParams(request);
      for (let attemptNumber = 1; ; attemptNumber++) {
        try {
          return await attempt(params);
        } catch (err) {
          const error = mapGeminiError(err, context);
          const retryable = attemptNumber <= options.maxRetries && isRetryable(err);
          const delayMs = retryable ? backoffMs(err, attemptNumber) : undefined;
          // Never the prompt or the key: status and the already-sanitised public message only.
          const fields = { model: request.modelId, attempt: attemptNumber, httpStatus: upstreamStatusOf(err), status: error.status, detail: error.publicMessage };
          if (delayMs === undefined) {
            // A safety block or refusal is Gemini working as intended, not an upstream failure;
            // its message may quote the model's reply, which can echo the prompt, so it stays out.
            if (err instanceof AppError) log.info('Gemini declined the request', { ...fields, detail: undefined });
            else log.warn('Gemini call failed', { ...fields, willRetry: false });
            throw error;
          }
          log.warn('Gemini call failed; retrying', { ...fields, willRetry: true, delayMs });
          // `attempt` is the number of the attempt about to start (2 for the first retry).
          generateOptions?.onRetry?.({ attempt: attemptNumber + 1, delayMs, reason: retryReason(err) });
          await sleep(delayMs);
        }
      }
    },
  };
}

function upstreamStatusOf(err: unknown): number | undefined {
  return isApiError(err) ? err.status : undefined;
}

/** A short, user-presentable reason for a retry. */
function retryReason(err: unknown): string {
  if (!isApiError(err)) return 'Gemini could not be reached';
  return err.status === 429 ? 'Gemini is rate-limiting requests (HTTP 429)' : `Gemini is temporarily unavailable (HTTP ${err.status})`;
}
