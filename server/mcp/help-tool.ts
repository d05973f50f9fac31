/** The `help` tool: a usage guide built from the live registry, so overridden ids and prices show. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../core/access.js';
import { FALLBACK_MODEL, MODEL_ALIASES, chooseModel, formatUsd, type ModelRegistry } from '../core/models.js';
import {
  ASPECT_RATIOS,
  DEFAULT_ASPECT_RATIO,
  DEFAULT_IMAGE_SIZE,
  IMAGE_SIZES,
  MAX_PROMPT_CHARS,
  MAX_REFERENCE_IMAGES,
} from '../core/options.js';
import { runTool, textResult } from './tool-result.js';
import type { ToolDeps } from './tool-deps.js';

export function registerHelpTool(server: McpServer, deps: ToolDeps, caller: Caller): void {
  server.registerTool(
    'help',
    {
      title: 'Help',
      description: 'How to use this image server: models, prices, sizes, aspect ratios and limits.',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool('help', { logger: deps.logger, caller }, async () => {
        const prefs = await deps.records.prefs(caller.email);
        const current = chooseModel(deps.registry, undefined, prefs.defaultModel);
        return textResult(helpText(deps.registry, current.alias));
      }),
  );
}

export function helpText(registry: ModelRegistry, defaultAlias: string): string {
  const models = MODEL_ALIASES.map((alias) => {
    const m = registry[alias];
    const prices = IMAGE_SIZES.map((size) => `${size} ${formatUsd(m.pricesUsd[size])}`).join(', ');
    return `- ${m.alias}: ${m.label}, id ${m.id} (also "${m.docName}"). Per image: ${prices}. For ${m.useFor}.`;
  });
  return [
    'Image Studio: generate images with Google Gemini.',
    '',
    'generate_image(prompt, aspect_ratio?, reference_images?, model?, image_size?)',
    `- prompt: what to draw, up to ${MAX_PROMPT_CHARS} characters.`,
    `- aspect_ratio: ${ASPECT_RATIOS.join(', ')} (default ${DEFAULT_ASPECT_RATIO}).`,
    `- image_size: ${IMAGE_SIZES.join(', ')} (default ${DEFAULT_IMAGE_SIZE}).`,
    `- reference_images: up to ${MAX_REFERENCE_IMAGES} titles or links of earlier generations, to iterate on them.`,
    `- model: only when the user asks for one; otherwise their default applies (yours: ${defaultAlias}; ` +
      `without a saved default, ${FALLBACK_MODEL}).`,
    '',
    'Models (estimated list prices):',
    ...models,
    '',
    'Each answer has a small preview, the image title and a link to the full-size PNG: give the user the link.',
    'image_info(image) shows what was recorded about one of your images.',
  ].join('\n');
}
