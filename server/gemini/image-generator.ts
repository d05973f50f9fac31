/**
 * The one thing the generation use-case needs from Gemini. The implementation maps every
 * vendor failure to an AppError whose publicMessage a user can act on.
 */
import { hasTokenCounts, type TokenUsage } from '../core/cost.js';
import type { AspectRatio, ImageSize } from '../core/options.js';
import { AppError, type ErrorStatus } from '../errors.js';

export type { TokenUsage } from '../core/cost.js';

export interface ReferenceImage {
  readonly name: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

export interface ImageRequest {
  /** The Gemini model id (not the alias). */
  readonly modelId: string;
  readonly prompt: string;
  readonly aspectRatio: AspectRatio;
  readonly imageSize: ImageSize;
  readonly references: readonly ReferenceImage[];
}

export interface GeneratedImage {
  readonly mimeType: string;
  readonly data: Buffer;
  /** Any text the model returned beside the image. */
  readonly text?: string;
  readonly usage: TokenUsage;
}

export interface GenerateOptions {
  /** Called before each retry, so a caller can tell the user why it is taking longer. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /**
   * The caller went away: no further attempt is started (an attempt under way runs to its end,
   * since Gemini may bill it). Rejects with a CANCELLED AppError then.
   */
  readonly signal?: AbortSignal;
}

export interface ImageGenerator {
  /**
   * One generated image, or an AppError (safety block, no image, quota, timeout, …); a
   * ModelUnavailableError when Gemini does not serve `request.modelId`; a BilledFailureError
   * when Gemini answered without an image but billed tokens for the answer.
   */
  generate(request: ImageRequest, options?: GenerateOptions): Promise<GeneratedImage>;
}

/** Gemini does not serve this model id (retired, or never enabled for this key): nothing was generated. */
export class ModelUnavailableError extends AppError {
  constructor(readonly modelId: string, publicMessage: string) {
    super('UNAVAILABLE', publicMessage);
    this.name = 'ModelUnavailableError';
  }
}

/**
 * Gemini answered but made no image (a blocked prompt, a withheld image, a text-only answer),
 * and billed the tokens in `usage` for it anyway: the prompt it read at least, and any
 * thinking and text it wrote. Errors without an answer (HTTP errors, timeouts, network
 * failures) bill nothing and are never this.
 */
export class BilledFailureError extends AppError {
  constructor(
    status: ErrorStatus,
    publicMessage: string,
    readonly usage: TokenUsage,
    options?: { cause?: unknown; logMessage?: string },
  ) {
    super(status, publicMessage, options);
    this.name = 'BilledFailureError';
  }
}

/** The tokens Gemini billed for a failed generation, if it billed any: for recording what the failure cost. */
export function billedUsageOf(err: unknown): TokenUsage | undefined {
  return err instanceof BilledFailureError && hasTokenCounts(err.usage) ? err.usage : undefined;
}
