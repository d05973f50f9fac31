/**
 * <toast-notice>: one transient notice at the bottom of the viewport ("Budget saved"), for
 * about five seconds, dismissible. The app renders one and gives it each new notice, which
 * replaces the one showing. Info is announced politely (role="status"), errors at once
 * (role="alert"); both live regions stay in the page so screen readers hear the change.
 *
 * Any element asks for a notice with `showToast(this, 'Copied')`, or by dispatching the event
 * itself: `new CustomEvent('studio-toast', { detail: { message, tone }, bubbles: true, composed: true })`.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.js';

export const TOAST_EVENT = 'studio-toast';
export type ToastTone = 'info' | 'error';

export interface ToastDetail {
  readonly message: string;
  readonly tone?: ToastTone;
}

/** Asks the app to show a notice; the event crosses shadow roots up to <image-studio-app>. */
export function showToast(from: EventTarget, message: string, tone: ToastTone = 'info'): void {
  from.dispatchEvent(new CustomEvent<ToastDetail>(TOAST_EVENT, { detail: { message, tone }, bubbles: true, composed: true }));
}

const SHOWN_MS = 5000;

@customElement('toast-notice')
export class ToastNotice extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        position: fixed;
        left: 0;
        right: 0;
        bottom: max(1rem, env(safe-area-inset-bottom));
        display: flex;
        justify-content: center;
        padding: 0 1rem;
        pointer-events: none;
        z-index: 20;
      }
      .toast {
        pointer-events: auto;
        display: flex;
        align-items: center;
        gap: 0.75rem;
        max-width: 32rem;
        padding: 0.6rem 0.6rem 0.6rem 1rem;
        border-radius: 8px;
        border: 1px solid var(--border);
        border-left: 6px solid var(--accent);
        background: var(--surface);
        box-shadow: var(--shadow);
        overflow-wrap: anywhere;
      }
      .toast.error {
        border-left-color: var(--danger);
        background: var(--danger-surface);
      }
      .message {
        flex: 1;
      }
      button {
        flex: none;
        padding: 0.2rem 0.6rem;
      }
    `,
  ];

  @property() message = '';
  @property() tone: ToastTone = 'info';
  /** Changes with every notice, so the same text shown twice still restarts the timer. */
  @property({ type: Number }) serial = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('serial') || changed.has('message')) this.startTimer();
  }

  override render() {
    const toast = html`<div class="toast ${this.tone}" @mouseenter=${this.pause} @mouseleave=${this.startTimer} @focusin=${this.pause} @focusout=${this.startTimer}>
      <span class="message">${this.message}</span>
      <button type="button" aria-label="Dismiss notice" @click=${this.dismiss}>✕</button>
    </div>`;
    const showing = this.message !== '';
    return html`<div role="status" aria-live="polite">${showing && this.tone === 'info' ? toast : nothing}</div>
      <div role="alert">${showing && this.tone === 'error' ? toast : nothing}</div>`;
  }

  // A notice stays while the pointer or the keyboard is on it: it goes only once left alone.
  private pause = () => clearTimeout(this.timer);

  private startTimer = () => {
    clearTimeout(this.timer);
    if (this.message) this.timer = setTimeout(this.dismiss, SHOWN_MS);
  };

  private dismiss = () => {
    clearTimeout(this.timer);
    this.dispatchEvent(new Event('toast-dismissed'));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'toast-notice': ToastNotice;
  }
  interface HTMLElementEventMap {
    'studio-toast': CustomEvent<ToastDetail>;
  }
}
