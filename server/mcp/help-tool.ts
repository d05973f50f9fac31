/**
 * The `help` tool: a usage guide built from the catalogue as it runs, showing which model
 * each alias uses right now, what that model takes, and the prices (with any overrides).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { effectiveLimit, monthOf, monthResetsAt, type MonthSpend } from '../core/budget.js';
import { FALLBACK_MODEL, MODEL_ALIASES, chooseModel, formatUsd, type Catalogue, type ImageModel, type ModelAlias } from '../core/models.js';
import { ASPECT_RATIOS, DEFAULT_ASPECT_RATIO, DEFAULT_IMAGE_SIZE, IMAGE_SIZES, MAX_PROMPT_CHARS, MAX_REFERENCE_IMAGES } from '../core/options.js';
import { spentText } from '../generation/generate-image.js';
import { registerTool, textResult, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

export function registerHelpTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'help',
    {
      title: 'Help',
      description: 'How to use this image server: tools, models, prices, sizes, aspect ratios, limits and your monthly budget.',
      inputSchema: z.object({}),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    call,
    async () => {
      const { email } = call.caller;
      const month = monthOf((deps.now?.() ?? new Date()).toISOString());
      const [prefs, current, spend] = await Promise.all([deps.records.prefs(email), deps.models.current(), deps.records.monthSpend(email, month)]);
      const { alias } = chooseModel(deps.catalogue, undefined, prefs.defaultModel);
      const budget = { limitUsd: effectiveLimit(prefs.monthlyBudgetUsd, deps.monthlyBudgetUsd), spend };
      return textResult(helpText(deps.catalogue, current, alias, budget, { uploads: deps.uploadLinks !== undefined }));
    },
  );
}

/** The caller's monthly budget: the limit that applies (undefined: none) and this month's spend. */
export interface HelpBudget {
  readonly limitUsd: number | undefined;
  readonly spend: MonthSpend;
}

/** `uploads`: whether upload_reference and list_uploads are offered (they are wherever the server signs links). */
export function helpText(
  catalogue: Catalogue,
  current: Readonly<Record<ModelAlias, readonly ImageModel[]>>,
  defaultAlias: ModelAlias,
  budget?: HelpBudget,
  { uploads = true }: { uploads?: boolean } = {},
): string {
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
    `- reference_images: up to ${MAX_REFERENCE_IMAGES} titles or links of earlier generations, to iterate on them` +
      (uploads ? ', or titles of your own photos (upload_reference gives a link to upload one).' : '.'),
    `- model: only when the user asks for one; otherwise their default applies (yours: ${defaultAlias}; ` +
      `without a saved default, ${FALLBACK_MODEL}). Gemini model names such as "Nano Banana Pro" name the same models.`,
    '',
    'Models (estimated list prices):',
    ...models,
    '',
    'Each answer has a small preview, the image title and a link to the full-size PNG: give the user the link.',
    'image_info(image) shows what was recorded about one of your images, and its preview.',
    'list_images(query?, limit?, cursor?) lists your images, newest first, with their titles and links; query keeps those whose prompt contains it.',
    'browse_images(query?) shows the user a gallery of their images; in Claude.ai and Claude Desktop it opens in the chat.',
    ...(uploads
      ? [
          'upload_reference() gives a one-time link where you upload a photo of your own (PNG, JPEG, WebP or HEIC) to use in reference_images; ' +
            'list_uploads() lists the photos you uploaded. They cost nothing, and only you can use them.',
        ]
      : []),
    ...(budget ? ['', budgetText(budget)] : []),
  ].join('\n');
}

function budgetText({ limitUsd, spend }: HelpBudget): string {
  if (limitUsd === undefined) return `Monthly budget: none applies to you (spent this month: ${formatUsd(spend.spentUsd)}).`;
  return (
    `Monthly budget: ${spentText(spend, limitUsd)}; it resets on ${monthResetsAt(spend.month).slice(0, 10)} (UTC). ` +
    'A generation that would pass it is refused before Gemini is called; an admin can change it.'
  );
}

function describeModel(model: ImageModel): string {
  const prices = model.imageSizes.map((size) => `${size} ${formatUsd(model.pricesUsd[size] ?? 0)}`).join(', ');
  const ratios = model.aspectRatios.length === ASPECT_RATIOS.length ? 'every aspect ratio' : `aspect ratios ${model.aspectRatios.join(', ')}`;
  return `${model.label} (${model.id}): per image ${prices}; ${ratios}; up to ${model.maxReferenceImages} reference images.`;
}
