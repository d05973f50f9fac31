/**
 * `browse_images_page`, for the gallery app only (hosts hide it from the model): one page of the
 * caller's own images, newest first, with small thumbnails inline as data (claude.ai lets a
 * view load nothing from elsewhere), the generations still running on top of the first page.
 * Search is by prompt words, as on the dashboard (core/search.ts). A page of PAGE_SIZE with
 * thumbnails of at most THUMB_MAX_BYTES stays below 100,000 characters.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { formatUsd } from '../../core/models.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../../core/options.js';
import { matchesFilter, type RecordFilter } from '../../core/search.js';
import type { GenerationJob, GenerationRecord } from '../../records/record-store.js';
import { promptQuery } from '../list-images-tool.js';
import { registerTool, type ToolCall } from '../register-tool.js';
import type { ToolDeps } from '../tool-deps.js';
import { appOnly, GALLERY_URI } from './app-meta.js';
import { galleryThumbnail } from './view-images.js';

export const PAGE_SIZE = 16;
/** Running generations are few; the gallery shows at most this many on top. */
const MAX_GENERATING = 8;
const PROMPT_CHARS = 120;

const inputSchema = z.object({
  query: promptQuery('Only images whose prompt contains these words.'),
  cursor: z
    .string({ error: 'cursor must be next_cursor from the previous page' })
    .max(500, 'cursor is not valid: pass next_cursor from the previous page unchanged')
    .optional()
    .describe('next_cursor from the previous page (with the same query).'),
});

const imageSchema = z.object({
  title: z.string(),
  status: z.enum(['done', 'generating']),
  created_at: z.string(),
  prompt: z.string().describe(`Cut to ${PROMPT_CHARS} characters, on one line.`),
  model: z.string(),
  image_size: z.enum(IMAGE_SIZES),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  cost: z.string().optional(),
  thumbnail: z.string().optional().describe('A small WebP as a data: URL (absent while generating, or when it cannot be read).'),
});
const outputSchema = z.object({
  images: z.array(imageSchema),
  next_cursor: z.string().optional(),
});
export type GalleryPage = z.infer<typeof outputSchema>;
type GalleryImage = z.infer<typeof imageSchema>;

export function registerBrowseImagesPageTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'browse_images_page',
    {
      title: 'Gallery page',
      description: 'For the gallery app only: one page of your images with small thumbnails. Use list_images instead.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      ui: appOnly(GALLERY_URI),
    },
    call,
    async ({ query, cursor }) => {
      const email = call.caller.email;
      const filter: RecordFilter = query ? { text: query } : {};
      const page = await deps.records.listByUser(email, { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }), ...(query ? { filter } : {}) });
      const done = new Set(page.records.map((r) => r.name));
      const running =
        cursor === undefined
          ? (await deps.records.listGenerating(email)).filter((job) => !done.has(job.name) && matchesFilter({ ...job, createdAt: job.startedAt }, filter)).slice(0, MAX_GENERATING)
          : [];
      const images = [...running.map(fromJob), ...(await Promise.all(page.records.map((record) => fromRecord(record, deps))))];
      const result: GalleryPage = { images, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
      const shown = images.length === 0 ? 'No images on this page.' : `${images.length} image${images.length === 1 ? '' : 's'}.`;
      return { content: [{ type: 'text', text: shown }], structuredContent: result };
    },
  );
}

async function fromRecord(record: GenerationRecord, deps: ToolDeps): Promise<GalleryImage> {
  const thumbnail = await deps.images
    .read(record.name, 'thumbnail')
    .then(galleryThumbnail)
    .catch((err: unknown) => void deps.logger.warn('browse_images_page: no thumbnail', { name: record.name, err }));
  return {
    title: record.name,
    status: 'done',
    created_at: record.createdAt,
    prompt: oneLine(record.prompt),
    model: record.modelAlias,
    image_size: record.imageSize,
    aspect_ratio: record.aspectRatio,
    cost: formatUsd(record.costUsd),
    ...(thumbnail ? { thumbnail: `data:image/webp;base64,${thumbnail.toString('base64')}` } : {}),
  };
}

function fromJob(job: GenerationJob): GalleryImage {
  return {
    title: job.name,
    status: 'generating',
    created_at: job.startedAt,
    prompt: oneLine(job.prompt),
    model: job.modelAlias,
    image_size: job.imageSize,
    aspect_ratio: job.aspectRatio,
  };
}

function oneLine(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  return line.length <= PROMPT_CHARS ? line : `${line.slice(0, PROMPT_CHARS - 1).trimEnd()}…`;
}
