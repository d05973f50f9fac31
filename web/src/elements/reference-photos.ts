/**
 * <reference-photos>: the Photos page. The caller's own uploaded photos, to use as references
 * in generations (`reference_images` takes their titles): uploading (a file picker or a drop,
 * several files one after another, each with its progress and, if refused, the server's
 * reason), and the list, newest first, as cards (upload-card.ts) to copy a title or delete.
 *
 * Uploads are not generations: they cost nothing and appear in no gallery, total or count.
 * They are private: the API lists only the caller's own, admins' included.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Session } from '../api/client.js';
import { fetchUploads, uploadPhoto } from '../api/dashboard-api.js';
import type { Upload } from '../api/types.js';
import { formatBytes, enqueue, PHOTO_ACCEPT, refusalBeforeSending, unfinished, updateEntry, type QueuedFile } from '../upload-queue.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';
import { errorMessage } from './task-states.js';
import { showToast } from './toast-notice.js';
import './upload-card.js';

type PhotoList =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'loaded'; readonly uploads: readonly Upload[]; readonly maxUploads: number; readonly maxBytes: number };

@customElement('reference-photos')
export class ReferencePhotos extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.25rem 1rem;
        margin-bottom: 0.5rem;
      }
      header h2 {
        margin: 0;
      }
      .intro {
        max-width: 48rem;
      }
      .upload {
        position: relative;
        margin: 0 0 1.5rem;
        padding: 1rem;
        border: 2px dashed var(--border);
        border-radius: 8px;
        background: var(--surface);
      }
      .upload.dragging {
        border-color: var(--accent);
        background: var(--page);
      }
      .picker {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.75rem;
      }
      label.primary {
        background: var(--accent);
        border-color: var(--accent);
        color: var(--on-accent);
        font-weight: 600;
      }
      input:focus-visible + label {
        outline: 3px solid var(--focus);
        outline-offset: 2px;
      }
      input:disabled + label {
        opacity: 0.6;
        cursor: default;
      }
      .full {
        margin: 0.75rem 0 0;
        font-weight: 600;
      }
      .queue {
        list-style: none;
        margin: 0.75rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      .queue li {
        display: grid;
        gap: 0.25rem;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .queue progress {
        width: 100%;
        max-width: 24rem;
        accent-color: var(--accent);
      }
      /* Not by colour alone: a refusal has a thick edge and says "Not uploaded". */
      .refused {
        padding: 0.4rem 0.6rem;
        border-left: 6px solid var(--danger);
        background: var(--danger-surface);
        border-radius: 4px;
      }
      .refused p {
        margin: 0;
      }
      .cards {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr));
        gap: 0.75rem;
      }
    `,
  ];

  /** Photos are always the caller's own (the session's user), admins' included. */
  @property({ attribute: false }) session?: Session;

  @state() private list: PhotoList = { kind: 'loading' };
  @state() private queue: readonly QueuedFile[] = [];
  @state() private dragging = false;
  @query('#photo-input') private input?: HTMLInputElement;
  /** Files still to send, in the order chosen; one goes at a time. */
  private waiting: { readonly id: number; readonly file: File }[] = [];
  private sending = false;
  private nextId = 1;
  /** Bumped by each load, so a late answer of an earlier one is dropped. */
  private run = 0;

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('session')) void this.load();
  }

  private async load() {
    if (!this.session) return;
    const run = ++this.run;
    this.list = { kind: 'loading' };
    try {
      const { uploads, maxUploads, maxBytes } = await fetchUploads(this.session);
      if (run === this.run) this.list = { kind: 'loaded', uploads, maxUploads, maxBytes };
    } catch (error) {
      if (run === this.run) this.list = { kind: 'error', message: errorMessage(error) };
    }
  }

  // Uploading.

  private addFiles(files: readonly File[]) {
    if (files.length === 0 || this.list.kind !== 'loaded') return;
    const entries = enqueue(files, this.nextId);
    this.nextId += files.length;
    this.queue = [...unfinished(this.queue), ...entries];
    this.waiting.push(...entries.map((entry, i) => ({ id: entry.id, file: files[i]! })));
    if (!this.sending) void this.sendWaiting();
  }

  private async sendWaiting() {
    this.sending = true;
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) await this.send(next.id, next.file);
    this.sending = false;
  }

  private async send(id: number, file: File) {
    const list = this.list;
    if (!this.session || list.kind !== 'loaded') {
      this.queue = updateEntry(this.queue, id, { status: 'refused', message: 'Your photos did not load, so nothing was sent: reload the page and try again.' });
      return;
    }
    const refusal = refusalBeforeSending(file, { maxBytes: list.maxBytes, maxUploads: list.maxUploads, kept: list.uploads.length });
    if (refusal) {
      this.queue = updateEntry(this.queue, id, { status: 'refused', message: refusal });
      return;
    }
    this.queue = updateEntry(this.queue, id, { status: 'uploading', fraction: 0 });
    try {
      const upload = await uploadPhoto(this.session, file, (fraction) => (this.queue = updateEntry(this.queue, id, { fraction })));
      this.queue = updateEntry(this.queue, id, { status: 'done', fraction: 1, title: upload.title });
      const now = this.list;
      if (now.kind === 'loaded') this.list = { ...now, uploads: [upload, ...now.uploads.filter((u) => u.title !== upload.title)] };
      showToast(this, `Uploaded ${file.name} as ${upload.title}`);
    } catch (error) {
      this.queue = updateEntry(this.queue, id, { status: 'refused', message: errorMessage(error) });
    }
  }

  private onChosen = (event: Event) => {
    const input = event.target as HTMLInputElement;
    this.addFiles([...(input.files ?? [])]);
    // The same file may be chosen again (after deleting it, say).
    input.value = '';
  };

  private onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    const full = this.isFull();
    event.dataTransfer.dropEffect = full ? 'none' : 'copy';
    this.dragging = !full;
  };

  private onDragLeave = (event: DragEvent) => {
    const to = event.relatedTarget as Node | null;
    if (!to || !(event.currentTarget as Node).contains(to)) this.dragging = false;
  };

  private onDrop = (event: DragEvent) => {
    event.preventDefault();
    this.dragging = false;
    if (!this.isFull()) this.addFiles([...(event.dataTransfer?.files ?? [])]);
  };

  private isFull(): boolean {
    return this.list.kind === 'loaded' && this.list.uploads.length >= this.list.maxUploads;
  }

  private onDeleted = async (event: CustomEvent<string>) => {
    const list = this.list;
    if (list.kind !== 'loaded') return;
    const title = event.detail;
    const index = list.uploads.findIndex((u) => u.title === title);
    this.list = { ...list, uploads: list.uploads.filter((u) => u.title !== title) };
    showToast(this, `Deleted ${title}`);
    // Focus moves to the card that took its place (or the one before), else to the picker.
    await this.updateComplete;
    const cards = this.renderRoot.querySelectorAll<HTMLElement>('upload-card');
    (cards[Math.min(index, cards.length - 1)] ?? this.input)?.focus();
  };

  // Rendering.

  override render() {
    const list = this.list;
    return html`<header>
        <h2>My photos</h2>
        ${list.kind === 'loaded' ? html`<p class="muted count">${list.uploads.length} of ${list.maxUploads} photos</p>` : nothing}
      </header>
      <p class="intro">
        Photos you upload here can be used as references (“put my dog in this scene”): give Claude the photo’s title. They cost nothing, only you can use or see them, and
        location and other metadata are removed.
      </p>
      ${list.kind === 'loading' ? html`<status-message tone="loading" message="Loading your photos…"></status-message>` : nothing}
      ${list.kind === 'error' ? html`<status-message tone="error" retryable message=${list.message} @retry=${() => void this.load()}></status-message>` : nothing}
      ${list.kind === 'loaded' ? [this.renderUpload(list.maxBytes, list.maxUploads), this.renderList(list.uploads)] : nothing}`;
  }

  private renderUpload(maxBytes: number, maxUploads: number) {
    const full = this.isFull();
    return html`<section
      class="upload ${this.dragging ? 'dragging' : ''}"
      aria-labelledby="upload-heading"
      @dragenter=${this.onDragOver}
      @dragover=${this.onDragOver}
      @dragleave=${this.onDragLeave}
      @drop=${this.onDrop}
    >
      <h3 id="upload-heading">Upload photos</h3>
      <div class="picker">
        <input id="photo-input" class="visually-hidden" type="file" multiple accept=${PHOTO_ACCEPT} ?disabled=${full} @change=${this.onChosen} />
        <label for="photo-input" class="button primary">Choose photos…</label>
        <span class="muted">or drop them here. PNG, JPEG, WebP or HEIC, up to ${formatBytes(maxBytes)} each.</span>
      </div>
      ${full ? html`<p class="full">You keep ${maxUploads} of ${maxUploads} photos, the most you may keep: delete some to upload more.</p>` : nothing}
      ${this.queue.length ? html`<ul class="queue" aria-label="Files chosen">${this.queue.map((entry) => this.renderEntry(entry))}</ul>` : nothing}
    </section>`;
  }

  private renderEntry(entry: QueuedFile) {
    switch (entry.status) {
      case 'waiting':
        return html`<li><span><strong>${entry.name}</strong> <span class="muted">waiting…</span></span></li>`;
      case 'uploading':
        return html`<li>
          <span><strong>${entry.name}</strong> <span class="muted">${entry.fraction < 1 ? `uploading… ${Math.round(entry.fraction * 100)}%` : 'sent; being stored…'}</span></span>
          <progress max="1" .value=${entry.fraction} aria-label="Uploading ${entry.name}"></progress>
        </li>`;
      case 'done':
        return html`<li><span><strong>${entry.name}</strong> uploaded as <code>${entry.title}</code></span></li>`;
      case 'refused':
        return html`<li class="refused">
          <p><strong>${entry.name}</strong>: not uploaded.</p>
          <p role="alert">${entry.message}</p>
        </li>`;
    }
  }

  private renderList(uploads: readonly Upload[]) {
    if (uploads.length === 0) return html`<status-message message="No photos yet. Upload one above, then give Claude its title to use it in a scene."></status-message>`;
    return html`<ul class="cards" aria-label="My photos, newest first">
      ${repeat(
        uploads,
        (u) => u.title,
        (u) => html`<li><upload-card .session=${this.session} .upload=${u} @upload-deleted=${this.onDeleted}></upload-card></li>`,
      )}
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'reference-photos': ReferencePhotos;
  }
}
