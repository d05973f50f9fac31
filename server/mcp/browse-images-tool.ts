/**
 * The `browse_images` tool: opens the gallery of the caller's own images in the chat, where the
 * client renders MCP Apps (the gallery then pages through browse_images_page itself). Every
 * client also gets list_images' first page as text, so the answer is useful where no app shows
 * (Claude Code) and the model knows what the user sees. Own images only, admins included: a
 * gallery in a chat is about one's own work (list_images takes `user` for admins).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { GALLERY_URI, shownIn } from './apps/app-meta.js';
import { listImages, promptQuery } from './list-images-tool.js';
import { registerTool, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

/** As many as list_images shows by default: the text is for the model, the gallery for the user. */
const TEXT_PAGE = 10;

const inputSchema = z.object({
  query: promptQuery('Only images whose prompt contains this text. Leave out to show every image.'),
});

export function registerBrowseImagesTool(server: McpServer, deps: ToolDeps, call: ToolCall): void {
  registerTool(
    server,
    'browse_images',
    {
      title: 'Browse images',
      description:
        'Show the user a gallery of their own images, newest first, with generations still running marked; optionally only those ' +
        'whose prompt contains query. In Claude.ai and Claude Desktop it opens in the chat, where the user can search, page, open an ' +
        'image, download it or use it as a reference. The answer also lists the newest images as text. Use when the user wants to see or pick from their images.',
      inputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
      ui: shownIn(GALLERY_URI),
    },
    call,
    async ({ query }) => {
      const list = await listImages(deps, call, { query, limit: TEXT_PAGE });
      const listed = list.content[0]?.type === 'text' ? list.content[0].text : '';
      const note =
        'Where the chat shows apps (Claude.ai, Claude Desktop), this opened the gallery of these images; elsewhere the list above is all there is.';
      return { content: [{ type: 'text', text: `${listed}\n${note}` }] };
    },
  );
}
