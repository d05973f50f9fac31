/**
 * <budget-editor>: an admin sets one user's monthly limit — an amount in US dollars, no
 * limit, or the deployment's default. The server checks the amount (and says what it
 * accepts when it refuses); on success this fires `budget-saved` with the new budget.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { saveBudget } from '../api/dashboard-api.js';
import type { Budget, BudgetSetting, BudgetUpdate } from '../api/types.js';
import { formatUsd } from '../format.js';
import { errorMessage } from './task-states.js';
import { sharedStyles } from './shared-styles.js';

/** What `budget-saved` (from this editor) and `budget-changed` (from the billing page) carry. */
export interface BudgetChange {
  readonly email: string;
  readonly budget: Budget;
  /** What the admin set; absent when only the figures were (re)loaded. */
  readonly setting?: BudgetSetting;
}

type Choice = 'limit' | 'none' | 'default';

@customElement('budget-editor')
export class BudgetEditor extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      fieldset {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.5rem 0.75rem 0.75rem;
        margin: 0 0 0.5rem;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 1rem;
        min-width: 0;
      }
      legend {
        padding: 0 0.25rem;
        font-size: 0.9rem;
      }
      label {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }
      .amount {
        display: inline-flex;
        align-items: center;
        gap: 0.25rem;
      }
      input[type='number'] {
        width: 7rem;
      }
      .error {
        margin: 0.4rem 0 0;
        color: var(--danger);
        background: var(--danger-surface);
        border-left: 4px solid var(--danger);
        padding: 0.35rem 0.6rem;
        border-radius: 4px;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property() email = '';
  /** What is set now. */
  @property({ attribute: false }) setting: BudgetSetting = 'default';
  /** The deployment's default limit (null: none), shown on its choice. */
  @property({ attribute: false }) defaultBudgetUsd: number | null = null;
  @state() private choice: Choice = 'default';
  @state() private amount = '';
  @state() private saving = false;
  @state() private error = '';

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('setting')) {
      const setting = this.setting;
      this.choice = setting === 'default' ? 'default' : setting === null ? 'none' : 'limit';
      this.amount = typeof setting === 'number' ? setting.toFixed(2) : '';
    }
  }

  override render() {
    const defaultText = this.defaultBudgetUsd === null ? 'no limit' : formatUsd(this.defaultBudgetUsd);
    const radio = (value: Choice) =>
      html`<input type="radio" name="choice" value=${value} .checked=${this.choice === value} @change=${() => (this.choice = value)} />`;
    return html`<form novalidate @submit=${this.onSubmit}>
      <fieldset ?disabled=${this.saving}>
        <legend>Monthly limit for ${this.email}</legend>
        <span class="amount">
          <label>${radio('limit')} Limit</label>
          <span aria-hidden="true">$</span>
          <input
            type="number"
            inputmode="decimal"
            min="0"
            step="0.01"
            aria-label="Limit in US dollars for ${this.email}"
            .value=${this.amount}
            @input=${(e: Event) => {
              this.amount = (e.target as HTMLInputElement).value;
              this.choice = 'limit';
            }}
          />
        </span>
        <label>${radio('none')} No limit</label>
        <label>${radio('default')} Use default (${defaultText})</label>
        <button type="submit" class="primary">Save budget</button>
      </fieldset>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </form>`;
  }

  private onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    void this.save();
  };

  private requested(): { update: BudgetUpdate; setting: BudgetSetting } | string {
    if (this.choice === 'none') return { update: { limitUsd: null }, setting: null };
    if (this.choice === 'default') return { update: { default: true }, setting: 'default' };
    const text = this.amount.trim();
    const limitUsd = Number(text);
    // Only "is it a number at all" is checked here; the server says what amounts it accepts.
    if (text === '' || !Number.isFinite(limitUsd)) return 'Enter the limit in US dollars, like 5 or 2.50; or choose “No limit” or “Use default”.';
    return { update: { limitUsd }, setting: limitUsd };
  }

  private async save() {
    if (!this.session) return;
    const wanted = this.requested();
    if (typeof wanted === 'string') {
      this.error = wanted;
      return;
    }
    this.saving = true;
    this.error = '';
    try {
      const budget = await saveBudget(this.session, this.email, wanted.update);
      // The server may round (whole cents): what applies now is its answer.
      const setting = typeof wanted.setting === 'number' ? (budget.limitUsd ?? wanted.setting) : wanted.setting;
      this.dispatchEvent(new CustomEvent<BudgetChange>('budget-saved', { detail: { email: this.email, budget, setting } }));
    } catch (error) {
      this.error = `Not saved: ${errorMessage(error)}`;
    } finally {
      this.saving = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'budget-editor': BudgetEditor;
  }
}
