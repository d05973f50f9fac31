/** <connect-claude>: how to add this server to Claude, shown while a user has no images yet. */
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.js';

@customElement('connect-claude')
export class ConnectClaude extends LitElement {
  static override styles = sharedStyles;

  /** The server's MCP endpoint (the Cloud Run URL, never the dashboard's). */
  @property() mcpUrl = '';

  override render() {
    return html`<ol>
        <li>In Claude.ai: <strong>Settings → Connectors → Add custom connector</strong>, URL <code>${this.mcpUrl}</code>, then sign in with Google.</li>
        <li>In Claude Code: <code>claude mcp add --transport http image-studio ${this.mcpUrl}</code></li>
        <li>Ask Claude for an image (“generate an image of a lighthouse at dusk”). It appears here.</li>
      </ol>
      <p class="muted">Only allow-listed addresses can generate; everyone sees what they made and what it cost here.</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'connect-claude': ConnectClaude;
  }
}
