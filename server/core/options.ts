/** What the image models accept, and the limits this server puts on a request. */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
export const DEFAULT_IMAGE_SIZE: ImageSize = '1K';

export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const DEFAULT_ASPECT_RATIO: AspectRatio = '1:1';

/** Long enough for a detailed art direction, short enough to stop pasted documents. */
export const MAX_PROMPT_CHARS = 8000;
/** Gemini accepts more, but each reference adds seconds and upload size. */
export const MAX_REFERENCE_IMAGES = 6;
