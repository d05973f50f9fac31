/**
 * The MCP clients the server must serve, as they behave today:
 * - `2026-07-28`: the v2 SDK client (`@modelcontextprotocol/client`) pinned to MCP 2026-07-28
 *   (server/discover, per-request `_meta` envelope, Mcp-Method/Mcp-Name headers);
 * - `2025-11-25`: the v1 SDK client (`@modelcontextprotocol/sdk`), initialize handshake;
 * - `claude.ai`: Claude.ai's connector since August 2026, over raw HTTP: it negotiates
 *   2025-11-25 through initialize, then sends `MCP-Protocol-Version: 2026-07-28` with its
 *   2025-era bodies, or the comma-joined `2025-11-25, 2026-07-28` (it alternates here, so
 *   every test sees both).
 * Each is wrapped in the same small interface, so a test runs unchanged on every client.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

export const CLIENT_KINDS = ['2026-07-28', '2025-11-25', 'claude.ai'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export interface ProgressEvent {
  readonly progress: number;
  readonly message?: string;
}

export interface McpTestClient {
  readonly kind: ClientKind;
  /** The protocol revision the client ended up speaking. */
  readonly protocolVersion: string | undefined;
  listTools(): Promise<{ tools: Tool[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }, options?: { onprogress?: (p: ProgressEvent) => void }): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Sent with every request (e.g. a bearer token or a trace header). */
  readonly headers?: Record<string, string>;
}

export async function connectMcp(kind: ClientKind, mcpUrl: string, options: ConnectOptions = {}): Promise<McpTestClient> {
  const url = new URL(mcpUrl);
  const requestInit = options.headers ? { requestInit: { headers: options.headers } } : {};
  switch (kind) {
    case '2026-07-28': {
      const client = new ClientV2({ name: 'e2e-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new TransportV2(url, requestInit));
      return {
        kind,
        protocolVersion: client.getNegotiatedProtocolVersion(),
        listTools: async () => (await client.listTools()) as { tools: Tool[] },
        callTool: async (params, opts) => (await client.callTool(params, opts?.onprogress ? { onprogress: opts.onprogress } : undefined)) as CallToolResult,
        close: () => client.close(),
      };
    }
    case '2025-11-25': {
      const client = new ClientV1({ name: 'e2e-v1', version: '1.0.0' });
      const transport = new TransportV1(url, requestInit);
      await client.connect(transport);
      return {
        kind,
        protocolVersion: transport.protocolVersion,
        listTools: () => client.listTools(),
        callTool: async (params, opts) => (await client.callTool(params, undefined, opts?.onprogress ? { onprogress: opts.onprogress } : undefined)) as CallToolResult,
        close: () => client.close(),
      };
    }
    case 'claude.ai':
      return connectLikeClaudeAi(url, options.headers ?? {});
  }
}

/** The two headers Claude.ai sends after negotiating 2025-11-25, in turn. */
export const CLAUDE_AI_HEADERS = ['2026-07-28', '2025-11-25, 2026-07-28'] as const;

async function connectLikeClaudeAi(url: URL, headers: Record<string, string>): Promise<McpTestClient> {
  let nextId = 1;
  let turn = 0;
  const post = async (message: Record<string, unknown>, versionHeader?: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(versionHeader ? { 'mcp-protocol-version': versionHeader } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
  const request = async (method: string, params: Record<string, unknown>, onprogress?: (p: ProgressEvent) => void, versionHeader?: string) => {
    const id = nextId++;
    const response = await post({ id, method, params }, versionHeader ?? CLAUDE_AI_HEADERS[turn++ % CLAUDE_AI_HEADERS.length]);
    const body = await response.text();
    if (!response.ok) throw new Error(`${method}: HTTP ${response.status}: ${body}`);
    for (const message of messagesOf(body, response.headers.get('content-type') ?? '')) {
      if (message.method === 'notifications/progress') onprogress?.(message.params as unknown as ProgressEvent);
      if (message.id !== id) continue;
      if (message.error) throw Object.assign(new Error(`${method}: JSON-RPC ${message.error.code}: ${message.error.message}`), { code: message.error.code });
      return message.result as Record<string, unknown>;
    }
    throw new Error(`${method}: no answer in ${body.slice(0, 300)}`);
  };

  const init = await request(
    'initialize',
    { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'claude-ai', version: '1.0' } },
    undefined,
    // initialize goes without the header, as the spec says.
    '',
  );
  const initialized = await post({ method: 'notifications/initialized' }, CLAUDE_AI_HEADERS[0]);
  if (initialized.status !== 202) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
  return {
    kind: 'claude.ai',
    protocolVersion: init.protocolVersion as string,
    listTools: async () => (await request('tools/list', {})) as unknown as { tools: Tool[] },
    callTool: async (params, opts) => {
      const meta = opts?.onprogress ? { _meta: { progressToken: `p${nextId}` } } : {};
      return (await request('tools/call', { ...params, ...meta }, opts?.onprogress)) as unknown as CallToolResult;
    },
    close: async () => {},
  };
}

export interface JsonRpcMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A JSON body, or the `data:` lines of an SSE stream's events. */
export function messagesOf(body: string, contentType: string): JsonRpcMessage[] {
  if (contentType.includes('application/json')) return [JSON.parse(body) as JsonRpcMessage];
  return body
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as JsonRpcMessage);
}
