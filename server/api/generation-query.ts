/**
 * The query parameters of GET /api/generations and /api/generations/summary, checked: each
 * error names the parameter and what it accepts. Pure.
 */
import { z } from 'zod';
import { MODEL_ALIASES } from '../core/models.js';
import { IMAGE_SIZES } from '../core/options.js';
import { isDay, type RecordFilter } from '../core/search.js';
import { invalidArgument } from '../errors.js';
import { MAX_PAGE_SIZE } from '../records/record-store.js';

export const DEFAULT_PAGE_SIZE = 24;
export const MAX_QUERY_CHARS = 200;

const day = (name: string) =>
  z
    .string({ error: `${name} must be a date written YYYY-MM-DD` })
    .refine(isDay, { error: (issue) => `${name} must be a real date written YYYY-MM-DD (UTC), not ${JSON.stringify(String(issue.input).slice(0, 40))}` });

const filterFields = {
  user: z.string({ error: 'user must be one email address' }).trim().toLowerCase().max(320, 'user is an email address of at most 320 characters').optional(),
  q: z.string({ error: 'q must be given once' }).max(MAX_QUERY_CHARS, `q (the words to find) is at most ${MAX_QUERY_CHARS} characters`).optional(),
  model: z.enum(MODEL_ALIASES, { error: `model must be one of ${MODEL_ALIASES.join(', ')}` }).optional(),
  size: z.enum(IMAGE_SIZES, { error: `size must be one of ${IMAGE_SIZES.join(', ')}` }).optional(),
  from: day('from').optional(),
  to: day('to').optional(),
};

const summaryQuery = z.object(filterFields);
const pageQuery = z.object({
  ...filterFields,
  limit: z.coerce
    .number({ error: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .min(1, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `limit is at most ${MAX_PAGE_SIZE}`)
    .optional(),
  cursor: z.string({ error: 'cursor must be given once' }).max(500, 'cursor is not valid: pass nextCursor from the previous page unchanged').optional(),
});

export interface SummaryRequest {
  /** The user whose images are asked for; undefined: the caller. */
  readonly user?: string;
  readonly filter: RecordFilter;
}

export interface PageRequest extends SummaryRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export function parseSummaryQuery(query: unknown): SummaryRequest {
  const parsed = parse(summaryQuery, query);
  return { ...(parsed.user ? { user: parsed.user } : {}), filter: filterOf(parsed) };
}

export function parsePageQuery(query: unknown): PageRequest {
  const parsed = parse(pageQuery, query);
  return {
    ...(parsed.user ? { user: parsed.user } : {}),
    filter: filterOf(parsed),
    limit: parsed.limit ?? DEFAULT_PAGE_SIZE,
    ...(parsed.cursor ? { cursor: parsed.cursor } : {}),
  };
}

function parse<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw invalidArgument(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

function filterOf(parsed: z.infer<typeof summaryQuery>): RecordFilter {
  if (parsed.from !== undefined && parsed.to !== undefined && parsed.from > parsed.to) {
    throw invalidArgument(`from (${parsed.from}) must not be after to (${parsed.to}): the range is inclusive, from the earlier day to the later.`);
  }
  const text = parsed.q?.trim();
  return {
    ...(text ? { text } : {}),
    ...(parsed.model ? { modelAlias: parsed.model } : {}),
    ...(parsed.size ? { imageSize: parsed.size } : {}),
    ...(parsed.from ? { fromDay: parsed.from } : {}),
    ...(parsed.to ? { toDay: parsed.to } : {}),
  };
}
