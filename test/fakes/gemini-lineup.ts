/**
 * What the Gemini fake serves: Google's model line-up as of 2026-11-30, written from Google's
 * changelog and deprecation pages (not from our server's registry: the fake describes Google),
 * and the per-model rules Gemini applies to a generateContent request today: what it refuses
 * and how it counts tokens.
 */

export interface FakeModel {
  /** The id as it appears after `models/` (Gemini API) or `publishers/google/models/` (Vertex AI). */
  readonly id: string;
  readonly displayName: string;
  /** `imageConfig.imageSize` values the model accepts, exactly as spelled (Gemini wants an uppercase K). Empty: the model does not draw images. */
  readonly imageSizes: readonly string[];
  readonly aspectRatios: readonly string[];
  /** How many `inlineData` images one request may carry. */
  readonly maxInputImages: number;
  /** Output tokens Gemini bills for one image of each size. */
  readonly imageOutputTokens: Readonly<Record<string, number>>;
  /** Input tokens Gemini counts for each image in the request (reference images). */
  readonly inputImageTokens: number;
  /** Thinking models report `thoughtsTokenCount` and sign their parts. */
  readonly thinking: boolean;
  readonly description?: string;
  readonly version?: string;
  readonly inputTokenLimit?: number;
  readonly outputTokenLimit?: number;
  readonly supportedGenerationMethods?: readonly string[];
}

