/**
 * The Gemini image models this server knows, as data: what each model id accepts and costs,
 * and which ids each alias may use, best first. Google retires models every few months; the
 * server checks which candidates Gemini still serves (generation/model-resolver.ts), so a
 * retirement moves an alias to its next candidate, and a new model is one entry here.
 *
 * Facts as read on 2026-11-30 (see docs/models.md for every source). Token prices are the
 * standard (not batch) paid tier, USD per million tokens: input text / input image / image
 * output / text and thinking output.
 * - gemini-nano-banana-2.1 (Nano Banana 2.1): GA 2026-10-06, the successor Google names for
 *   gemini-3.1-flash-image (Gemini API changelog, 2026-10-06). 1K/2K/4K ("512" is refused),
 *   14 aspect ratios (changelog). 1.50 / 1.50 / 30 / 7.50 (third-party price lists, LiteLLM's
 *   launch note; Google's row not found; image input assumed at the text-input rate).
 * - gemini-3.1-flash-image (Nano Banana 2): GA 2026-05-28, deprecated 2026-10-06 with no
 *   shutdown date on Google's pages (a 2026-10-29 shutdown is reported only by third parties).
 *   Up to 2,520 image tokens per image (Google's Vertex AI model page). 0.50 / 0.50 / 60 / 3
 *   (third parties quoting Google's pricing page).
 * - gemini-3-pro-image (Nano Banana Pro): GA 2026-05-28, no shutdown date. Image output 120
 *   (Google's pricing page); input 2 (text and images), text output 12 (third parties).
 * - gemini-3.1-flash-lite-image (Nano Banana 2 Lite): GA 2026-06-30, Google's fastest image
 *   model; 1K only, thinking minimal/high (its model page). 0.25 / 0.25 / 30 / 1.50 (third
 *   parties quoting Vertex AI's pricing page): about $0.034 per 1K image.
 * - The preview ids (gemini-3.1-flash-image-preview, gemini-3-pro-image-preview) were shut
 *   down on 2026-06-25 (Gemini API deprecations page): accepted as names, never sent.
 */
import { ASPECT_RATIOS, CLASSIC_ASPECT_RATIOS, type AspectRatio, type ImageSize } from './options.js';

export const MODEL_ALIASES = ['flash', 'pro', 'lite'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];
export const FALLBACK_MODEL: ModelAlias = 'flash';

/** USD per image, for exactly the sizes a model accepts. */
export type PriceList = Readonly<Partial<Record<ImageSize, number>>>;

/**
 * What Gemini bills, in USD per million tokens: the recorded cost of an image is computed from
 * the tokens Gemini reports with these (core/cost.ts).
 */
export interface TokenPrices {
  /** The text prompt. */
  readonly inputText: number;
  /** Reference images. Google lists one input rate for text and images today; kept apart in case it splits. */
  readonly inputImage: number;
  readonly imageOutput: number;
  /** Text output and thinking (Google bills thinking as text output). */
  readonly textOutput: number;
}

export interface ModelSpec {
  /** The id sent to Gemini. */
  readonly id: string;
  /** Google's product name. */
  readonly label: string;
  /** Earlier ids of the same model, now retired (a preview): accepted as names, never sent. */
  readonly formerIds?: readonly string[];
  readonly imageSizes: readonly ImageSize[];
  readonly aspectRatios: readonly AspectRatio[];
  readonly maxReferenceImages: number;
  /** The thinking levels it takes, or 'always' when it always thinks and takes none. */
  readonly thinking: readonly ('minimal' | 'medium' | 'high')[] | 'always';
  /**
   * Estimated list price per image: image-output tokens for the size × the image-output rate.
   * Shown before a call and reserved against a budget; the recorded cost comes from the tokens.
   */
  readonly pricesUsd: PriceList;
  /** What Gemini bills for this model: the recorded cost of an image is its tokens at these rates. */
  readonly tokenPricesUsdPerMillion: TokenPrices;
}

