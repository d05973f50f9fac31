/**
 * The MCP endpoint's protocol side: one `createMcpHandler` from the SDK serves MCP 2026-07-28
 * (per-request envelope, `server/discover`) and, statelessly, every 2025-era revision, from
 * the same factory. The factory builds a fresh server per request with the tools bound to
 * the calling user, so any instance answers any request and nothing outlives it.
 */
import { EXTENSION_ID } from '@modelcontextprotocol/ext-apps/server';
import type { AuthInfo, McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import type { Caller } from '../core/access.js';
import { once } from '../lazy.js';
import type { ServerIcon } from '../ui/icon-routes.js';
import { registerAppResources } from './apps/app-resources.js';
import { registerBrowseImagesPageTool } from './apps/browse-images-page-tool.js';
import { registerImageViewTool } from './apps/image-view-tool.js';
import type { UiSupport } from './apps/ui-support.js';
import { registerBrowseImagesTool } from './browse-images-tool.js';
import { registerGenerateImageTool } from './generate-image-tool.js';
import { registerHelpTool } from './help-tool.js';
import { registerImageInfoTool } from './image-info-tool.js';
import { registerListImagesTool } from './list-images-tool.js';
import { registerListUploadsTool } from './list-uploads-tool.js';
import { registerUploadReferenceTool } from './upload-reference-tool.js';
import type { ToolCall } from './register-tool.js';
import type { ToolDeps } from './tool-deps.js';

/**
 * The MCP SDK loads at the first MCP request, not at start-up: a cold instance answers
 * /health and the dashboard sooner (docs/performance.md). Only the SDK loads late; our own
 * modules are imported as usual, so there is one copy of each.
 */
export const loadMcpSdk = once(() => Promise.all([import('@modelcontextprotocol/server'), import('@modelcontextprotocol/node')]));

export interface McpServerDeps {
  readonly tools: ToolDeps;
  /** The caller behind a request, from what the bearer check found (nothing in local mode). */
  readonly resolveCaller: (auth: AuthInfo | undefined) => Caller;
  /** Where the server's icons are, for clients that show the connector with one. */
  readonly icons: readonly ServerIcon[];
}

const INSTRUCTIONS =
  'Generates images with Google Gemini. Always give the user the full-size link from the answer. ' +
  'Pass `model` only when the user explicitly asks for a specific model.';

/**
 * The factory `createMcpHandler` calls for every request. `ui` says whether the client renders
 * MCP Apps (apps/ui-support.ts): unless it said it does not, the tools name their views, the
 * views' resources and the tools only they call are there too.
 */
export async function buildMcpServer(deps: McpServerDeps, request: McpRequestContext, ui: UiSupport = 'unknown'): Promise<McpServer> {
  const [{ McpServer }] = await loadMcpSdk();
  const apps = ui !== 'no';
  const server = new McpServer(
    {
      name: 'image-studio',
      title: 'Image Studio',
      version: '0.1.0',
      description: "Generate images with Google's Gemini image models; see what each image cost.",
      websiteUrl: deps.tools.publicUrl,
      icons: [...deps.icons],
    },
    // The tool list never changes while the server runs.
    { instructions: INSTRUCTIONS, capabilities: { tools: { listChanged: false }, ...(apps ? APP_CAPABILITIES : {}) } },
  );
  const call: ToolCall = {
    caller: deps.resolveCaller(request.authInfo),
    logger: deps.tools.logger,
    resourceLinks: hasResourceLinks(request),
    ui,
  };
  registerGenerateImageTool(server, deps.tools, call);
  registerImageInfoTool(server, deps.tools, call);
  registerListImagesTool(server, deps.tools, call);
  registerHelpTool(server, deps.tools, call);
  registerBrowseImagesTool(server, deps.tools, call);
  if (deps.tools.uploadLinks) {
    registerUploadReferenceTool(server, deps.tools, deps.tools.uploadLinks, call);
    registerListUploadsTool(server, deps.tools, call);
  }
  if (apps) {
    registerImageViewTool(server, deps.tools, call);
    registerBrowseImagesPageTool(server, deps.tools, call);
    registerAppResources(server, deps.tools.publicUrl);
  }
  return server;
}

/** What a server with the views declares: its resources, and the extension (for clients that look for it). */
const APP_CAPABILITIES = { resources: { listChanged: false }, extensions: { [EXTENSION_ID]: {} } };

/** The revision that introduced `resource_link`; a 2025-era client names its revision in the MCP-Protocol-Version header. */
const RESOURCE_LINKS_SINCE = '2025-06-18';

function hasResourceLinks({ era, requestInfo }: McpRequestContext): boolean {
  if (era === 'modern') return true;
  // No header: the client predates 2025-06-18 (the spec then assumes 2025-03-26).
  const version = requestInfo?.headers.get('mcp-protocol-version') ?? '';
  return version >= RESOURCE_LINKS_SINCE;
}