const CLASSIC_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const EXTENDED_RATIOS = [...CLASSIC_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;
const IMAGE_METHODS = ['generateContent', 'countTokens', 'batchGenerateContent'] as const;

/** Served by default. `gemini-3.1-flash-image` is deprecated (2026-10-06) but still answers. */
export const FAKE_LINEUP: readonly FakeModel[] = Object.freeze<FakeModel[]>([
  {
    id: 'gemini-nano-banana-2.1',
    displayName: 'Nano Banana 2.1',
    description: 'Gemini image generation and editing, fast and high quality.',
    version: '2.1',
    imageSizes: ['1K', '2K', '4K'],
    aspectRatios: EXTENDED_RATIOS,
    maxInputImages: 14,
    imageOutputTokens: { '1K': 1120, '2K': 1680, '4K': 3780 },
    inputImageTokens: 1120, // as Nano Banana 2 (not published separately)
    thinking: true,
  },
  {
    id: 'gemini-3.1-flash-image',
    displayName: 'Nano Banana 2',
    description: 'Gemini 3.1 Flash Image. Deprecated on 2026-10-06; use gemini-nano-banana-2.1.',
    version: '3.1',
    imageSizes: ['512', '1K', '2K', '4K'],
    aspectRatios: EXTENDED_RATIOS,
    maxInputImages: 14,
    imageOutputTokens: { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 },
    // $0.00056 per input image at $0.50 per million input tokens (third-party price lists).
    inputImageTokens: 1120,
    thinking: true,
  },
  {
    id: 'gemini-3-pro-image',
    displayName: 'Nano Banana Pro',
    description: 'Gemini 3 Pro Image: studio-quality images, legible text, complex compositions.',
    version: '3.0',
    inputTokenLimit: 65_536,
    imageSizes: ['1K', '2K', '4K'],
    aspectRatios: CLASSIC_RATIOS,
    maxInputImages: 14,
    imageOutputTokens: { '1K': 1120, '2K': 1120, '4K': 2000 },
    // About $0.0011 per input image at $2 per million input tokens (third-party price lists).
    inputImageTokens: 560,
    thinking: true,
  },
  {
    id: 'gemini-3.1-flash-lite-image',
    displayName: 'Nano Banana 2 Lite',
    description: 'Gemini 3.1 Flash-Lite Image: the cheapest Gemini images, 1K only.',
    version: '3.1',
    imageSizes: ['1K'],
    aspectRatios: CLASSIC_RATIOS,
    maxInputImages: 14,
    imageOutputTokens: { '1K': 1120 },
    inputImageTokens: 1120, // as Nano Banana 2 (not published separately)
    thinking: true,
  },
  {
    // Listed so clients cannot assume every model draws: asked for images, it refuses with 400.
    id: 'gemini-3.5-flash',
    displayName: 'Gemini 3.5 Flash',
    description: 'Fast multimodal model with text output.',
    version: '3.5',
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ['generateContent', 'countTokens'],
    imageSizes: [],
    aspectRatios: [],
    maxInputImages: 3000,
    imageOutputTokens: {},
    inputImageTokens: 1120,
    thinking: true,
  },
]);

/** Ids Google has shut down: not served (404), listed here only so tests can name them. */
export const FAKE_RETIRED_IDS: readonly string[] = Object.freeze([
  'gemini-3.1-flash-image-preview', // shut down 2026-06-25
  'gemini-3-pro-image-preview', // shut down 2026-06-25
  'gemini-2.5-flash-image', // shut down 2026-10-02
]);

export const drawsImages = (model: FakeModel): boolean => model.imageSizes.length > 0;

/** The Gemini API's `Model` resource. */
export function toGeminiModel(model: FakeModel): Record<string, unknown> {
  return {
    name: `models/${model.id}`,
    baseModelId: model.id,
    version: model.version ?? '001',
    displayName: model.displayName,
    description: model.description ?? model.displayName,
    inputTokenLimit: model.inputTokenLimit ?? 131_072,
    outputTokenLimit: model.outputTokenLimit ?? 32_768,
    supportedGenerationMethods: [...(model.supportedGenerationMethods ?? IMAGE_METHODS)],
    temperature: 1,
    maxTemperature: 2,
    topP: 0.95,
    topK: 64,
    thinking: model.thinking,
  };
}

/** Vertex AI's `PublisherModel` resource (Model Garden). */
export function toPublisherModel(model: FakeModel): Record<string, unknown> {
  return {
    name: `publishers/google/models/${model.id}`,
    versionId: '001',
    openSourceCategory: 'PROPRIETARY',
    launchStage: 'GA',
    versionState: 'VERSION_STATE_STABLE',
    publisherModelTemplate: `projects/{project}/locations/{location}/publishers/google/models/${model.id}`,
  };
}

export interface GenerateRequestShape {
  readonly responseModalities?: readonly string[];
  readonly imageSize?: string;
  readonly aspectRatio?: string;
  readonly inputImages: number;
}

/** Why Gemini refuses this request with 400 INVALID_ARGUMENT, or undefined when it accepts it. */
export function refusal(model: FakeModel, request: GenerateRequestShape): string | undefined {
  const wantsImage = request.responseModalities?.some((m) => m.toUpperCase() === 'IMAGE') ?? false;
  if (!drawsImages(model)) return wantsImage ? 'Model does not support the requested response modalities: image' : undefined;
  const { imageSize, aspectRatio, inputImages } = request;
  if (imageSize !== undefined && !model.imageSizes.includes(imageSize)) {
    return `Unsupported image size "${imageSize}" for model ${model.id}. Supported: ${model.imageSizes.join(', ')}.`;
  }
  if (aspectRatio !== undefined && !model.aspectRatios.includes(aspectRatio)) {
    return `Unsupported aspect ratio "${aspectRatio}" for model ${model.id}. Supported: ${model.aspectRatios.join(', ')}.`;
  }
  if (inputImages > model.maxInputImages) {
    return `Too many input images for model ${model.id}: ${inputImages} sent, at most ${model.maxInputImages} supported.`;
  }
  return undefined;
}

export interface TokenCount {
  modality: 'TEXT' | 'IMAGE';
  tokenCount: number;
}

/** Gemini's usageMetadata for an answer with candidates (an image, or text only); Google bills every count in it. */
export interface FakeUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  /** TEXT always; IMAGE only when the request carried images. */
  promptTokensDetails: TokenCount[];
  candidatesTokensDetails: TokenCount[];
  /** Thinking models only. Google bills these as output tokens; they are not in candidatesTokenCount. */
  thoughtsTokenCount?: number;
}

