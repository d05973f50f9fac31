/**
 * <model-picker>: the user's default model, with its price per image size. It applies to every
 * generate_image call that does not name a model. Fires `default-model-saved` once saved.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { Session } from '../api/client.js';
import { saveDefaultModel } from '../api/dashboard-api.js';
import type { Me, ModelAlias } from '../api/types.js';
import { formatImageCost } from '../format.js';
import { errorMessage } from './task-states.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';
import { showToast } from './toast-notice.js';

@customElement('model-picker')
export class ModelPicker extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      fieldset {
        border: none;
        padding: 0;
        margin: 0 0 1rem;
        display: grid;
        gap: 0.6rem;
      }
      label.choice {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.2rem 0.6rem;
        align-items: start;
        padding: 0.75rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        cursor: pointer;
      }
      label.choice:has(input:checked) {
        border-color: var(--accent);
        box-shadow: 0 0 0 1px var(--accent);
      }
      input {
        margin-top: 0.25rem;
        width: 1.1rem;
        height: 1.1rem;
      }
      .detail {
        grid-column: 2;
        font-size: 0.9rem;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property({ attribute: false }) me?: Me;
  @state() private saving = false;
  /** The choice being saved or just saved, shown checked until `me` catches up. */
  @state() private chosen: ModelAlias | undefined;
  /** Why the last save failed; it stays until the next try (a success is a toast). */
  @state() private failure: string | undefined;

  override render() {
    const me = this.me;
    if (!me) return html``;
    return html`<h2>My default model</h2>
      <p>Used whenever you ask Claude for an image without naming a model. Prices are list prices per image; what an image really cost shows with it.</p>
      <fieldset ?disabled=${this.saving}>
        <legend class="muted">Default model</legend>
        ${me.models.map(
          (m) => html`<label class="choice">
            <input type="radio" name="model" value=${m.alias} .checked=${live(m.alias === (this.chosen ?? me.defaultModel))} @change=${() => void this.save(m.alias)} />
            <strong>${m.alias} — ${m.label}</strong>
            <span class="detail muted">${m.available ? m.useFor : 'Not available now: Gemini serves none of its models.'}</span>
            <span class="detail">${Object.entries(m.pricesUsd).map(([size, usd]) => `${size} ${formatImageCost(usd)}`).join(' · ')}</span>
          </label>`,
        )}
      </fieldset>
      ${this.failure ? html`<status-message tone="error" message=${this.failure}></status-message>` : ''}`;
  }

  private async save(model: ModelAlias) {
    if (!this.session) return;
    this.saving = true;
    this.chosen = model;
    this.failure = undefined;
    try {
      const saved = await saveDefaultModel(this.session, model);
      showToast(this, `Saved: new images use ${saved.defaultModel} unless you ask for another model.`);
      this.dispatchEvent(new CustomEvent('default-model-saved', { detail: saved.defaultModel, bubbles: true, composed: true }));
    } catch (error) {
      this.failure = `Not saved: ${errorMessage(error)}`;
      this.chosen = undefined; // live() puts the check back on the default that is still stored
    } finally {
      this.saving = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'model-picker': ModelPicker;
  }
}
