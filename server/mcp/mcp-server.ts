/** One MCP server per request (stateless), with the tools bound to the calling user. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../core/access.js';
import { once } from '../lazy.js';
import { registerGenerateImageTool } from './generate-image-tool.js';
import { registerHelpTool } from './help-tool.js';
import { registerImageInfoTool } from './image-info-tool.js';
import type { ToolDeps } from './tool-deps.js';

export const SERVER_INFO = { name: 'image-studio', version: '0.1.0' } as const;

/**
 * The MCP SDK's server and transport load at the first MCP request, not at start-up: a cold
 * instance answers /health and the dashboard sooner (docs/performance.md). Only the SDK loads
 * late; our own modules are imported as usual, so there is one copy of each.
 */
export const loadMcpSdk = once(() => Promise.all([import('@modelcontextprotocol/sdk/server/mcp.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]));

export async function buildMcpServer(deps: ToolDeps, caller: Caller): Promise<McpServer> {
  const [{ McpServer }] = await loadMcpSdk();
  const server = new McpServer(SERVER_INFO, {
    instructions:
      'Generates images with Google Gemini. Always give the user the full-size link from the answer. ' +
      'Pass `model` only when the user explicitly asks for a specific model.',
  });
  registerGenerateImageTool(server, deps, caller);
  registerImageInfoTool(server, deps, caller);
  registerHelpTool(server, deps, caller);
  return server;
}
