/**
 * The `upload_reference` tool: a short-lived, single-use link to a page where the caller
 * uploads a photo of their own, to use in `reference_images` by the title the page shows.
 * An image attached to a Claude chat never reaches a tool; this is how one gets here.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { UPLOAD_LINK_SECONDS, type UploadLinks } from '../uploads/upload-links.js';
import { ACCEPTED_TYPES_TEXT } from '../uploads/upload-image.js';
import { checkUploadRoom } from '../uploads/store-upload.js';
import { registerTool, textResult, type ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

export function registerUploadReferenceTool(server: McpServer, deps: Pick<ToolDeps, 'records'>, links: UploadLinks, call: ToolCall): void {
  registerTool(
    server,
    'upload_reference',
    {
      title: 'Upload a reference photo',
      description:
        'Get a link where the user uploads a photo of their own (PNG, JPEG, WebP or HEIC, at most 20 MB) to use as a reference image, ' +
        'e.g. "put my dog in this scene". Images attached to the chat do not reach this server: use this instead. ' +
        'Give the user the link; once they have uploaded, they tell you the title the page shows, which you pass in reference_images. ' +
        'Uploads cost nothing and only this user can use them; list_uploads lists those uploaded before.',
      inputSchema: z.object({}),
      // Each call makes a new link; nothing is stored until the user uploads.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    call,
    async () => {
      await checkUploadRoom(deps.records, call.caller.email);
      const { url } = await links.create(call.caller.email);
      const minutes = Math.round(UPLOAD_LINK_SECONDS / 60);
      return textResult(
        [
          `Open this link in a browser and upload a photo (${ACCEPTED_TYPES_TEXT}, at most 20 MB):`,
          url,
          '',
          `The link works once, for ${minutes} minutes, and only for you (${call.caller.email}). Location and other metadata are removed from the photo.`,
          'After uploading, the page shows a title ending in ".ref.png": tell it to Claude, which passes it in reference_images of generate_image.',
        ].join('\n'),
      );
    },
  );
}
