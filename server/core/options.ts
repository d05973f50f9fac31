/**
 * Every image option some Gemini image model accepts, and the limits this server puts on a
 * request. Which model accepts which is in the catalogue (catalogue.ts).
 */
/** Gemini's own strings: "512" (512 px), then 1K, 2K, 4K with an uppercase K. */
export const IMAGE_SIZES = ['512', '1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
export const DEFAULT_IMAGE_SIZE: ImageSize = '1K';

/** The ten ratios every Gemini image model takes. */
export const CLASSIC_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** The classic ten, then the tall and wide strips that Nano Banana 2 introduced. */
export const ASPECT_RATIOS = [...CLASSIC_ASPECT_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const DEFAULT_ASPECT_RATIO: AspectRatio = '1:1';

/** Long enough for a detailed art direction, short enough to stop pasted documents. */
export const MAX_PROMPT_CHARS = 8000;
/** The most reference images any model in the catalogue accepts; each model may accept fewer. */
export const MAX_REFERENCE_IMAGES = 14;