/** usageMetadata of a blocked answer: Google bills its prompt tokens, and no output. */
export type FakePromptUsage = Pick<FakeUsage, 'promptTokenCount' | 'promptTokensDetails' | 'totalTokenCount'>;

/**
 * The token counts a test wants the next image answer to report (GeminiFake.nextUsage), as
 * Gemini would break them down; counts left out are zero, so a test can predict the cost to
 * the millionth of a dollar: `{ imageOutputTokens: 3000 }` on Nano Banana 2 is $0.18.
 */
export interface FakeUsageOverride {
  readonly promptTextTokens?: number;
  readonly promptImageTokens?: number;
  readonly imageOutputTokens?: number;
  readonly textOutputTokens?: number;
  /** Reported by thinking models only. */
  readonly thoughtsTokens?: number;
}

/** The part of a generateContent body that usage depends on. */
interface PromptShape {
  readonly contents?: readonly { readonly parts?: readonly { readonly text?: string; readonly inlineData?: unknown }[] }[];
}

/** A fixed figure, so tests can predict totals; real thinking varies per request. */
const THOUGHTS_TOKENS = 196;

/** About four characters a token, as Gemini counts English. */
export const textTokens = (text: string): number => Math.ceil(text.length / 4);

/** Prompt usage: the text parts as TEXT, each inline image (a reference image) as the model's IMAGE tokens. */
export function promptUsage(model: FakeModel, body: PromptShape): FakePromptUsage {
  const parts = body.contents?.flatMap((c) => c.parts ?? []) ?? [];
  const text = textTokens(parts.map((p) => p.text ?? '').join(''));
  const images = model.inputImageTokens * parts.filter((p) => p.inlineData).length;
  return promptUsageOf(text, images);
}

function promptUsageOf(text: number, images: number): FakePromptUsage {
  const promptTokensDetails: TokenCount[] = [{ modality: 'TEXT', tokenCount: text }];
  if (images) promptTokensDetails.push({ modality: 'IMAGE', tokenCount: images });
  return { promptTokenCount: text + images, promptTokensDetails, totalTokenCount: text + images };
}

/** Usage of an answer: `image` tokens for a drawn image, `text` for its text part. */
export function answerUsage(model: FakeModel, body: PromptShape, candidates: { image?: number; text: number }): FakeUsage {
  return usageOf(model, promptUsage(model, body), { ...candidates, thoughts: THOUGHTS_TOKENS });
}

/** Usage of an image answer reporting exactly the counts a test set (see FakeUsageOverride). */
export function overriddenUsage(model: FakeModel, counts: FakeUsageOverride): FakeUsage {
  const prompt = promptUsageOf(counts.promptTextTokens ?? 0, counts.promptImageTokens ?? 0);
  return usageOf(model, prompt, { image: counts.imageOutputTokens ?? 0, text: counts.textOutputTokens ?? 0, thoughts: counts.thoughtsTokens ?? 0 });
}

function usageOf(model: FakeModel, prompt: FakePromptUsage, candidates: { image?: number; text: number; thoughts: number }): FakeUsage {
  const candidatesTokensDetails: TokenCount[] = [];
  if (candidates.image !== undefined) candidatesTokensDetails.push({ modality: 'IMAGE', tokenCount: candidates.image });
  candidatesTokensDetails.push({ modality: 'TEXT', tokenCount: candidates.text });
  const candidatesTokenCount = (candidates.image ?? 0) + candidates.text;
  const thoughts = model.thinking ? candidates.thoughts : 0;
  return {
    promptTokenCount: prompt.promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: prompt.promptTokenCount + candidatesTokenCount + thoughts,
    promptTokensDetails: prompt.promptTokensDetails,
    candidatesTokensDetails,
    ...(model.thinking ? { thoughtsTokenCount: thoughts } : {}),
  };
}
