/**
 * What a Gemini call cost, from the tokens Gemini reported for it. Gemini bills tokens, not
 * images: the image it draws (1,120 tokens for a 1K image on Nano Banana 2), the prompt and
 * reference images it reads, and the text and thinking it writes, each at its own rate. The
 * list price per image (ModelSpec.pricesUsd) is only the estimate made before a call. Pure.
 */
import type { TokenPrices } from './catalogue.js';
import { priceUsd, type ImageModel } from './models.js';
import type { ImageSize } from './options.js';

/**
 * The tokens Gemini reported for one call (its usageMetadata). Every field is optional: Gemini
 * leaves out what it did not count, and records made before a field existed lack it.
 * (Defined here, beside the cost it prices; gemini/image-generator.ts re-exports it.)
 */
export interface TokenUsage {
  /** Every input token: the text prompt and the reference images. */
  readonly promptTokens?: number;
  /** Of the input, the text prompt's tokens. */
  readonly promptTextTokens?: number;
  /** Of the input, the reference images' tokens. */
  readonly promptImageTokens?: number;
  /** The answer's tokens, image and text; thinking is not among them. */
  readonly outputTokens?: number;
  readonly totalTokens?: number;
  /** Of the output, the image tokens (billed at the image-output rate). */
  readonly imageOutputTokens?: number;
  /** Of the output, the text tokens (billed at the text-output rate). */
  readonly textOutputTokens?: number;
  /** Thinking, outside outputTokens, billed at the text-output rate. */
  readonly thinkingTokens?: number;
}

/** The fields a cost can be computed from; totalTokens alone says nothing about the rates. */
const BILLED_FIELDS = ['promptTokens', 'promptTextTokens', 'promptImageTokens', 'outputTokens', 'imageOutputTokens', 'textOutputTokens', 'thinkingTokens'] as const;

/** Whether `usage` counts any token a cost can be computed from. */
export function hasTokenCounts(usage: TokenUsage | undefined): usage is TokenUsage {
  return usage !== undefined && BILLED_FIELDS.some((field) => usage[field] !== undefined);
}

/**
 * USD Gemini billed for a call that used `usage`, at `prices` (USD per million tokens),
 * rounded to a millionth of a dollar; undefined when `usage` counts no tokens (the caller
 * then falls back to the list price):
 *
 *   cost = ( inputText   × promptText
 *          + inputImage  × promptImage
 *          + imageOutput × imageOutput
 *          + textOutput  × (textOutput + thinking) ) / 1,000,000
 *
 * A prompt token not counted as an image token is text, and so is an output token not counted
 * as an image token: records older than the text fields carry only the totals. So 3,000
 * image-output tokens on Nano Banana 2 ($60 per million) cost $0.18.
 */
export function costFromUsage(prices: TokenPrices, usage: TokenUsage): number | undefined {
  if (!hasTokenCounts(usage)) return undefined;
  const promptImage = count(usage.promptImageTokens);
  const promptText = Math.max(count(usage.promptTextTokens), count(usage.promptTokens) - promptImage);
  const imageOutput = count(usage.imageOutputTokens);
  const textOutput = Math.max(count(usage.textOutputTokens), count(usage.outputTokens) - imageOutput);
  const thinking = count(usage.thinkingTokens);
  // Tokens × USD per million tokens is millionths of a dollar: rounding here keeps six decimals.
  const micros =
    promptText * prices.inputText + promptImage * prices.inputImage + imageOutput * prices.imageOutput + (textOutput + thinking) * prices.textOutput;
  return Math.round(micros) / 1e6;
}

/**
 * What a generated image cost: its tokens at the model's token prices, or the model's list
 * price for the size when Gemini reported no usage. When Gemini did not say which of its output
 * tokens were the image's, they are taken as the image's (an answer that carries an image is
 * almost all image tokens): billing them at the text rate would record a small fraction of what
 * Google charges.
 */
export function imageCostUsd(model: ImageModel, imageSize: ImageSize, usage: TokenUsage | undefined): number {
  if (!usage || (usage.imageOutputTokens === undefined && usage.outputTokens === undefined)) return priceUsd(model, imageSize);
  const billed =
    usage.imageOutputTokens === undefined
      ? { ...usage, imageOutputTokens: usage.outputTokens, textOutputTokens: 0 }
      : usage;
  return costFromUsage(model.tokenPricesUsdPerMillion, billed) ?? priceUsd(model, imageSize);
}

/** A reported count as a number of tokens: anything else (absent, negative, not a number) is none. */
function count(tokens: number | undefined): number {
  return tokens !== undefined && Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}
