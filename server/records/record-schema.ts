/** The stored shape of a generation record, checked whenever one is read back. */
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, type ImageName } from '../core/names.js';
import { MODEL_ALIASES } from '../core/models.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../core/options.js';
import type { GenerationRecord } from './record-store.js';

const imageName = z.string().regex(IMAGE_NAME_PATTERN).transform((v) => v as ImageName);
const count = z.number().int().nonnegative().optional();

export const generationRecordSchema = z.object({
  name: imageName,
  email: z.string(),
  prompt: z.string(),
  modelId: z.string(),
  modelAlias: z.enum(MODEL_ALIASES),
  imageSize: z.enum(IMAGE_SIZES),
  aspectRatio: z.enum(ASPECT_RATIOS),
  referenceNames: z.array(imageName),
  createdAt: z.string(),
  costUsd: z.number().nonnegative(),
  usage: z.object({ promptTokens: count, outputTokens: count, totalTokens: count, imageOutputTokens: count, thinkingTokens: count }),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
}) satisfies z.ZodType<GenerationRecord>;
