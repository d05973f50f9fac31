/**
 * <image-gallery>: one user's generations, newest first, a page at a time: the next page
 * loads when the end of the list scrolls into view (or on "Load more"). Admins pick whose
 * gallery to see. Delete asks for confirmation in a dialog.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { deleteGeneration, fetchCosts, fetchGenerations } from '../api/dashboard-api.js';
import type { Generation, Me } from '../api/types.js';
import { plural, shorten } from '../format.js';
import './connect-claude.js';
import './image-card.js';
import { errorMessage } from './task-states.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';

@customElement('image-gallery')
export class ImageGallery extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
        margin-bottom: 0.75rem;
      }
      header h2 {
        margin: 0;
        overflow-wrap: anywhere;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0 0 1rem;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr));
        gap: 0.75rem;
      }
      .more {
        display: flex;
        justify-content: center;
        min-height: 3rem;
      }
      dialog {
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        color: var(--text);
        max-width: min(28rem, 92vw);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.4);
      }
      dialog .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property({ attribute: false }) me?: Me;
  /** Whose images to show. */
  @property() user = '';

  @state() private generations: Generation[] = [];
  @state() private nextCursor: string | undefined;
  @state() private loading = false;
  @state() private error = '';
  @state() private loadedOnce = false;
  @state() private users: string[] = [];
  @state() private pendingDelete: Generation | undefined;
  @state() private deleteError = '';
  @state() private deleting = false;
  @state() private notice = '';

  @query('dialog') private dialog?: HTMLDialogElement;
  @query('.more') private sentinel?: HTMLElement;
  private observer?: IntersectionObserver;
  /** Bumped whenever the list restarts, so a late answer for an earlier user is dropped. */
  private generation = 0;

  override connectedCallback() {
    super.connectedCallback();
    if (this.me?.isAdmin && this.session) {
      fetchCosts(this.session).then(
        (costs) => (this.users = costs.users.map((u) => u.email)),
        () => (this.users = []), // The switcher is a convenience; the cost table reports errors.
      );
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.observer?.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('user') || changed.has('session')) {
      this.generation += 1;
      this.generations = [];
      this.nextCursor = undefined;
      this.loadedOnce = false;
      this.error = '';
      this.notice = '';
      this.loading = false;
      void this.loadMore();
    }
  }

  protected override firstUpdated() {
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && this.nextCursor && !this.loading && !this.error) void this.loadMore();
    }, { rootMargin: '400px' });
    if (this.sentinel) this.observer.observe(this.sentinel);
  }

  private async loadMore() {
    if (!this.session || !this.user || this.loading) return;
    const run = this.generation;
    this.loading = true;
    this.error = '';
    try {
      const page = await fetchGenerations(this.session, this.user, this.nextCursor);
      if (run !== this.generation) return;
      this.generations = [...this.generations, ...page.generations];
      this.nextCursor = page.nextCursor;
      this.loadedOnce = true;
    } catch (error) {
      if (run === this.generation) this.error = errorMessage(error);
    } finally {
      if (run === this.generation) this.loading = false;
    }
    // Observing afresh reports at once whether the end of the list is still in view, so a
    // short page on a tall screen loads the next without waiting for a scroll.
    await this.updateComplete;
    if (this.sentinel && this.observer) {
      this.observer.unobserve(this.sentinel);
      this.observer.observe(this.sentinel);
    }
  }

  override render() {
    const own = this.user === this.me?.email;
    return html`<header>
        <h2>${own ? 'My images' : `Images of ${this.user}`}</h2>
        ${this.me?.isAdmin ? this.renderUserSwitcher() : nothing}
      </header>
      ${this.notice ? html`<status-message message=${this.notice}></status-message>` : nothing}
      ${this.loadedOnce && this.generations.length === 0 && !this.nextCursor ? this.renderEmpty(own) : nothing}
      <ul aria-label="Images">
        ${this.generations.map(
          (g) => html`<li>
            <image-card .generation=${g} .baseUrl=${this.session?.baseUrl ?? ''} ?canDelete=${this.canDelete(g)} @delete-request=${this.askDelete}></image-card>
          </li>`,
        )}
      </ul>
      <div class="more">
        ${this.loading ? html`<status-message tone="loading" message="Loading images…"></status-message>` : nothing}
        ${this.error ? html`<status-message tone="error" retryable message=${this.error} @retry=${() => void this.loadMore()}></status-message>` : nothing}
        ${!this.loading && !this.error && this.nextCursor ? html`<button @click=${() => void this.loadMore()}>Load more</button>` : nothing}
      </div>
      ${this.renderDeleteDialog()}`;
  }

  private renderUserSwitcher() {
    const users = this.users.includes(this.user) ? this.users : [this.user, ...this.users];
    return html`<label
      >Show images of
      <select @change=${(e: Event) => (location.hash = `#/gallery/${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
        ${users.map((email) => html`<option value=${email} ?selected=${email === this.user}>${email}</option>`)}
      </select></label
    >`;
  }

  private renderEmpty(own: boolean) {
    if (!own) return html`<status-message message="${this.user} has no images."></status-message>`;
    return html`<status-message message="No images yet — here is how to connect Claude:">
      <connect-claude mcpUrl=${this.me?.mcpUrl ?? ''}></connect-claude>
    </status-message>`;
  }

  private renderDeleteDialog() {
    const g = this.pendingDelete;
    return html`<dialog aria-labelledby="delete-title" @close=${() => (this.pendingDelete = undefined)}>
      <h2 id="delete-title">Delete this image?</h2>
      <p>${g ? `“${shorten(g.prompt, 120)}”` : ''}</p>
      <p class="muted">The image, its thumbnail and its record go for good; links to it stop working. The spend stays: deleting is not a refund.</p>
      ${this.deleteError ? html`<p role="alert">${this.deleteError}</p>` : nothing}
      <div class="buttons">
        <button @click=${() => this.dialog?.close()}>Cancel</button>
        <button class="danger" ?disabled=${this.deleting} @click=${() => void this.confirmDelete()}>Delete image</button>
      </div>
    </dialog>`;
  }

  private canDelete(g: Generation): boolean {
    return Boolean(this.me && (this.me.isAdmin || g.email === this.me.email));
  }

  private askDelete = (event: CustomEvent<Generation>) => {
    this.pendingDelete = event.detail;
    this.deleteError = '';
    this.dialog?.showModal();
  };

  private async confirmDelete() {
    const g = this.pendingDelete;
    if (!g || !this.session) return;
    this.deleting = true;
    try {
      await deleteGeneration(this.session, g.name);
      this.generations = this.generations.filter((x) => x.name !== g.name);
      this.notice = `Deleted one image. ${plural(this.generations.length, 'image')} shown.`;
      this.dialog?.close();
    } catch (error) {
      this.deleteError = errorMessage(error);
    } finally {
      this.deleting = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'image-gallery': ImageGallery;
  }
}
