/**
 * <budget-meter>: one user's month against their budget — "$1.20 of $5.00 spent this month ·
 * resets Dec 1", a progress bar (spent, and reserved by generations in progress), and a
 * warning from 80% of the limit on. Without a limit it says so and shows no bar.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Budget } from '../api/types.js';
import { budgetResets, budgetSummary, budgetUsed, isNearLimit } from '../budget-text.js';
import { formatUsd } from '../format.js';
import { sharedStyles } from './shared-styles.js';

@customElement('budget-meter')
export class BudgetMeter extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .summary {
        margin: 0 0 0.4rem;
        font-variant-numeric: tabular-nums;
      }
      .track {
        position: relative;
        height: 0.75rem;
        border-radius: 999px;
        background: var(--thumb-bg);
        border: 1px solid var(--border);
        overflow: hidden;
      }
      .spent,
      .reserved {
        position: absolute;
        top: 0;
        bottom: 0;
      }
      .spent {
        left: 0;
        background: var(--accent);
      }
      /* Held, not spent yet: hatched in the same colour. */
      .reserved {
        background: repeating-linear-gradient(45deg, var(--accent) 0 3px, transparent 3px 6px);
      }
      .near .spent {
        background: var(--warning);
      }
      .near .reserved {
        background: repeating-linear-gradient(45deg, var(--warning) 0 3px, transparent 3px 6px);
      }
      .notes {
        margin: 0.35rem 0 0;
        font-size: 0.9rem;
      }
      .warning {
        color: var(--warning);
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) budget?: Budget;
  /** Whose budget, for the progress bar's accessible name. */
  @property() label = '';

  override render() {
    const budget = this.budget;
    if (!budget) return nothing;
    const used = budgetUsed(budget);
    const near = isNearLimit(budget);
    return html`<div class=${near ? 'near' : ''}>
      <p class="summary"><strong>${budgetSummary(budget)}</strong> <span class="muted">· ${budgetResets(budget)}</span></p>
      ${budget.limitUsd === null ? nothing : this.renderBar(budget, budget.limitUsd)}
      ${budget.reservedUsd > 0 || near
        ? html`<p class="notes">
            ${budget.reservedUsd > 0 ? html`<span>${formatUsd(budget.reservedUsd)} reserved by generations in progress.</span>` : nothing}
            ${near ? html`<span class="warning">⚠ ${used !== undefined && Number.isFinite(used) && used < 1 ? `${Math.floor(used * 100)}% of the budget used.` : 'The budget is used up until it resets.'}</span>` : nothing}
          </p>`
        : nothing}
    </div>`;
  }

  private renderBar(budget: Budget, limitUsd: number) {
    const share = (usd: number) => (limitUsd > 0 ? Math.min(100, (usd / limitUsd) * 100) : 100);
    const spent = share(budget.spentUsd);
    const reserved = Math.min(100 - spent, share(budget.reservedUsd));
    return html`<div
      class="track"
      role="progressbar"
      aria-label=${this.label ? `Budget used this month, ${this.label}` : 'Budget used this month'}
      aria-valuemin="0"
      aria-valuemax=${limitUsd}
      aria-valuenow=${Math.min(budget.spentUsd, limitUsd)}
      aria-valuetext=${`${formatUsd(budget.spentUsd)} of ${formatUsd(limitUsd)}`}
    >
      <div class="spent" style="width: ${spent}%"></div>
      <div class="reserved" style="left: ${spent}%; width: ${reserved}%"></div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'budget-meter': BudgetMeter;
  }
}
