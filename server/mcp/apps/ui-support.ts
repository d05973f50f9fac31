/**
 * Whether the client behind one HTTP request renders MCP Apps (the `io.modelcontextprotocol/ui`
 * extension), read from the JSON-RPC body. The server is stateless, so only the request itself
 * can say:
 * - a 2026-07-28 request carries the client's capabilities in its `_meta` envelope;
 * - a 2025-era `initialize` carries them in its params;
 * - any other 2025-era request (tools/list, tools/call after the handshake) says nothing.
 * Pure.
 */
import { getUiCapability, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import type { ClientCapabilities } from '@modelcontextprotocol/server';

/**
 * `yes`: it declared the extension; `no`: it declared capabilities without it (a text-only
 * client, served exactly as before the apps existed); `unknown`: it did not say, which is every
 * 2025-era request after initialize, Claude.ai's among them. `unknown` is served like `yes`:
 * clients without the extension ignore `_meta.ui`, and Claude.ai could not show the apps otherwise.
 */
export type UiSupport = 'yes' | 'no' | 'unknown';

const ENVELOPE_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

export function uiSupportOf(body: unknown): UiSupport {
  const capabilities = declaredCapabilities(body);
  if (capabilities === undefined) return 'unknown';
  // Untrusted JSON: mimeTypes is only believed when it is a list.
  const mimeTypes: unknown = getUiCapability(capabilities)?.mimeTypes;
  return Array.isArray(mimeTypes) && mimeTypes.includes(RESOURCE_MIME_TYPE) ? 'yes' : 'no';
}

/** The capabilities a request declares, or undefined when it declares none. */
function declaredCapabilities(body: unknown): ClientCapabilities | undefined {
  if (!isObject(body)) return undefined;
  const params = body.params;
  if (!isObject(params)) return undefined;
  const meta = params._meta;
  if (isObject(meta) && isObject(meta[ENVELOPE_CAPABILITIES])) return meta[ENVELOPE_CAPABILITIES];
  if (body.method === 'initialize' && isObject(params.capabilities)) return params.capabilities;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
