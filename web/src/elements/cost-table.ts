/**
 * <cost-table>: images and estimated cost per user, with a total row. The server decides
 * the rows: admins get everyone, other users themselves. Spend is cumulative: deleting an
 * image does not lower it.
 */
import { Task, initialState } from '@lit/task';
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { fetchCosts } from '../api/dashboard-api.js';
import type { Costs } from '../api/types.js';
import { formatUsd } from '../format.js';
import { renderTask } from './task-states.js';
import { sharedStyles } from './shared-styles.js';

@customElement('cost-table')
export class CostTable extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      caption {
        text-align: left;
        padding-bottom: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  private costs = new Task(this, { task: ([session]) => (session ? fetchCosts(session) : initialState), args: () => [this.session] as const });

  override render() {
    return html`<h2>Cost per user</h2>
      ${renderTask(this.costs, 'Loading costs…', (costs) => this.renderTable(costs))}`;
  }

  private renderTable(costs: Costs) {
    return html`<div class="table-wrap">
      <table>
        <caption class="muted">
          Estimated at list prices. Deleting an image does not lower the spend.
        </caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col" class="number">Images</th>
            <th scope="col" class="number">Estimated cost</th>
          </tr>
        </thead>
        <tbody>
          ${costs.users.map(
            (row) => html`<tr>
              <th scope="row"><a href="#/gallery/${encodeURIComponent(row.email)}" title="Open ${row.email}’s images">${row.email}</a></th>
              <td class="number">${row.imageCount}</td>
              <td class="number">${formatUsd(row.costUsd)}</td>
            </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <td>Total</td>
            <td class="number">${costs.total.imageCount}</td>
            <td class="number">${formatUsd(costs.total.costUsd)}</td>
          </tr>
        </tfoot>
      </table>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cost-table': CostTable;
  }
}
