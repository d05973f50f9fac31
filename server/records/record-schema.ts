/** The stored shapes of generation records and jobs, checked whenever one is read back. */
import { z } from 'zod';
import { IMAGE_NAME_PATTERN, STORED_NAME_PATTERN, UPLOAD_NAME_PATTERN, type ImageName } from '../core/names.js';
import { MODEL_ALIASES } from '../core/models.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../core/options.js';
import type { GenerationJob, GenerationRecord, UploadRecord } from './record-store.js';

const imageName = z.string().regex(IMAGE_NAME_PATTERN).transform((v) => v as ImageName);
/** A reference may be a generation or one of the user's uploads. */
const referenceName = z.string().regex(STORED_NAME_PATTERN).transform((v) => v as ImageName);
const count = z.number().int().nonnegative().optional();

export const generationRecordSchema = z.object({
  name: imageName,
  email: z.string(),
  prompt: z.string(),
  modelId: z.string(),
  modelAlias: z.enum(MODEL_ALIASES),
  imageSize: z.enum(IMAGE_SIZES),
  aspectRatio: z.enum(ASPECT_RATIOS),
  referenceNames: z.array(referenceName),
  createdAt: z.string(),
  costUsd: z.number().nonnegative(),
  usage: z.object({ promptTokens: count, promptTextTokens: count, promptImageTokens: count, outputTokens: count, totalTokens: count, imageOutputTokens: count, textOutputTokens: count, thinkingTokens: count }),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
}) satisfies z.ZodType<GenerationRecord>;

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not an ISO 8601 time');

export const generationJobSchema = z.object({
  name: imageName,
  email: z.string(),
  status: z.enum(['generating', 'failed']),
  requestKey: z.string(),
  prompt: z.string(),
  modelAlias: z.enum(MODEL_ALIASES),
  modelId: z.string(),
  imageSize: z.enum(IMAGE_SIZES),
  aspectRatio: z.enum(ASPECT_RATIOS),
  referenceNames: z.array(referenceName),
  startedAt: isoTime,
  leaseUntil: isoTime,
  reservedUsd: z.number().nonnegative(),
  failedAt: isoTime.optional(),
  failure: z.string().optional(),
  costUsd: z.number().nonnegative().optional(),
}) satisfies z.ZodType<GenerationJob>;

export const uploadRecordSchema = z.object({
  name: z.string().regex(UPLOAD_NAME_PATTERN).transform((v) => v as ImageName),
  email: z.string().min(3),
  createdAt: z.iso.datetime(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  originalType: z.string().min(1).max(20),
}) satisfies z.ZodType<UploadRecord>;
