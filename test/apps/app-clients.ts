/**
 * MCP clients as hosts that render MCP Apps connect: the v2 SDK client on MCP 2026-07-28,
 * declaring the `io.modelcontextprotocol/ui` extension in its capabilities (or, as a text-only
 * client, declaring capabilities without it).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { EXTENSION_ID, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';

export const UI_CAPABILITIES = { extensions: { [EXTENSION_ID]: { mimeTypes: [RESOURCE_MIME_TYPE] } } };

export async function connectModern(mcpUrl: string, { apps }: { apps: boolean }): Promise<Client> {
  const client = new Client(
    { name: apps ? 'e2e-app-host' : 'e2e-text-only', version: '1.0.0' },
    { capabilities: apps ? UI_CAPABILITIES : {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  return client;
}

/** How many characters a result takes on the wire: what the hosts' caps count. */
export function wireChars(result: unknown): number {
  return JSON.stringify(result).length;
}
