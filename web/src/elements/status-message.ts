/**
 * <status-message>: the loading, error and notice states every view shows the same way.
 * An error with `retryable` offers a Retry button that fires `retry`; the view that failed
 * reloads what failed when it hears it.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.js';

@customElement('status-message')
export class StatusMessage extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .box {
        display: flex;
        gap: 0.75rem;
        align-items: flex-start;
        padding: 1rem;
        border-radius: 8px;
        border: 1px solid var(--border);
        background: var(--surface);
      }
      .body {
        flex: 1;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      /* Not by colour alone: an error has an icon and a thick edge as well. */
      .error {
        border-color: var(--danger);
        border-left-width: 6px;
        background: var(--danger-surface);
      }
      .icon {
        flex: none;
        width: 1.5rem;
        height: 1.5rem;
        color: var(--danger);
      }
      .loading::before {
        content: '';
        display: inline-block;
        width: 0.9em;
        height: 0.9em;
        margin-right: 0.5em;
        border: 2px solid var(--muted);
        border-right-color: transparent;
        border-radius: 50%;
        vertical-align: -0.1em;
        animation: spin 0.8s linear infinite;
      }
      @media (prefers-reduced-motion: reduce) {
        .loading::before {
          animation: none;
        }
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      p:last-child {
        margin: 0;
      }
    `,
  ];

  @property() tone: 'loading' | 'error' | 'notice' = 'notice';
  @property() message = '';
  @property({ type: Boolean }) retryable = false;

  override render() {
    const error = this.tone === 'error';
    return html`<div class="box ${this.tone}" role=${error ? 'alert' : 'status'}>
      ${error ? warningIcon : nothing}
      <div class="body">
        <p class=${this.tone === 'loading' ? 'loading' : ''}>${this.message}</p>
        <slot></slot>
        ${error && this.retryable ? html`<p><button class="primary" @click=${() => this.dispatchEvent(new Event('retry'))}>Retry</button></p>` : nothing}
      </div>
    </div>`;
  }
}

const warningIcon = html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
  <path fill="currentColor" d="M12 2 1 21h22L12 2zm0 4.8L19.5 19h-15L12 6.8zM11 10v5h2v-5h-2zm0 6v2h2v-2h-2z" />
</svg>`;

declare global {
  interface HTMLElementTagNameMap {
    'status-message': StatusMessage;
  }
}
