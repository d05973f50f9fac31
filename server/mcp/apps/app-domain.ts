/**
 * The origin Claude gives an MCP App's sandbox. Claude derives it from the connector's URL, so
 * declaring the same value in `_meta.ui.domain` keeps the view on one stable origin per server
 * (ext-apps docs, "CSP & CORS": sha256 of the MCP server URL, first 32 hex characters, under
 * claudemcpcontent.com). The URL must be exactly the one users add as the connector. Pure.
 */
import { createHash } from 'node:crypto';

export const CLAUDE_APP_DOMAIN_SUFFIX = '.claudemcpcontent.com';

/** `{sha256(mcpUrl) first 32 hex}.claudemcpcontent.com`, for the exact URL the connector uses (e.g. `https://img.example.com/mcp`). */
export function claudeAppDomain(mcpUrl: string): string {
  return createHash('sha256').update(mcpUrl).digest('hex').slice(0, 32) + CLAUDE_APP_DOMAIN_SUFFIX;
}
