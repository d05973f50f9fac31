/**
 * <status-message>: the loading, error and notice states every view shows the same way.
 * An error with `retryable` offers a Retry button that fires `retry`.
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
        padding: 1rem;
        border-radius: 8px;
        border: 1px solid var(--border);
        background: var(--surface);
      }
      .error {
        border-color: var(--danger);
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
    const role = this.tone === 'error' ? 'alert' : 'status';
    return html`<div class="box ${this.tone}" role=${role}>
      <p class=${this.tone === 'loading' ? 'loading' : ''}>${this.message}</p>
      <slot></slot>
      ${this.tone === 'error' && this.retryable
        ? html`<p><button class="primary" @click=${() => this.dispatchEvent(new Event('retry'))}>Retry</button></p>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'status-message': StatusMessage;
  }
}
