/**
 * <month-chart>: spend per month, one bar per month stacked by user, and below it the same
 * figures as a table (with the generations counted), which is the chart's text alternative
 * and what a screen reader or a phone reads. Spend here is what was spent that month,
 * deleted images included.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CostRow } from '../api/types.js';
import { formatMonth, formatMonthShort, formatUsd, plural } from '../format.js';
import { sharedStyles } from './shared-styles.js';

const SERIES = 6; // --series-1 … --series-6 in index.html; users past the sixth reuse them

@customElement('month-chart')
export class MonthChart extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      figure {
        margin: 0 0 1rem;
      }
      .chart {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0 0.4rem;
      }
      .scale {
        display: flex;
        flex-direction: column;
        justify-content: space-between;
        font-size: 0.75rem;
        text-align: right;
        height: 10rem;
        font-variant-numeric: tabular-nums;
      }
      .bars {
        display: grid;
        grid-auto-flow: column;
        grid-auto-columns: minmax(0, 1fr);
        gap: 0.25rem;
        height: 10rem;
        align-items: end;
        border-bottom: 1px solid var(--muted);
        background: linear-gradient(to bottom, var(--border) 1px, transparent 1px) top / 100% 50%;
      }
      .stack {
        display: flex;
        flex-direction: column-reverse;
        border-radius: 3px 3px 0 0;
        overflow: hidden;
        min-height: 0;
      }
      .labels {
        grid-column: 2;
        display: grid;
        grid-auto-flow: column;
        grid-auto-columns: minmax(0, 1fr);
        gap: 0.25rem;
        font-size: 0.7rem;
        text-align: center;
      }
      .labels span {
        overflow: hidden;
        white-space: nowrap;
      }
      figcaption {
        margin-top: 0.6rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1rem;
        font-size: 0.9rem;
      }
      .key {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        overflow-wrap: anywhere;
      }
      .swatch {
        flex: none;
        width: 0.8rem;
        height: 0.8rem;
        border-radius: 2px;
      }
      ${seriesRules()}
      td .generated {
        display: block;
        font-size: 0.8rem;
      }
    `,
  ];

  /** Every user's row; each holds the same months, oldest first. */
  @property({ attribute: false }) users: readonly CostRow[] = [];
  @property({ attribute: false }) months: readonly string[] = [];

  override render() {
    if (this.months.length === 0) return nothing;
    return html`${this.renderChart()}${this.renderTable()}`;
  }

  private renderChart() {
    const { months, users } = this;
    const totals = months.map((_, i) => users.reduce((sum, u) => sum + (u.months[i]?.spentUsd ?? 0), 0));
    const top = Math.max(...totals);
    const range = `${formatMonth(months[0] ?? '')} to ${formatMonth(months.at(-1) ?? '')}`;
    const description =
      top === 0
        ? `Spend per month, ${range}: nothing spent.`
        : `Spend per month, ${range}${users.length > 1 ? ', stacked by user' : ''}; the most in one month was ${formatUsd(top)}. The table below has every figure.`;
    return html`<figure>
      <div class="chart" role="img" aria-label=${description}>
        <div class="scale" aria-hidden="true"><span>${formatUsd(top)}</span><span>${formatUsd(top / 2)}</span><span>${formatUsd(0)}</span></div>
        <div class="bars" aria-hidden="true">
          ${months.map(
            (month, i) =>
              html`<div class="stack" style="height: ${top > 0 ? ((totals[i] ?? 0) / top) * 100 : 0}%" title="${formatMonth(month)}: ${formatUsd(totals[i] ?? 0)}">
                ${users.map((u, k) => {
                  const spent = u.months[i]?.spentUsd ?? 0;
                  return spent > 0 ? html`<div class="series-${(k % SERIES) + 1}" style="flex: ${spent} 0 0"></div>` : nothing;
                })}
              </div>`,
          )}
        </div>
        <div class="labels" aria-hidden="true">${months.map((m) => html`<span>${formatMonthShort(m)}</span>`)}</div>
      </div>
      ${users.length > 1
        ? html`<figcaption>
            ${users.map((u, k) => html`<span class="key"><span class="swatch series-${(k % SERIES) + 1}"></span>${u.email}</span>`)}
          </figcaption>`
        : nothing}
    </figure>`;
  }

  private renderTable() {
    const { months, users } = this;
    const several = users.length > 1;
    const cell = (spentUsd: number, generated: number) =>
      html`<td class="number">${formatUsd(spentUsd)}<span class="generated muted">${plural(generated, 'generated', 'generated')}</span></td>`;
    // Newest month first: the one people look for.
    const rows = months.map((month, i) => ({ month, i })).reverse();
    return html`<div class="scroll-region" tabindex="0" role="region" aria-label="Spend per month, table">
      <table>
        <caption class="visually-hidden">
          Spend per month (deleted images included) and images generated
        </caption>
        <thead>
          <tr>
            <th scope="col">Month</th>
            ${users.map((u) => html`<th scope="col" class="number who">${several ? u.email : 'Spent'}</th>`)}
            ${several ? html`<th scope="col" class="number">All users</th>` : nothing}
          </tr>
        </thead>
        <tbody>
          ${rows.map(({ month, i }) => {
            const spent = users.reduce((sum, u) => sum + (u.months[i]?.spentUsd ?? 0), 0);
            const generated = users.reduce((sum, u) => sum + (u.months[i]?.generatedCount ?? 0), 0);
            return html`<tr>
              <th scope="row"><time datetime=${month}>${formatMonth(month)}</time></th>
              ${users.map((u) => cell(u.months[i]?.spentUsd ?? 0, u.months[i]?.generatedCount ?? 0))} ${several ? cell(spent, generated) : nothing}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  }
}

function seriesRules() {
  return css`
    .series-1 {
      background: var(--series-1);
    }
    .series-2 {
      background: var(--series-2);
    }
    .series-3 {
      background: var(--series-3);
    }
    .series-4 {
      background: var(--series-4);
    }
    .series-5 {
      background: var(--series-5);
    }
    .series-6 {
      background: var(--series-6);
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'month-chart': MonthChart;
  }
}
