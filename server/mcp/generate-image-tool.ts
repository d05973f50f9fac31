/** The `generate_image` tool: the MCP face of the generation use-case. */
import type { CallToolResult, ContentBlock, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { MODEL_ALIASES, formatUsd } from '../core/models.js';
import {
  ASPECT_RATIOS,
  DEFAULT_ASPECT_RATIO,
  DEFAULT_IMAGE_SIZE,
  IMAGE_SIZES,
  MAX_PROMPT_CHARS,
  MAX_REFERENCE_IMAGES,
  type AspectRatio,
  type ImageSize,
} from '../core/options.js';
import { monthOf } from '../core/budget.js';
import { spentText, type Generation, type GenerationStage, type StartedGeneration } from '../generation/generate-image.js';
import { shownIn, VIEWER_URI } from './apps/app-meta.js';
import { startProgress } from './progress.js';
import { registerTool, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

const inputSchema = z.object({
  prompt: z
    .string({ error: (issue) => (issue.input === undefined ? 'prompt is required' : 'prompt must be text') + ': describe the image to generate' })
    .trim()
    .min(1, 'prompt is empty: describe the image to generate')
    .max(MAX_PROMPT_CHARS, `prompt is too long: at most ${MAX_PROMPT_CHARS} characters are accepted`)
    .describe('What to draw: subject, setting, style, composition, any text to render in the image.'),
  aspect_ratio: z
    .enum(ASPECT_RATIOS, { error: `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}` })
    .optional()
    .describe(`Shape of the image. Default ${DEFAULT_ASPECT_RATIO}. The strips 1:4, 4:1, 1:8 and 8:1 only with models that take them (see help).`),
  reference_images: z
    .array(z.string().max(500, 'a reference image is a title or link of at most 500 characters'))
    .max(MAX_REFERENCE_IMAGES, `at most ${MAX_REFERENCE_IMAGES} reference_images are accepted`)
    .optional()
    .describe(
      'Titles (e.g. "3f2a…c9.png") or links of images generated earlier with this tool, to edit or ' +
        `iterate on them ("the same scene at night"), or titles of the user's own photos uploaded through upload_reference ("….ref.png"); ` +
        `up to ${MAX_REFERENCE_IMAGES}, fewer on some models. Leave out for a new image.`,
    ),
  model: z
    .string()
    .max(100, 'model is a short name such as "flash" or "pro"')
    .optional()
    .describe(
      `Pass ONLY when the user explicitly asked for a specific model (${MODEL_ALIASES.map((a) => `"${a}"`).join(', ')}, or a Gemini model name). ` +
        "Otherwise leave it out: the user's own default applies.",
    ),
  image_size: z
    .enum(IMAGE_SIZES, { error: `image_size must be one of ${IMAGE_SIZES.join(', ')}` })
    .optional()
    .describe(
      `Output resolution. Default ${DEFAULT_IMAGE_SIZE}; use 2K or 4K only when the user wants a larger image, ` +
        '512 only for a quick small draft. Not every model makes every size (see help).',
    ),
});

/** What a client can read without parsing the text; never the image itself. */
const outputSchema = z.object({
  title: z.string().describe('The image title, for reference_images and image_info.'),
  status: z.enum(['done', 'generating']).describe('generating: not finished yet; call image_info with the title later.'),
  url: z.string().describe('The full-size PNG (once done).'),
  share_url: z.string().describe('A page showing the image, to share.'),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  image_size: z.enum(IMAGE_SIZES),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  model: z.string().optional().describe('The alias that served the request (flash, pro, lite).'),
  model_id: z.string().optional().describe('The Gemini model id.'),
  cost_usd: z.number().optional().describe('What Gemini billed for it, in US dollars.'),
});

export function registerGenerateImageTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'generate_image',
    {
      title: 'Generate image',
      description:
        "Generate an image with Google's Gemini image models from a text prompt, optionally based on " +
        'earlier generations. Returns a link to the full-size PNG, a small preview and the image title: ' +
        'always give the user the link. Large images can take a minute or more.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      ui: shownIn(VIEWER_URI),
    },
    call,
    async (args, ctx) => {
      const progress = startProgress(ctx, deps.progressIntervalMs);
      try {
        const input = {
          email: call.caller.email,
          prompt: args.prompt,
          aspectRatio: args.aspect_ratio ?? DEFAULT_ASPECT_RATIO,
          imageSize: args.image_size ?? DEFAULT_IMAGE_SIZE,
          model: args.model,
          referenceImages: args.reference_images ?? [],
        };
        const started = await deps.generations.start(input, { signal: ctx.mcpReq.signal, onStage: (stage) => progress.update(describeStage(stage)) });
        if (started.joined) progress.update('The same image is already being generated; waiting for it');
        const generation = await started.wait(deps.toolWaitMs);
        if (!generation) return stillGenerating(started, input, deps.publicUrl);
        const month = started.limitUsd === undefined ? undefined : spentText(await deps.records.monthSpend(call.caller.email, monthOf(generation.record.createdAt)), started.limitUsd);
        return generationResult(generation, deps.publicUrl, call.resourceLinks, { joined: started.joined, month });
      } finally {
        progress.stop();
      }
    },
  );
}

