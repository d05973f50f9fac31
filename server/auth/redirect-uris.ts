/**
 * Which redirect URIs a client may register: Claude's callbacks, and loopback addresses
 * for local clients (MCP Inspector, Claude Code). Anything else could turn our consent
 * screen into an open redirect, so it is refused at registration. Pure.
 */
export const CLAUDE_REDIRECT_URIS: readonly string[] = [
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isAllowedRedirectUri(uri: string): boolean {
  if (CLAUDE_REDIRECT_URIS.includes(uri)) return true;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && !url.username && !url.password && !url.hash;
}
