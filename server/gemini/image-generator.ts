/**
 * The one thing the generation use-case needs from Gemini. The implementation maps every
 * vendor failure to an AppError whose publicMessage a user can act on.
 */
import type { AspectRatio, ImageSize } from '../core/options.js';

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
  /** One generated image, or an AppError (safety block, no image, quota, timeout, …). */
  generate(request: ImageRequest, options?: GenerateOptions): Promise<GeneratedImage>;
}
