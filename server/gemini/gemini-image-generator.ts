/**
 * ImageGenerator on @google/genai: one generateContent call per attempt, each bounded by its
 * own timeout and run on the Gemini thread (gemini-thread.ts), with a few bounded retries for
 * rate limits, server errors and network drops. Every failure leaves here as an AppError
 * (see gemini-mapping.ts).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { AppError } from '../errors.js';
import type { AttemptOutcome } from './gemini-attempt.js';
import type { GeminiBackend } from './gemini-client.js';
import type { AttemptFailure } from './gemini-mapping.js';
import { attemptOnGeminiThread } from './gemini-thread-client.js';
import { BilledFailureError, ModelUnavailableError, type GenerateOptions, type GeneratedImage, type ImageGenerator, type ImageRequest } from './image-generator.js';

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
  const client = { backend: options.backend, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) };
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const random = options.random ?? Math.random;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 20_000;
  const log = options.logger.child({ component: 'gemini' });

  async function attempt(request: ImageRequest): Promise<AttemptOutcome> {
    try {
      return await attemptOnGeminiThread(client, request, options.timeoutMs);
    } catch (err) {
      // The thread itself failed (it should not): nothing says whether Gemini was reached, so no retry.
      log.error('the Gemini thread failed', { error: err instanceof Error ? err.message : String(err) });
      return { ok: false, failure: { status: 'INTERNAL', publicMessage: 'Something went wrong while calling Gemini. Please try again.', declined: false, modelUnavailable: false, retryable: false, retryReason: 'Gemini could not be reached' } };
    }
  }

  /** How long to wait before retry number `retry` (1-based), or undefined to give up. */
  function backoffMs(failure: AttemptFailure, retry: number): number | undefined {
    const asked = failure.retryDelayMs;
    if (asked !== undefined) return asked <= maxRetryDelayMs ? asked : undefined;
    const ceiling = Math.min(maxRetryDelayMs, options.retryBaseDelayMs * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  return {
    async generate(request: ImageRequest, generateOptions?: GenerateOptions): Promise<GeneratedImage> {
      for (let attemptNumber = 1; ; attemptNumber++) {
        const outcome = await attempt(request);
        if (outcome.ok) return outcome.image;
        const { failure } = outcome;
        const retryable = attemptNumber <= options.maxRetries && failure.retryable;
        const delayMs = retryable ? backoffMs(failure, attemptNumber) : undefined;
        // Never the prompt or the key, nor Gemini's own words (which can echo the prompt): what failed, not what was said.
        const fields = { model: request.modelId, attempt: attemptNumber, httpStatus: failure.httpStatus, status: failure.status, billedTokens: failure.usage?.totalTokens };
        if (delayMs === undefined) {
          // A safety block or refusal is Gemini working as intended, not an upstream failure.
          if (failure.declined) log.info('Gemini declined the request', fields);
          else log.warn('Gemini call failed', { ...fields, willRetry: false });
          if (failure.modelUnavailable) throw new ModelUnavailableError(request.modelId, failure.publicMessage);
          const logMessage = failure.declined ? 'Gemini declined the request' : `Gemini call failed${failure.httpStatus ? ` (HTTP ${failure.httpStatus})` : ''}`;
          // Declined answers are never retried, so the usage of the last attempt is all that was billed.
          if (failure.usage) throw new BilledFailureError(failure.status, failure.publicMessage, failure.usage, { logMessage });
          throw new AppError(failure.status, failure.publicMessage, { logMessage });
        }
        log.warn('Gemini call failed; retrying', { ...fields, willRetry: true, delayMs, reason: failure.retryReason });
        // `attempt` is the number of the attempt about to start (2 for the first retry).
        generateOptions?.onRetry?.({ attempt: attemptNumber + 1, delayMs, reason: failure.retryReason });
        await sleep(delayMs);
        if (generateOptions?.signal?.aborted) {
          log.info('Gemini retry abandoned: the caller left', fields);
          throw new AppError('CANCELLED', `The request was cancelled while waiting to retry (${failure.retryReason}); no image was made, so nothing was spent.`);
        }
      }
    },
  };
}
