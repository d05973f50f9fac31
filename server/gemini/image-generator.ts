/**
 * The one thing the generation use-case needs from Gemini. The implementation maps every
 * vendor failure to an AppError whose publicMessage a user can act on.
 */
import type { AspectRatio, ImageSize } from '../core/options.js';
import { AppError } from '../errors.js';

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

export interface TokenUsage {
  readonly promptTokens?: number;
  readonly outputTokens?: number;
  readonly totalTokens?: number;
  /** Of the output, the image tokens (billed at the image-output rate). */
  readonly imageOutputTokens?: number;
  readonly thinkingTokens?: number;
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
}

export interface ImageGenerator {
  /**
   * One generated image, or an AppError (safety block, no image, quota, timeout, …); a
   * ModelUnavailableError when Gemini does not serve `request.modelId`.
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