/** Not an error: the generation goes on, and image_info with its title brings the image. */
function stillGenerating(started: StartedGeneration, input: { imageSize: ImageSize; aspectRatio: AspectRatio }, publicUrl: string): CallToolResult {
  const text =
    `Still generating "${started.name}" (${input.imageSize}, ${input.aspectRatio}): large images can take a few minutes. ` +
    `It goes on without this call. Do not generate it again: call image_info with "${started.name}" in about 30 seconds ` +
    'to get the image (it says so if it is still generating). It will be at the link below once done.\n' +
    `${publicUrl}/i/${started.name}`;
  const structured: z.infer<typeof outputSchema> = {
    title: started.name,
    status: 'generating',
    url: `${publicUrl}/i/${started.name}`,
    share_url: `${publicUrl}/v/${started.name}`,
    image_size: input.imageSize,
    aspect_ratio: input.aspectRatio,
  };
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function describeStage(stage: GenerationStage): string {
  switch (stage.stage) {
    case 'references':
      return `Loading ${stage.count} reference image${stage.count === 1 ? '' : 's'}`;
    case 'generating':
      return `Generating a ${stage.imageSize} ${stage.aspectRatio} image with ${stage.model.alias}`;
    case 'retrying':
      return `${stage.reason}; retrying in ${Math.ceil(stage.delayMs / 1000)} s`;
    case 'saving':
      return 'Saving the image';
  }
}

/**
 * The link first (as markdown, so every client shows it as one), then the preview, which
 * image-derivatives keeps small enough that the whole result stays far below the ~150,000
 * characters Claude.ai and Claude Desktop keep and Claude Code's 25,000-token budget.
 */
export function generationResult(
  { record, model, preview, modelText }: Generation,
  publicUrl: string,
  resourceLinks: boolean,
  notes: { joined?: boolean; month?: string | undefined } = {},
): CallToolResult {
  const url = `${publicUrl}/i/${record.name}`;
  const shareUrl = `${publicUrl}/v/${record.name}`;
  const lines = [
    `[Full-size image (${record.width}×${record.height} PNG)](${url})`,
    `${notes.joined ? 'The same request was already generating; here is its image' : 'Generated image'} "${record.name}" with ${model.alias} (${model.label}, ${model.id}), ` +
      `${record.imageSize}, ${record.aspectRatio}, cost ${formatUsd(record.costUsd)}${notes.month ? ` (${notes.month})` : ''}.`,
    `Share page: ${shareUrl}`,
    'Give the user the full-size link. To iterate on this image, pass its title in reference_images; ' +
      'image_info with the title shows what was recorded about it.',
  ];
  if (modelText) lines.push(`Gemini's note: ${modelText.slice(0, 500)}`);
  const content: ContentBlock[] = [
    { type: 'text', text: lines.join('\n') },
    { type: 'image', data: preview.toString('base64'), mimeType: 'image/jpeg' },
  ];
  if (resourceLinks) content.push({ type: 'resource_link', uri: url, name: record.name, title: 'Full-size image', mimeType: 'image/png' });
  const structured: z.infer<typeof outputSchema> = {
    title: record.name,
    status: 'done',
    url,
    share_url: shareUrl,
    width: record.width,
    height: record.height,
    image_size: record.imageSize,
    aspect_ratio: record.aspectRatio,
    model: model.alias,
    model_id: model.id,
    cost_usd: record.costUsd,
  };
  return { content, structuredContent: structured };
}
