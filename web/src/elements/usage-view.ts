/**
 * <usage-view>: the admin report — per user: images, cumulative cost, models used, the last
 * 30 days and the last generation; and images per day over the last 14 days.
 */
import { Task, initialState } from '@lit/task';
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { fetchUsage } from '../api/dashboard-api.js';
import type { Usage, UserUsage } from '../api/types.js';
import { formatDateTime, formatUsd, plural } from '../format.js';
import { renderTask } from './task-states.js';
import { sharedStyles } from './shared-styles.js';

@customElement('usage-view')
export class UsageView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      section + section {
        margin-top: 1.5rem;
      }
      .bar {
        display: inline-block;
        height: 0.8rem;
        background: var(--accent);
        border-radius: 2px;
        vertical-align: middle;
        margin-right: 0.4rem;
      }
      td.bar-cell {
        width: 60%;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  private usage = new Task(this, { task: ([session]) => (session ? fetchUsage(session) : initialState), args: () => [this.session] as const });

  override render() {
    return renderTask(this.usage, 'Loading usage…', (usage) => html`${this.renderUsers(usage.users)}${this.renderDaily(usage)}`);
  }

  private renderUsers(users: readonly UserUsage[]) {
    return html`<section>
      <h2>Usage per user</h2>
      <div class="table-wrap">
        <table aria-label="Usage per user">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" class="number">Images</th>
              <th scope="col" class="number">Cost</th>
              <th scope="col">Models</th>
              <th scope="col" class="number">Last 30 days</th>
              <th scope="col">Last generation</th>
            </tr>
          </thead>
          <tbody>
            ${users.map(
              (u) => html`<tr>
                <th scope="row">${u.email}</th>
                <td class="number">${u.imageCount}</td>
                <td class="number">${formatUsd(u.costUsd)}</td>
                <td>
                  ${Object.entries(u.byModel)
                    .map(([alias, m]) => `${alias} ${m.imageCount}`)
                    .join(', ') || '—'}
                </td>
                <td class="number">${plural(u.last30Days.imageCount, 'image')}, ${formatUsd(u.last30Days.costUsd)}</td>
                <td>${u.lastGenerationAt ? formatDateTime(u.lastGenerationAt) : '—'}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }

  private renderDaily(usage: Usage) {
    const most = Math.max(1, ...usage.daily.map((d) => d.imageCount));
    return html`<section>
      <h2>Daily activity, last 14 days</h2>
      <div class="table-wrap">
        <table aria-label="Daily activity">
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Images</th>
              <th scope="col" class="number">Cost</th>
            </tr>
          </thead>
          <tbody>
            ${usage.daily.map(
              (d) => html`<tr>
                <td><time datetime=${d.day}>${d.day}</time></td>
                <td class="bar-cell"><span class="bar" style="width: ${(d.imageCount / most) * 80}%"></span>${d.imageCount}</td>
                <td class="number">${formatUsd(d.costUsd)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'usage-view': UsageView;
  }
}
