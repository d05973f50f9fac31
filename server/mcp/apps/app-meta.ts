/**
 * The two views this server offers as MCP Apps, and how tools point at them. One HTML page
 * serves both (view-page.ts), started in the mode its URI names: the viewer shows one image
 * (generate_image, image_info), the gallery pages through the caller's images (browse_images)
 * and opens the viewer on a click.
 */
import type { McpUiToolMeta } from '@modelcontextprotocol/ext-apps';

export const VIEWER_URI = 'ui://image-studio/viewer.html';
export const GALLERY_URI = 'ui://image-studio/gallery.html';

export type ViewMode = 'viewer' | 'gallery';

/** A model-visible tool whose results the viewer or the gallery shows. */
export function shownIn(uri: string): McpUiToolMeta {
  return { resourceUri: uri };
}

/**
 * A tool only the views call (through the host), never the model: hosts that render apps hide
 * it from the model's tool list. It names a view too, as the spec's examples do, so hosts that
 * only list tools with a resource still offer it to the app.
 */
export function appOnly(uri: string): McpUiToolMeta {
  return { resourceUri: uri, visibility: ['app'] };
}
