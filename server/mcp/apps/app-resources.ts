/**
 * The views as MCP resources (`text/html;profile=mcp-app`). The CSP and domain go on the
 * contents that resources/read returns, where hosts read them (the listing carries the CSP as
 * a fallback). The CSP is the strictest the views work under: they load nothing and connect
 * nowhere (images arrive as data: URLs in tool results), so every domain list is empty.
 */
import { registerAppResource, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import type { McpUiResourceCsp, McpUiResourceMeta } from '@modelcontextprotocol/ext-apps';
import type { McpServer } from '@modelcontextprotocol/server';
import { GALLERY_URI, VIEWER_URI, type ViewMode } from './app-meta.js';
import { claudeAppDomain } from './app-domain.js';
import { viewPage } from './view-page.js';

/** A fresh copy each time: the SDK may keep what it is given. */
export function viewCsp(): McpUiResourceCsp {
  return { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] };
}

const VIEWS: readonly { uri: string; mode: ViewMode; name: string; description: string }[] = [
  { uri: VIEWER_URI, mode: 'viewer', name: 'Image viewer', description: 'One image, its details, and buttons to download it, use it as a reference or open its share page.' },
  { uri: GALLERY_URI, mode: 'gallery', name: 'Image gallery', description: 'Your images, newest first, with search by prompt; click one to view it.' },
];

/** Registers both views; `publicUrl` names the MCP endpoint, from which Claude derives the views' origin. */
export function registerAppResources(server: McpServer, publicUrl: string): void {
  const ui: McpUiResourceMeta = { csp: viewCsp(), domain: claudeAppDomain(`${publicUrl}/mcp`), prefersBorder: true };
  for (const view of VIEWS) {
    registerAppResource(server, view.name, view.uri, { description: view.description, _meta: { ui: { csp: viewCsp() } } }, async () => ({
      contents: [{ uri: view.uri, mimeType: RESOURCE_MIME_TYPE, text: viewPage(view.mode), _meta: { ui } }],
    }));
  }
}

