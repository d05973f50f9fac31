/** One MCP server per request (stateless), with the tools bound to the calling user. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../core/access.js';
import { registerGenerateImageTool } from './generate-image-tool.js';
import { registerHelpTool } from './help-tool.js';
import { registerImageInfoTool } from './image-info-tool.js';
import type { ToolDeps } from './tool-deps.js';

export const SERVER_INFO = { name: 'image-studio', version: '0.1.0' } as const;

export function buildMcpServer(deps: ToolDeps, caller: Caller): McpServer {
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
