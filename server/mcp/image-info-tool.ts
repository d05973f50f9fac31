/** The `image_info` tool: what was recorded about one image, for its owner and admins. */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { canSeeRecord } from '../core/access.js';
import { formatUsd } from '../core/models.js';
import { isUploadName, parseReferenceImage } from '../core/names.js';
import { notFound } from '../errors.js';
import { makeSmallImages } from '../generation/image-derivatives.js';
import type { GenerationJob, GenerationRecord, UploadRecord } from '../records/record-store.js';
import { shownIn, VIEWER_URI } from './apps/app-meta.js';
import { registerTool, textResult, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

export function registerImageInfoTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'image_info',
    {
      title: 'Image info',
      description:
        'What was recorded about an image generated with this server (prompt, model, size, aspect ratio, ' +
        'cost, time, links) and its preview, looked up by its title or link; for a generation still running, that it is ' +
        'still generating; for a photo the user uploaded (….ref.png), what it is. Only your own images, unless you are an admin.',
      inputSchema: z.object({
        image: z
          .string({ error: (issue) => `image ${issue.input === undefined ? 'is required' : 'must be text'}: the title (e.g. "3f2a…c9.png") or link of one of your images` })
          .max(500, 'image is a title or link of at most 500 characters')
          .describe('The image title (e.g. "3f2a…c9.png") or its link.'),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      ui: shownIn(VIEWER_URI),
    },
    call,
    async ({ image }) => {
      const name = parseReferenceImage(image, deps.publicUrl);
      if (isUploadName(name)) {
        // An uploaded photo: its owner's alone (admins included), like reference_images.
        const upload = await deps.records.getUpload(name);
        if (upload?.email !== call.caller.email) throw notFound(notSeen(name));
        const thumbnail = await deps.images.read(name, 'thumbnail').catch((err: unknown) => void deps.logger.warn('image_info: no thumbnail', { name, err }));
        const text = describeUpload(upload);
        if (!thumbnail) return textResult(text);
        return { content: [{ type: 'text', text }, { type: 'image', data: thumbnail.toString('base64'), mimeType: 'image/webp' }] };
      }
      const record = await deps.records.get(name);
      if (record && canSeeRecord(call.caller, record.email)) {
        // The finished image: its details and the preview, as generate_image would have answered
        // (the details alone if the image cannot be read now).
        const text = describeRecord(record, deps.publicUrl);
        const preview = await deps.images
          .read(name, 'image')
          .then(async (png) => (await makeSmallImages(png)).preview)
          .catch((err: unknown) => void deps.logger.warn('image_info: no preview', { name, err }));
        if (!preview) return textResult(text);
        return { content: [{ type: 'text', text }, { type: 'image', data: preview.toString('base64'), mimeType: 'image/jpeg' }] };
      }
      const job = record ? undefined : await deps.records.getJob(name);
      // Same answer for "absent" and "not yours", so titles of others' images reveal nothing.
      if (!job || !canSeeRecord(call.caller, job.email)) {
        throw notFound(notSeen(name));
      }
      return textResult(describeJob(job, deps.publicUrl));
    },
  );
}

function notSeen(name: string): string {
  return `No image titled ${name} that you can see. Use the title of one of your own generations or uploaded photos.`;
}

function describeUpload(upload: UploadRecord): string {
  return (
    `"${upload.name}" is a photo you uploaded (${upload.width}×${upload.height} px, from a ${upload.originalType} file, uploaded ${upload.createdAt}). ` +
    'Pass its title in reference_images of generate_image. It is not a generated image, and costs nothing; list_uploads lists your photos.'
  );
}

/** A generation without a record yet: still running (not an error), or what became of it. */
function describeJob(job: GenerationJob, publicUrl: string): string {
  if (job.status === 'generating') {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(job.startedAt)) / 1000));
    return (
      `"${job.name}" is still generating (${job.imageSize}, ${job.aspectRatio}, ${job.modelAlias}; started ${seconds} s ago). ` +
      `Call image_info with "${job.name}" again in about 30 seconds; do not generate it again. Once done it will be at ${publicUrl}/i/${job.name}.`
    );
  }
  const billed = job.costUsd ? `Gemini billed ${formatUsd(job.costUsd)} for the attempt, counted in your spend.` : 'Nothing was charged.';
  return `The generation "${job.name}" failed: ${job.failure ?? 'no reason was recorded.'} ${billed}`;
}

function describeRecord(record: GenerationRecord, publicUrl: string): string {
  const lines = [
    `Title: ${record.name}`,
    `Prompt: ${record.prompt}`,
    `Model: ${record.modelAlias} (${record.modelId})`,
    `Size: ${record.imageSize}, ${record.width}×${record.height} px, aspect ratio ${record.aspectRatio}`,
    `Cost: ${formatUsd(record.costUsd)}`,
    `Created: ${record.createdAt}`,
    `Generated by: ${record.email}`,
  ];
  if (record.referenceNames.length > 0) lines.push(`Reference images: ${record.referenceNames.join(', ')}`);
  lines.push(`Full-size image: ${publicUrl}/i/${record.name}`, `Share page: ${publicUrl}/v/${record.name}`);
  return lines.join('\n');
}
