/**
 * The Gemini image models this server knows, as data: what each model id accepts and costs,
 * and which ids each alias may use, best first. Google retires models every few months; the
 * server checks which candidates Gemini still serves (generation/model-resolver.ts), so a
 * retirement moves an alias to its next candidate, and a new model is one entry here.
 *
 * Facts as read on 2026-11-30 (see docs/models.md for every source):
 * - gemini-nano-banana-2.1 (Nano Banana 2.1): GA 2026-10-06, the successor Google names for
 *   gemini-3.1-flash-image (Gemini API changelog, 2026-10-06). 1K/2K/4K ("512" is refused),
 *   14 aspect ratios (changelog), $30 per million image-output tokens (third-party price lists;
 *   Google's row not found).
 * - gemini-3.1-flash-image (Nano Banana 2): GA 2026-05-28, deprecated 2026-10-06 with no
 *   shutdown date on Google's pages (a 2026-10-29 shutdown is reported only by third parties).
 * - gemini-3-pro-image (Nano Banana Pro): GA 2026-05-28, no shutdown date; $120 per million
 *   image-output tokens (Google's pricing page).
 * - gemini-3.1-flash-lite-image (Nano Banana 2 Lite): GA 2026-06-30, Google's fastest image
 *   model; 1K only, thinking minimal/high (its model page); about $0.034 per image (third parties).
 * - The preview ids (gemini-3.1-flash-image-preview, gemini-3-pro-image-preview) were shut
 *   down on 2026-06-25 (Gemini API deprecations page): accepted as names, never sent.
 */
import { ASPECT_RATIOS, CLASSIC_ASPECT_RATIOS, type AspectRatio, type ImageSize } from './options.js';

export const MODEL_ALIASES = ['flash', 'pro', 'lite'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];
export const FALLBACK_MODEL: ModelAlias = 'flash';

/** USD per image, for exactly the sizes a model accepts. */
export type PriceList = Readonly<Partial<Record<ImageSize, number>>>;

/** What Gemini bills, in USD per million tokens (for costing from usage). */
export interface TokenPrices {
  /** Text and image input (the prompt and reference images). */
  readonly input: number;
  /** Text output and thinking. */
  readonly textOutput: number;
  readonly imageOutput: number;
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
  /** Estimated list price per image: image-output tokens for the size × the image-output rate. */
  readonly pricesUsd: PriceList;
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
    tokenPricesUsdPerMillion: { input: 1.5, textOutput: 7.5, imageOutput: 30 },
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
    tokenPricesUsdPerMillion: { input: 0.5, textOutput: 3, imageOutput: 60 },
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
    tokenPricesUsdPerMillion: { input: 2, textOutput: 12, imageOutput: 120 },
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
    tokenPricesUsdPerMillion: { input: 0.25, textOutput: 1.5, imageOutput: 30 },
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
