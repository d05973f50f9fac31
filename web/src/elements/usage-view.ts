/**
 * <usage-view>: the admin report. Per user: images kept, cumulative spend, the models of the
 * kept images, the last 30 days (generated and spent, deleted images included) and the last
 * generation; then generations and spend per day over the last 14 days. Wide tables scroll
 * inside a keyboard-focusable region on a phone.
 */
import { Task, initialState } from '@lit/task';
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { fetchUsage } from '../api/dashboard-api.js';
import type { Usage, UserUsage } from '../api/types.js';
import { formatDateTime, formatUsd } from '../format.js';
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
      .note {
        font-size: 0.9rem;
        margin-top: 0.5rem;
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
      <div class="scroll-region" tabindex="0" role="region" aria-label="Usage per user, table">
        <table aria-label="Usage per user">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" class="number">Images (kept)</th>
              <th scope="col" class="number">Spent (cumulative)</th>
              <th scope="col">Kept, by model</th>
              <th scope="col" class="number">Last 30 days: generated</th>
              <th scope="col" class="number">Last 30 days: spent</th>
              <th scope="col">Last generation</th>
            </tr>
          </thead>
          <tbody>
            ${users.map(
              (u) => html`<tr>
                <th scope="row" class="who"><a href="#/gallery/${encodeURIComponent(u.email)}">${u.email}</a></th>
                <td class="number">${u.imageCount}</td>
                <td class="number">${formatUsd(u.costUsd)}</td>
                <td>
                  ${Object.entries(u.byModel)
                    .map(([alias, m]) => `${alias} ${m.imageCount}`)
                    .join(', ') || '—'}
                </td>
                <td class="number">${u.last30Days.generatedCount}</td>
                <td class="number">${formatUsd(u.last30Days.spentUsd)}</td>
                <td>${u.lastGenerationAt ? formatDateTime(u.lastGenerationAt) : '—'}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="note muted">
        Images (kept): the images that exist now. Spent (cumulative) and the last 30 days include deleted images — deleting is not a refund.
      </p>
    </section>`;
  }

  private renderDaily(usage: Usage) {
    const most = Math.max(1, ...usage.daily.map((d) => d.generatedCount));
    return html`<section>
      <h2>Daily activity, last 14 days</h2>
      <div class="scroll-region" tabindex="0" role="region" aria-label="Daily activity, table">
        <table aria-label="Daily activity">
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Generated</th>
              <th scope="col" class="number">Spent</th>
            </tr>
          </thead>
          <tbody>
            ${usage.daily.map(
              (d) => html`<tr>
                <td><time datetime=${d.day}>${d.day}</time></td>
                <td class="bar-cell"><span class="bar" style="width: ${(d.generatedCount / most) * 80}%"></span>${d.generatedCount}</td>
                <td class="number">${formatUsd(d.spentUsd)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="note muted">Generations finished each day and what they cost, deleted images included.</p>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'usage-view': UsageView;
  }
}
