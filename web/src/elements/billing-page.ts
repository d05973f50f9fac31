/**
 * <billing-page>: spend and budgets. This month against each user's budget (admins edit
 * budgets here), spend per month as a chart and a table, cumulative totals, and a CSV export.
 * The server decides the rows: admins get every user with spend, anyone else themselves.
 *
 * Figures mean the same everywhere: spend is cumulative (deleting an image is not a refund);
 * "images" are the images kept now.
 */
import { Task, initialState } from '@lit/task';
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { fetchCosts } from '../api/dashboard-api.js';
import type { CostRow, Costs, Me } from '../api/types.js';
import { spendCsv, spendCsvName } from '../billing-csv.js';
import { formatMonth, formatUsd } from '../format.js';
import './budget-editor.js';
import type { BudgetChange } from './budget-editor.js';
import './budget-meter.js';
import './month-chart.js';
import { renderTask } from './task-states.js';
import { sharedStyles } from './shared-styles.js';
import { showToast } from './toast-notice.js';

const MONTHS_SHOWN = 12;

@customElement('billing-page')
export class BillingPage extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .title {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.5rem 1rem;
      }
      section {
        margin: 0 0 1.75rem;
        min-width: 0;
      }
      .budgets {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr));
        gap: 0.75rem;
      }
      .budget {
        padding: 0.75rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        min-width: 0;
      }
      .budget h4 {
        margin: 0 0 0.4rem;
        font-size: 0.95rem;
        overflow-wrap: anywhere;
      }
      budget-editor {
        margin-top: 0.6rem;
      }
      .note {
        font-size: 0.9rem;
        margin-top: 0.5rem;
      }
      /* Headings wrap so that three columns fit a phone without scrolling. */
      thead th {
        white-space: normal;
      }
      @media (max-width: 30rem) {
        th,
        td {
          padding: 0.5rem 0.4rem;
        }
        th.who {
          min-width: 7rem;
        }
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property({ attribute: false }) me?: Me;
  /** Budgets saved since the costs loaded, by email (the rows update without a reload). */
  @state() private saved = new Map<string, BudgetChange>();

  // Only the session starts a load: a new `me` (the header's budget updated) must not.
  private costs = new Task(this, {
    task: async ([session]) => {
      if (!session) return initialState;
      const costs = await fetchCosts(session, MONTHS_SHOWN);
      this.saved = new Map();
      const own = costs.users.find((u) => u.email === this.me?.email);
      if (own) this.dispatchEvent(new CustomEvent<BudgetChange>('budget-changed', { detail: { email: own.email, budget: own.budget }, bubbles: true, composed: true }));
      return costs;
    },
    args: () => [this.session] as const,
  });

  override render() {
    return renderTask(this.costs, 'Loading spend and budgets…', (costs) => this.renderBilling(this.withSaved(costs)));
  }

  private withSaved(costs: Costs): Costs {
    if (this.saved.size === 0) return costs;
    return {
      ...costs,
      users: costs.users.map((u) => {
        const change = this.saved.get(u.email);
        return change ? { ...u, budget: change.budget, ...(change.setting === undefined ? {} : { budgetSetting: change.setting }) } : u;
      }),
    };
  }

  private renderBilling(costs: Costs) {
    const me = this.me;
    const isAdmin = me?.isAdmin ?? false;
    return html`<div class="title">
        <h2>Billing</h2>
        <button @click=${() => this.download(costs)} ?disabled=${costs.users.length === 0}>Download CSV</button>
      </div>
      ${this.renderBudgets(costs, isAdmin)}
      <section aria-labelledby="per-month">
        <h3 id="per-month">Spend per month</h3>
        ${costs.users.length === 0 ? html`<p class="muted">Nothing spent yet.</p>` : html`<month-chart .users=${costs.users} .months=${costs.months}></month-chart>`}
        <p class="note muted">What was spent each month, deleted images included; “generated” counts the images made that month.</p>
      </section>
      ${this.renderTotals(costs, isAdmin)}`;
  }

  private renderBudgets(costs: Costs, isAdmin: boolean) {
    const me = this.me;
    const month = costs.months.at(-1) ?? me?.budget.month ?? '';
    // A user who has spent nothing yet has no row: their budget comes with who they are.
    const rows: readonly Pick<CostRow, 'email' | 'budget' | 'budgetSetting'>[] = costs.users.length > 0 || !me ? costs.users : [{ email: me.email, budget: me.budget }];
    return html`<section aria-labelledby="this-month">
      <h3 id="this-month">This month${month ? ` (${formatMonth(month)}, UTC)` : ''}</h3>
      <div class="budgets">
        ${rows.map(
          (row) => html`<article class="budget" aria-label="Budget of ${row.email}">
            <h4>${isAdmin ? row.email : 'My budget'}</h4>
            <budget-meter .budget=${row.budget} label=${row.email}></budget-meter>
            ${isAdmin
              ? html`<budget-editor
                  .session=${this.session}
                  email=${row.email}
                  .setting=${row.budgetSetting ?? 'default'}
                  .defaultBudgetUsd=${me?.defaultBudgetUsd ?? null}
                  @budget-saved=${(e: CustomEvent<BudgetChange>) => this.budgetSaved(e.detail)}
                ></budget-editor>`
              : html`<p class="note muted">Monthly limits are set by an admin.</p>`}
          </article>`,
        )}
      </div>
    </section>`;
  }

  private renderTotals(costs: Costs, isAdmin: boolean) {
    return html`<section aria-labelledby="totals">
      <h3 id="totals">Totals</h3>
      <div class="scroll-region" tabindex="0" role="region" aria-label="Totals per user">
        <table>
          <caption class="visually-hidden">
            Totals per user: images kept and cumulative spend
          </caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" class="number">Images (kept)</th>
              <th scope="col" class="number">Spent (cumulative)</th>
            </tr>
          </thead>
          <tbody>
            ${costs.users.map(
              (row) => html`<tr>
                <th scope="row" class="who">${isAdmin ? html`<a href="#/gallery/${encodeURIComponent(row.email)}">${row.email}</a>` : row.email}</th>
                <td class="number">${row.imageCount}</td>
                <td class="number">${formatUsd(row.costUsd)}</td>
              </tr>`,
            )}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td class="number">${costs.total.imageCount}</td>
              <td class="number">${formatUsd(costs.total.costUsd)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="note muted">Spent (cumulative): everything since the first image — deleting an image is not a refund. Images (kept): the images that exist now; deleted images are not counted.</p>
    </section>`;
  }

  private budgetSaved(change: BudgetChange) {
    this.saved = new Map(this.saved).set(change.email, change);
    const limit = change.setting === 'default' ? `the default (${change.budget.limitUsd === null ? 'no limit' : formatUsd(change.budget.limitUsd)})` : change.budget.limitUsd === null ? 'no limit' : `${formatUsd(change.budget.limitUsd)} a month`;
    showToast(this, `Budget saved: ${change.email} has ${limit}.`);
    this.dispatchEvent(new CustomEvent<BudgetChange>('budget-changed', { detail: change, bubbles: true, composed: true }));
  }

  private download(costs: Costs) {
    const name = spendCsvName(costs);
    const url = URL.createObjectURL(new Blob([spendCsv(costs)], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.hidden = true;
    this.renderRoot.appendChild(link);
    link.click();
    link.remove();
    // The download has started from the URL by now; a moment later it can go.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    showToast(this, `Downloaded ${name}.`);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'billing-page': BillingPage;
  }
}
