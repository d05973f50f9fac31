/**
 * `image_view`, for the viewer app only (hosts hide it from the model): one image as large as
 * the result budget allows, with what the viewer shows about it. The same access as image_info,
 * whose results the viewer shows too: the owner's images, and any image for an admin.
 */
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { canSeeRecord } from '../../core/access.js';
import { formatUsd } from '../../core/models.js';
import { parseImageReference } from '../../core/names.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../../core/options.js';
import { notFound } from '../../errors.js';
import type { GenerationJob, GenerationRecord } from '../../records/record-store.js';
import { registerTool, type ToolCall } from '../register-tool.js';
import type { ToolDeps } from '../tool-deps.js';
import { appOnly, VIEWER_URI } from './app-meta.js';
import { viewImage } from './view-images.js';

/** The prompt as the viewer shows it; the budget (view-images.ts) counts on this cut. */
export const VIEW_PROMPT_CHARS = 2000;

const outputSchema = z.object({
  title: z.string(),
  status: z.enum(['done', 'generating', 'failed']),
  prompt: z.string().describe(`Cut to ${VIEW_PROMPT_CHARS} characters.`),
  model: z.string(),
  model_id: z.string(),
  image_size: z.enum(IMAGE_SIZES),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  width: z.number().int().optional().describe('Of the full-size PNG.'),
  height: z.number().int().optional(),
  cost_usd: z.number().optional(),
  cost: z.string().optional().describe('cost_usd as the server words it.'),
  created_at: z.string().describe('ISO 8601: finished, or started while generating.'),
  url: z.string().describe('The full-size PNG.'),
  share_url: z.string(),
  failure: z.string().optional().describe('Why a failed generation failed.'),
});
export type ImageViewDetails = z.infer<typeof outputSchema>;

export function registerImageViewTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'image_view',
    {
      title: 'Image view',
      description: "For the image viewer app only: one image (title or link) at the largest size a result holds, with its details. Use image_info instead.",
      inputSchema: z.object({
        image: z
          .string({ error: 'image must be the title or link of one of your images' })
          .max(500, 'image is a title or link of at most 500 characters')
          .describe('The image title or link.'),
      }),
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      ui: appOnly(VIEWER_URI),
    },
    call,
    async ({ image }) => {
      const name = parseImageReference(image, deps.publicUrl);
      const record = await deps.records.get(name);
      if (record && canSeeRecord(call.caller, record.email)) return recordView(record, deps);
      const job = record ? undefined : await deps.records.getJob(name);
      // As image_info: the same answer for "absent" and "not yours".
      if (!job || !canSeeRecord(call.caller, job.email)) throw notFound(`No image titled ${name} that you can see.`);
      return jobView(job, deps.publicUrl);
    },
  );
}

async function recordView(record: GenerationRecord, deps: ToolDeps): Promise<CallToolResult> {
  const details: ImageViewDetails = {
    title: record.name,
    status: 'done',
    prompt: record.prompt.slice(0, VIEW_PROMPT_CHARS),
    model: record.modelAlias,
    model_id: record.modelId,
    image_size: record.imageSize,
    aspect_ratio: record.aspectRatio,
    width: record.width,
    height: record.height,
    cost_usd: record.costUsd,
    cost: formatUsd(record.costUsd),
    created_at: record.createdAt,
    url: `${deps.publicUrl}/i/${record.name}`,
    share_url: `${deps.publicUrl}/v/${record.name}`,
  };
  const view = await deps.images
    .read(record.name, 'image')
    .then(viewImage)
    .catch((err: unknown) => void deps.logger.warn('image_view: no image', { name: record.name, err }));
  const text = `${record.name}: ${record.width}×${record.height} PNG${view ? `, shown at ${view.width}×${view.height}` : ' (the image cannot be read now)'}.`;
  return {
    content: [{ type: 'text', text }, ...(view ? [{ type: 'image' as const, data: view.jpeg.toString('base64'), mimeType: 'image/jpeg' }] : [])],
    structuredContent: details,
  };
}

function jobView(job: GenerationJob, publicUrl: string): CallToolResult {
  const details: ImageViewDetails = {
    title: job.name,
    status: job.status,
    prompt: job.prompt.slice(0, VIEW_PROMPT_CHARS),
    model: job.modelAlias,
    model_id: job.modelId,
    image_size: job.imageSize,
    aspect_ratio: job.aspectRatio,
    created_at: job.startedAt,
    url: `${publicUrl}/i/${job.name}`,
    share_url: `${publicUrl}/v/${job.name}`,
    ...(job.costUsd ? { cost_usd: job.costUsd, cost: formatUsd(job.costUsd) } : {}),
    ...(job.status === 'failed' ? { failure: job.failure ?? 'No reason was recorded.' } : {}),
  };
  const text = job.status === 'generating' ? `${job.name} is still generating.` : `${job.name} failed: ${details.failure ?? ''}`;
  return { content: [{ type: 'text', text }], structuredContent: details };
}
