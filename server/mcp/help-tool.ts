/**
 * The `help` tool: a usage guide built from the catalogue as it runs, showing which model
 * each alias uses right now, what that model takes, and the prices (with any overrides).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { FALLBACK_MODEL, MODEL_ALIASES, chooseModel, formatUsd, type Catalogue, type ImageModel, type ModelAlias } from '../core/models.js';
import { ASPECT_RATIOS, DEFAULT_ASPECT_RATIO, DEFAULT_IMAGE_SIZE, IMAGE_SIZES, MAX_PROMPT_CHARS, MAX_REFERENCE_IMAGES } from '../core/options.js';
import { registerTool, textResult, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

export function registerHelpTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'help',
    {
      title: 'Help',
      description: 'How to use this image server: models, prices, sizes, aspect ratios and limits.',
      inputSchema: z.object({}),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    call,
    async () => {
      const [prefs, current] = await Promise.all([deps.records.prefs(call.caller.email), deps.models.current()]);
      const { alias } = chooseModel(deps.catalogue, undefined, prefs.defaultModel);
      return textResult(helpText(deps.catalogue, current, alias));
    },
  );
}

export function helpText(catalogue: Catalogue, current: Readonly<Record<ModelAlias, readonly ImageModel[]>>, defaultAlias: ModelAlias): string {
  const models = MODEL_ALIASES.flatMap((alias) => {
    const entry = catalogue[alias];
    const [model, ...others] = current[alias];
    if (!model) {
      return [`- ${alias}: not available now (Gemini serves none of ${entry.candidates.map((m) => m.id).join(', ')}). For ${entry.useFor}.`];
    }
    return [
      `- ${alias}: now ${describeModel(model)} For ${entry.useFor}.`,
      ...others.map((other) => `  ${alias}, for what that one does not take: ${describeModel(other)}`),
    ];
  });
  return [
    'Image Studio: generate images with Google Gemini.',
    '',
    'generate_image(prompt, aspect_ratio?, reference_images?, model?, image_size?)',
    `- prompt: what to draw, up to ${MAX_PROMPT_CHARS} characters.`,
    `- aspect_ratio: ${ASPECT_RATIOS.join(', ')} (default ${DEFAULT_ASPECT_RATIO}); each model takes the ones listed below.`,
    `- image_size: ${IMAGE_SIZES.join(', ')} (default ${DEFAULT_IMAGE_SIZE}); each model makes the sizes priced below.`,
    `- reference_images: up to ${MAX_REFERENCE_IMAGES} titles or links of earlier generations, to iterate on them.`,
    `- model: only when the user asks for one; otherwise their default applies (yours: ${defaultAlias}; ` +
      `without a saved default, ${FALLBACK_MODEL}). Gemini model names such as "Nano Banana Pro" name the same models.`,
    '',
    'Models (estimated list prices):',
    ...models,
    '',
    'Each answer has a small preview, the image title and a link to the full-size PNG: give the user the link.',
    'image_info(image) shows what was recorded about one of your images.',
  ].join('\n');
}

function describeModel(model: ImageModel): string {
  const prices = model.imageSizes.map((size) => `${size} ${formatUsd(model.pricesUsd[size] ?? 0)}`).join(', ');
  const ratios = model.aspectRatios.length === ASPECT_RATIOS.length ? 'every aspect ratio' : `aspect ratios ${model.aspectRatios.join(', ')}`;
  return `${model.label} (${model.id}): per image ${prices}; ${ratios}; up to ${model.maxReferenceImages} reference images.`;
}
