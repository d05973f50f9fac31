/**
 * The `list_uploads` tool: the photos the caller uploaded to use as references (upload_reference,
 * or the dashboard's Photos page), newest first. Listed apart from the images: they are not
 * generations, cost nothing, and only their owner may use or see them.
 */
import { z } from 'zod';
import type { McpServer } from '@modelcontextprotocol/server';
import type { UploadRecord } from '../records/record-store.js';
import { MAX_UPLOADS_PER_USER } from '../uploads/store-upload.js';
import { registerTool, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

const uploadSchema = z.object({
  title: z.string().describe('For reference_images of generate_image.'),
  created_at: z.string().describe('ISO 8601: when it was uploaded.'),
  width: z.number().int(),
  height: z.number().int(),
  original_type: z.string().describe('What the uploaded file was: png, jpeg, webp or heic.'),
});
const outputSchema = z.object({
  uploads: z.array(uploadSchema).describe('Newest first; every one the user keeps.'),
  max_uploads: z.number().int().describe('How many one user may keep.'),
});

export function registerListUploadsTool(server: McpServer, deps: Pick<ToolDeps, 'records'>, call: ToolCall): void {
  registerTool(
    server,
    'list_uploads',
    {
      title: 'List uploaded photos',
      description:
        'List the photos the user uploaded to use as references (with upload_reference or in the dashboard), newest first: ' +
        'title, when, size in pixels. Pass a title in reference_images of generate_image. They are not generated images ' +
        '(list_images lists those) and cost nothing.',
      inputSchema: z.object({}),
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    call,
    async () => {
      const uploads = (await deps.records.listUploads(call.caller.email, MAX_UPLOADS_PER_USER)).map(toListed);
      return { content: [{ type: 'text', text: listText(uploads) }], structuredContent: { uploads, max_uploads: MAX_UPLOADS_PER_USER } satisfies z.infer<typeof outputSchema> };
    },
  );
}

function toListed(upload: UploadRecord): z.infer<typeof uploadSchema> {
  return { title: upload.name, created_at: upload.createdAt, width: upload.width, height: upload.height, original_type: upload.originalType };
}

function listText(uploads: readonly z.infer<typeof uploadSchema>[]): string {
  if (uploads.length === 0) return 'You have no uploaded photos. upload_reference gives a link where you can upload one.';
  return [
    `Your uploaded photos (${uploads.length} of at most ${MAX_UPLOADS_PER_USER}), newest first. Pass a title in reference_images of generate_image:`,
    ...uploads.map((u) => `- ${u.title}: ${u.width}×${u.height}, uploaded ${u.created_at.slice(0, 16).replace('T', ' ')} UTC (${u.original_type})`),
  ].join('\n');
}
