/**
 * <sign-in-panel>: the signed-out state. "Sign in with Google" (a popup, or a redirect where
 * popups are blocked); against the Auth emulator, a form to sign in as any address instead,
 * since Google cannot be reached there.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FirebaseSignIn } from '../auth/firebase-sign-in.js';
import { errorMessage } from './task-states.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';

@customElement('sign-in-panel')
export class SignInPanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .panel {
        max-width: 28rem;
        margin: 2rem auto;
        padding: 1.5rem;
        border: 1px solid var(--border);
        border-radius: 12px;
        background: var(--surface);
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 1rem;
      }
      input {
        font: inherit;
        flex: 1 1 12rem;
        padding: 0.4rem 0.6rem;
        border: 1px solid var(--border);
        border-radius: 6px;
      }
    `,
  ];

  @property({ attribute: false }) signIn?: FirebaseSignIn;
  @state() private busy = false;
  @state() private error = '';

  override render() {
    return html`<div class="panel">
      <h2>Sign in</h2>
      <p>Sign in with your Google account to see your images and what they cost.</p>
      <button class="primary" ?disabled=${this.busy} @click=${() => void this.run(() => this.signIn?.signInWithGoogle())}>Sign in with Google</button>
      ${this.signIn?.emulator
        ? html`<form @submit=${this.emulatorSignIn}>
            <label for="emulator-email" class="muted">Auth emulator: sign in as</label>
            <input id="emulator-email" name="email" type="email" required placeholder="someone@example.com" autocomplete="off" />
            <button type="submit" ?disabled=${this.busy}>Sign in as this address</button>
          </form>`
        : nothing}
      ${this.error ? html`<status-message tone="error" message=${this.error}></status-message>` : nothing}
    </div>`;
  }

  private emulatorSignIn = (event: SubmitEvent) => {
    event.preventDefault();
    const email = (event.target as HTMLFormElement).querySelector('input')?.value.trim() ?? '';
    void this.run(() => this.signIn?.signInAsEmulatorUser(email));
  };

  private async run(action: () => Promise<void> | undefined) {
    this.busy = true;
    this.error = '';
    try {
      await action();
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sign-in-panel': SignInPanel;
  }
}