export interface AliasSpec {
  readonly alias: ModelAlias;
  readonly useFor: string;
  /** Model ids, best first: the alias uses the first one Gemini serves. */
  readonly candidates: readonly string[];
  /** Other names that once meant this alias (retired models and products): accepted, never sent. */
  readonly formerNames: readonly string[];
}

const fourteenRatios: readonly AspectRatio[] = ASPECT_RATIOS;
const classicRatios: readonly AspectRatio[] = CLASSIC_ASPECT_RATIOS;

export const MODEL_SPECS: readonly ModelSpec[] = [
  {
    id: 'gemini-nano-banana-2.1',
    label: 'Nano Banana 2.1',
    imageSizes: ['1K', '2K', '4K'],
    aspectRatios: fourteenRatios,
    maxReferenceImages: 14,
    thinking: ['minimal', 'medium', 'high'],
    // 1,120 tokens at 1K, 1,680 at 2K (as Nano Banana 2), about 3,780 at 4K; × $30 per million.
    pricesUsd: { '1K': 0.034, '2K': 0.05, '4K': 0.113 },
    tokenPricesUsdPerMillion: { inputText: 1.5, inputImage: 1.5, imageOutput: 30, textOutput: 7.5 },
  },
  {
    id: 'gemini-3.1-flash-image',
    label: 'Nano Banana 2',
    formerIds: ['gemini-3.1-flash-image-preview'],
    imageSizes: ['512', '1K', '2K', '4K'],
    aspectRatios: fourteenRatios,
    maxReferenceImages: 14,
    thinking: ['minimal', 'high'],
    // 747 / 1,120 / 1,680 / 2,520 image tokens × $60 per million.
    pricesUsd: { '512': 0.045, '1K': 0.067, '2K': 0.101, '4K': 0.151 },
    tokenPricesUsdPerMillion: { inputText: 0.5, inputImage: 0.5, imageOutput: 60, textOutput: 3 },
  },
  {
    id: 'gemini-3-pro-image',
    label: 'Nano Banana Pro',
    formerIds: ['gemini-3-pro-image-preview', 'nano-banana-pro-preview'],
    imageSizes: ['1K', '2K', '4K'],
    aspectRatios: classicRatios,
    maxReferenceImages: 14,
    thinking: 'always',
    // 1,120 image tokens at 1K and 2K, 2,000 at 4K × $120 per million.
    pricesUsd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
    tokenPricesUsdPerMillion: { inputText: 2, inputImage: 2, imageOutput: 120, textOutput: 12 },
  },
  {
    id: 'gemini-3.1-flash-lite-image',
    label: 'Nano Banana 2 Lite',
    imageSizes: ['1K'],
    // Google's page says 14 ratios in its text but lists the classic ten: the ten are sure.
    aspectRatios: classicRatios,
    maxReferenceImages: 14,
    thinking: ['minimal', 'high'],
    // About 1,120 image tokens at 1K; third parties put it near $0.034 per image.
    pricesUsd: { '1K': 0.034 },
    tokenPricesUsdPerMillion: { inputText: 0.25, inputImage: 0.25, imageOutput: 30, textOutput: 1.5 },
  },
];

export const ALIAS_SPECS: Readonly<Record<ModelAlias, AliasSpec>> = {
  flash: {
    alias: 'flash',
    useFor: 'drafts, iterations, most images',
    candidates: ['gemini-nano-banana-2.1', 'gemini-3.1-flash-image'],
    formerNames: ['gemini-2.5-flash-image', 'nano-banana'],
  },
  pro: {
    alias: 'pro',
    useFor: 'final renders, text in images, complex compositions',
    candidates: ['gemini-3-pro-image'],
    formerNames: [],
  },
  lite: {
    alias: 'lite',
    useFor: 'the fastest 1K drafts, many variants',
    candidates: ['gemini-3.1-flash-lite-image'],
    formerNames: [],
  },
};

export function specOf(id: string): ModelSpec | undefined {
  return MODEL_SPECS.find((spec) => spec.id === id);
}

/** The spec of a current or former id. */
export function specOfAnyId(id: string): ModelSpec | undefined {
  return MODEL_SPECS.find((spec) => spec.id === id || spec.formerIds?.includes(id));
}
