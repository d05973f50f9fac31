/**
 * <upload-card>: one uploaded photo on the Photos page: its thumbnail, its title (what
 * `reference_images` takes) with Copy, when it came, its pixels and original type, and Delete
 * with a confirm step in place. The thumbnail needs the caller's token, so it is fetched as a
 * Blob and shown through an object URL, revoked when the card leaves the page.
 *
 * Fires `upload-deleted` (detail: the title) once the photo is gone from the server.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ApiError, type Session } from '../api/client.js';
import { deleteUpload, fetchUploadThumbnail } from '../api/dashboard-api.js';
import type { Upload } from '../api/types.js';
import { formatDateTime } from '../format.js';
import { photoTypeLabel } from '../upload-queue.js';
import { sharedStyles } from './shared-styles.js';
import { errorMessage } from './task-states.js';
import { showToast } from './toast-notice.js';

@customElement('upload-card')
export class UploadCard extends LitElement {
  // Focusing the card (after a neighbour was deleted) focuses its first button.
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override styles = [
    sharedStyles,
    css`
      article {
        display: grid;
        grid-template-rows: auto 1fr;
        height: 100%;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        overflow: hidden;
      }
      .thumb {
        aspect-ratio: 4 / 3;
        background: var(--thumb-bg);
        display: flex;
        align-items: center;
        justify-content: center;
        color: var(--muted);
        font-size: 0.85rem;
      }
      img {
        display: block;
        width: 100%;
        height: 100%;
        object-fit: contain;
      }
      .body {
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        padding: 0.6rem 0.75rem 0.75rem;
        min-width: 0;
      }
      .body p {
        margin: 0;
        font-size: 0.9rem;
      }
      code {
        font-size: 0.85rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem;
        margin-top: auto;
      }
      .confirm strong {
        flex-basis: 100%;
        font-size: 0.9rem;
      }
      .error {
        color: var(--danger);
        overflow-wrap: anywhere;
      }
      /* A phone: the thumbnail beside the text, so a card is not a screen tall. */
      @media (max-width: 30rem) {
        article {
          grid-template-rows: none;
          grid-template-columns: 6.5rem minmax(0, 1fr);
        }
        .thumb {
          aspect-ratio: auto;
          min-height: 6.5rem;
        }
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property({ attribute: false }) upload?: Upload;
  /** An object URL of the thumbnail, while the card is on the page. */
  @state() private thumbnail: string | undefined;
  @state() private thumbnailFailed = false;
  @state() private confirming = false;
  @state() private deleting = false;
  @state() private deleteError = '';
  /** Bumped by every thumbnail load, so a late answer for an earlier photo is dropped. */
  private loadRun = 0;

  override connectedCallback() {
    super.connectedCallback();
    // Moved in the list (or put back): the URL was revoked when it left.
    if (this.hasUpdated && !this.thumbnail) void this.loadThumbnail();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.dropThumbnail();
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('upload') || changed.has('session')) void this.loadThumbnail();
  }

  private async loadThumbnail() {
    this.dropThumbnail();
    this.thumbnailFailed = false;
    const { session, upload } = this;
    if (!session || !upload) return;
    const run = this.loadRun;
    try {
      const blob = await fetchUploadThumbnail(session, upload);
      if (run === this.loadRun && this.isConnected) this.thumbnail = URL.createObjectURL(blob);
    } catch {
      if (run === this.loadRun) this.thumbnailFailed = true;
    }
  }

  private dropThumbnail() {
    this.loadRun += 1;
    if (this.thumbnail) URL.revokeObjectURL(this.thumbnail);
    this.thumbnail = undefined;
  }

  override render() {
    const u = this.upload;
    if (!u) return nothing;
    return html`<article aria-label="Photo ${u.title}">
      <div class="thumb">
        ${this.thumbnail
          ? html`<img src=${this.thumbnail} alt="" @error=${() => (this.thumbnailFailed = true)} />`
          : html`<span>${this.thumbnailFailed ? 'No preview' : 'Loading…'}</span>`}
      </div>
      <div class="body">
        <p><code>${u.title}</code></p>
        <p class="muted">
          <time datetime=${u.createdAt}>${formatDateTime(u.createdAt)}</time><br />
          ${u.width} × ${u.height} px · from ${photoTypeLabel(u.originalType)}
        </p>
        ${this.deleteError ? html`<p class="error" role="alert">${this.deleteError}</p>` : nothing}
        ${this.confirming ? this.renderConfirm(u) : this.renderActions(u)}
      </div>
    </article>`;
  }

  private renderActions(u: Upload) {
    return html`<div class="actions">
      <button aria-label="Copy title ${u.title}" @click=${() => void this.copy(u.title)}>Copy title</button>
      <button class="danger delete" aria-label="Delete ${u.title}" @click=${this.askDelete}>Delete</button>
    </div>`;
  }

  private renderConfirm(u: Upload) {
    return html`<div class="actions confirm" role="group" aria-label="Delete ${u.title}?">
      <strong>Delete this photo? Claude can no longer use it.</strong>
      <button class="danger" aria-label="Yes, delete ${u.title}" ?disabled=${this.deleting} @click=${() => void this.confirmDelete(u)}>Yes, delete</button>
      <button class="keep" aria-label="No, keep ${u.title}" ?disabled=${this.deleting} @click=${this.keep}>No, keep it</button>
    </div>`;
  }

  private async copy(title: string) {
    try {
      await navigator.clipboard.writeText(title);
      showToast(this, `Copied ${title}`);
    } catch {
      showToast(this, `Copying was not allowed by the browser; select the title and copy it by hand: ${title}`, 'error');
    }
  }

  private askDelete = async () => {
    this.deleteError = '';
    this.confirming = true;
    await this.updateComplete;
    // The safe answer first: Enter twice does not delete.
    this.renderRoot.querySelector<HTMLButtonElement>('button.keep')?.focus();
  };

  private keep = async () => {
    this.confirming = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('button.delete')?.focus();
  };

  private async confirmDelete(u: Upload) {
    if (!this.session) return;
    this.deleting = true;
    this.deleteError = '';
    try {
      await deleteUpload(this.session, u.title);
      this.dispatchEvent(new CustomEvent<string>('upload-deleted', { detail: u.title }));
    } catch (error) {
      // Not found: deleted already (another tab), so it is gone all the same.
      if (error instanceof ApiError && error.httpStatus === 404) this.dispatchEvent(new CustomEvent<string>('upload-deleted', { detail: u.title }));
      else this.deleteError = errorMessage(error);
    } finally {
      this.deleting = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'upload-card': UploadCard;
  }
}
