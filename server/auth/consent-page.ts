/**
 * The consent page: before anything goes to Google, the user sees which application asks
 * for access and where it will be sent afterwards (the MCP guidance against confused-deputy
 * attacks). Also the page for sign-in errors that cannot go back to the client.
 */
import { escapeHtml } from '../html.js';
import { ICON_LINKS } from '../ui/icon-routes.js';

/**
 * The pages' Content-Security-Policy, for whoever sends them: nothing loads but the inline
 * style and the app's icon (Firefox checks a favicon against img-src).
 */
export const CONSENT_PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
export const ERROR_PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";

const STYLE = `
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
    background: #141416; color: #e6e6e9; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 30rem; margin: 1.5rem; padding: 2rem; border-radius: 14px; background: #1f1f23; box-shadow: 0 12px 40px rgba(0,0,0,.5); }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  code { word-break: break-all; color: #c9d6ff; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font: inherit; font-weight: 600; padding: .65rem 1.3rem; border-radius: 999px; border: 0; cursor: pointer; }
  button[value=approve] { background: #f2f2f4; color: #141416; }
  button[value=deny] { background: transparent; color: #e6e6e9; border: 1px solid #55555c; }
  button:focus-visible { outline: 2px solid #8ab4f8; outline-offset: 3px; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>${ICON_LINKS}<style>${STYLE}</style></head>
<body><main>${body}</main></body></html>
`;
}

/**
 * `clientHost`: for a client identified by a metadata document, the host that publishes it
 * (the name is the client's own claim; the host is what vouches for it).
 */
export function consentPage(args: { clientName: string; clientHost?: string | undefined; redirectUri: string; ticket: string }): string {
  const host = new URL(args.redirectUri).host;
  const publisher = args.clientHost ? ` <span class="by">(published by <code>${escapeHtml(args.clientHost)}</code>)</span>` : '';
  return page(
    'Connect to Image Studio',
    `<h1>Connect “${escapeHtml(args.clientName.slice(0, 100))}” to Image Studio?</h1>
<p>The application${publisher} will be able to generate images on this server in your name, and the cost will be counted as yours.</p>
<p>After you sign in with Google you will be sent back to <code>${escapeHtml(host)}</code>
(<code>${escapeHtml(args.redirectUri)}</code>).</p>
<form method="post" action="/authorize/consent">
<input type="hidden" name="ticket" value="${escapeHtml(args.ticket)}">
<div class="actions"><button name="decision" value="approve">Continue with Google</button>
<button name="decision" value="deny">Cancel</button></div>
</form>`,
  );
}

export function errorPage(message: string): string {
  return page('Image Studio sign-in', `<h1>Sign-in did not complete</h1><p>${escapeHtml(message)}</p>`);
}
