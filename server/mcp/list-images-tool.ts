/**
 * The `list_images` tool: the caller's images, newest first, a page at a time, optionally only
 * those whose prompt contains some text. Generations still running come first on the first
 * page. Details and previews stay with image_info: this answer is a compact list, kept far
 * below Claude Code's 25,000-token budget even at the largest page.
 */
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { EMAIL_PATTERN, normalizeEmail } from '../core/access.js';
import { formatUsd } from '../core/models.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../core/options.js';
import { AppError } from '../errors.js';
import { encodeCursor } from '../records/cursor.js';
import { MAX_PAGE_SIZE, type GenerationJob, type GenerationRecord, type RecordStore } from '../records/record-store.js';
import { registerTool, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

export const DEFAULT_LIST_LIMIT = 10;
export const MAX_LIST_LIMIT = 50;
export const MAX_QUERY_CHARS = 200;
/** How many records one call reads at most while searching prompts; the cursor continues the search. */
export const MAX_SCANNED_RECORDS = 1000;
/** Generations running at once are few; more than this are counted, not listed. */
const MAX_GENERATING_LISTED = 10;
const TEXT_PROMPT_CHARS = 80;
const STRUCTURED_PROMPT_CHARS = 120;

/** The prompt search every listing tool takes (list_images, browse_images and the gallery's pages). */
export const promptQuery = (describe: string) =>
  z
    .string({ error: 'query must be text: words the prompt contains' })
    .trim()
    .max(MAX_QUERY_CHARS, `query is too long: at most ${MAX_QUERY_CHARS} characters are accepted`)
    .optional()
    .describe(describe);

const inputSchema = z.object({
  query: promptQuery('Only images whose prompt contains this text (case-insensitive). Leave out to list every image.'),
  limit: z
    .number({ error: `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}` })
    .int(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
    .min(1, `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
    .max(MAX_LIST_LIMIT, `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
    .optional()
    .describe(`How many finished images to list (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_LIST_LIMIT}).`),
  cursor: z
    .string({ error: 'cursor must be the text next_cursor from the previous answer' })
    .max(500, 'cursor is not valid: pass next_cursor from the previous answer unchanged')
    .optional()
    .describe('next_cursor from the previous answer, for the next page (with the same query).'),
  user: z
    .string({ error: 'user must be an email address' })
    .trim()
    .toLowerCase()
    .max(320, 'user must be an email address')
    .regex(EMAIL_PATTERN, 'user must be an email address')
    .optional()
    .describe("Admins only: list this user's images instead of your own."),
});

const imageSchema = z.object({
  title: z.string().describe('For image_info and reference_images.'),
  status: z.enum(['done', 'generating']),
  created_at: z.string().describe('ISO 8601: when it was finished, or started while generating.'),
  model: z.string().describe('The alias (flash, pro, lite).'),
  model_id: z.string().describe('The Gemini model id.'),
  image_size: z.enum(IMAGE_SIZES),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  cost_usd: z.number().optional().describe('What it cost, in US dollars (done images).'),
  url: z.string().describe('The full-size PNG (once done).'),
  prompt: z.string().describe(`The prompt, cut to ${STRUCTURED_PROMPT_CHARS} characters; image_info has all of it.`),
});
const outputSchema = z.object({
  images: z.array(imageSchema).describe('Generating ones first (first page only), then newest first.'),
  next_cursor: z.string().optional().describe('Pass as cursor for the next page; absent when there is no more.'),
});
type ListedImage = z.infer<typeof imageSchema>;

export function registerListImagesTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'list_images',
    {
      title: 'List images',
      description:
        'List your images generated with this server, newest first, with generations still running on top: title, status, ' +
        'time, model, size, aspect ratio, cost, link and the start of the prompt. Optionally only those whose prompt contains ' +
        `query. Pages of ${DEFAULT_LIST_LIMIT} by default (limit up to ${MAX_LIST_LIMIT}); pass next_cursor as cursor for more. ` +
        'Use image_info with a title for the details and a preview. Admins may pass user to list another user’s images.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    call,
    (args) => listImages(deps, call, args),
  );
}

/** One page of list_images' answer; browse_images answers its first page too, for clients without apps. */
export async function listImages(deps: ToolDeps, call: ToolCall, args: z.output<typeof inputSchema>): Promise<CallToolResult> {
  const email = args.user === undefined ? call.caller.email : normalizeEmail(args.user);
  if (email !== call.caller.email && !call.caller.isAdmin) {
    throw new AppError('PERMISSION_DENIED', 'Only admins can list another user’s images. Leave out user to list your own.');
  }
  const query = args.query === '' ? undefined : args.query;
  const limit = args.limit ?? DEFAULT_LIST_LIMIT;
  const matches = promptMatcher(query);

  // Jobs first: one that finishes meanwhile then shows once, as its record.
  const generating = args.cursor === undefined ? (await deps.records.listGenerating(email)).filter((job) => matches?.(job.prompt) ?? true) : [];
  const found = await findRecords(deps.records, email, { limit, cursor: args.cursor, matches });
  const done = new Set(found.records.map((r) => r.name));
  const running = generating.filter((job) => !done.has(job.name));

  const images = [...running.slice(0, MAX_GENERATING_LISTED).map((job) => fromJob(job, deps.publicUrl)), ...found.records.map((r) => fromRecord(r, deps.publicUrl))];
  const text = listText(images, {
    whose: email === call.caller.email ? 'Your images' : `Images of ${email}`,
    query,
    firstPage: args.cursor === undefined,
    moreGenerating: Math.max(0, running.length - MAX_GENERATING_LISTED),
    nextCursor: found.nextCursor,
    scanStopped: found.scanStopped,
    scanned: found.scanned,
  });
  const structured: z.infer<typeof outputSchema> = { images, ...(found.nextCursor ? { next_cursor: found.nextCursor } : {}) };
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** Case-insensitive substring; undefined without a query (every record matches). */
function promptMatcher(query: string | undefined): ((prompt: string) => boolean) | undefined {
  if (query === undefined) return undefined;
  const needle = query.toLowerCase();
  return (prompt) => prompt.toLowerCase().includes(needle);
}

interface Found {
  readonly records: GenerationRecord[];
  readonly nextCursor?: string;
  /** The scan read MAX_SCANNED_RECORDS without reaching the end or `limit` matches. */
  readonly scanStopped: boolean;
  readonly scanned: number;
}

/**
 * Up to `limit` matching records after `cursor`, newest first. Without a query that is one
 * page; with one, pages are read until `limit` match or MAX_SCANNED_RECORDS have been read.
 * The cursor returned points at the last record looked at, so the next call misses nothing.
 */
async function findRecords(records: RecordStore, email: string, { limit, cursor, matches }: { limit: number; cursor: string | undefined; matches: ((prompt: string) => boolean) | undefined }): Promise<Found> {
  const found: GenerationRecord[] = [];
  let scanned = 0;
  let at = cursor;
  for (;;) {
    const pageSize = matches === undefined ? limit : Math.min(MAX_PAGE_SIZE, MAX_SCANNED_RECORDS - scanned);
    const page = await records.listByUser(email, { limit: pageSize, ...(at === undefined ? {} : { cursor: at }) });
    for (const [index, record] of page.records.entries()) {
      scanned++;
      if (matches && !matches(record.prompt)) continue;
      found.push(record);
      if (found.length === limit) {
        const more = index < page.records.length - 1 || page.nextCursor !== undefined;
        return { records: found, ...(more ? { nextCursor: encodeCursor(record) } : {}), scanStopped: false, scanned };
      }
    }
    if (page.nextCursor === undefined) return { records: found, scanStopped: false, scanned };
    at = page.nextCursor;
    if (scanned >= MAX_SCANNED_RECORDS) return { records: found, nextCursor: at, scanStopped: true, scanned };
  }
}

function fromRecord(record: GenerationRecord, publicUrl: string): ListedImage {
  return {
    title: record.name,
    status: 'done',
    created_at: record.createdAt,
    model: record.modelAlias,
    model_id: record.modelId,
    image_size: record.imageSize,
    aspect_ratio: record.aspectRatio,
    cost_usd: record.costUsd,
    url: `${publicUrl}/i/${record.name}`,
    prompt: cut(record.prompt, STRUCTURED_PROMPT_CHARS),
  };
}

function fromJob(job: GenerationJob, publicUrl: string): ListedImage {
  return {
    title: job.name,
    status: 'generating',
    created_at: job.startedAt,
    model: job.modelAlias,
    model_id: job.modelId,
    image_size: job.imageSize,
    aspect_ratio: job.aspectRatio,
    url: `${publicUrl}/i/${job.name}`,
    prompt: cut(job.prompt, STRUCTURED_PROMPT_CHARS),
  };
}

/** On one line (prompts may hold newlines), at most `max` characters. */
function cut(prompt: string, max: number): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

interface ListNotes {
  readonly whose: string;
  readonly query: string | undefined;
  readonly firstPage: boolean;
  readonly moreGenerating: number;
  readonly nextCursor: string | undefined;
  readonly scanStopped: boolean;
  readonly scanned: number;
}

function listText(images: readonly ListedImage[], notes: ListNotes): string {
  const matching = notes.query === undefined ? '' : ` whose prompt contains ${JSON.stringify(notes.query)}`;
  const lines: string[] = [];
  if (images.length === 0) {
    lines.push(notes.firstPage && !notes.scanStopped ? `${notes.whose}: none${matching}.` : `${notes.whose}: no more${matching} on this page.`);
  } else {
    lines.push(`${notes.whose}${matching}, newest first${notes.firstPage ? '' : ' (continued)'}:`);
    for (const image of images) lines.push(imageLine(image));
  }
  if (notes.moreGenerating > 0) lines.push(`…and ${notes.moreGenerating} more still generating.`);
  if (notes.scanStopped) {
    lines.push(`Searched ${notes.scanned} images without reaching the end. To search on, call list_images again with the same query and cursor "${notes.nextCursor}".`);
  } else if (notes.nextCursor) {
    lines.push(`There are more: call list_images again with cursor "${notes.nextCursor}"${notes.query === undefined ? '' : ' and the same query'}.`);
  } else if (images.length > 0) {
    lines.push('That is all of them.');
  }
  if (images.length > 0) lines.push('image_info with a title gives its details, the whole prompt and a preview; give the user the links.');
  return lines.join('\n');
}

function imageLine(image: ListedImage): string {
  const state = image.status === 'generating' ? `generating (started ${image.created_at})` : `${image.created_at}, ${formatUsd(image.cost_usd ?? 0)}`;
  return `- ${image.title}: ${state}; ${image.model} (${image.model_id}), ${image.image_size}, ${image.aspect_ratio}; "${cut(image.prompt, TEXT_PROMPT_CHARS)}"; ${image.url}`;
}
