/**
 * <image-viewer>: one image over the page, in a modal <dialog>: the image fit to the screen
 * (its thumbnail until the full image arrives), the whole prompt with its line breaks, every
 * detail the record holds, and the actions (download, copy title / share link / prompt, the
 * share page, delete).
 *
 * The gallery owns where the viewer is (the URL): the viewer only asks, by events —
 * `viewer-close`, `viewer-step` (detail -1 or 1: previous / next, from buttons, arrow keys
 * or a swipe), `viewer-open` (detail: a reference's title), `viewer-retry` (the image did
 * not load), `image-deleted` (detail: the title, once the server deleted it).
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import type { Session } from '../api/client.js';
import { deleteGeneration } from '../api/dashboard-api.js';
import type { Generation, TokenUsage } from '../api/types.js';
import { formatDateTime, formatImageCost, shorten } from '../format.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';
import { errorMessage } from './task-states.js';

/** How far a finger must travel sideways (px) before a swipe turns the page. */
const SWIPE_DISTANCE = 50;

@customElement('image-viewer')
export class ImageViewer extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      dialog.viewer {
        width: 100vw;
        height: 100dvh;
        max-width: none;
        max-height: none;
        margin: 0;
        padding: 0;
        border: none;
        background: var(--page);
        color: var(--text);
        overflow: hidden;
      }
      dialog.viewer::backdrop {
        background: rgb(0 0 0 / 0.6);
      }
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(18rem, 24rem);
        height: 100%;
      }
      .stage {
        position: relative;
        background: #111;
        touch-action: pan-y pinch-zoom;
        user-select: none;
        min-height: 0;
      }
      .stage img {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        object-fit: contain;
      }
      .stage img.full {
        opacity: 0;
      }
      .stage img.full.loaded {
        opacity: 1;
      }
      .stage .nav {
        position: absolute;
        top: 50%;
        transform: translateY(-50%);
        min-width: 2.75rem;
        min-height: 2.75rem;
        justify-content: center;
        font-size: 1.4rem;
        background: rgb(255 255 255 / 0.85);
        color: #111;
        border: none;
      }
      .stage .nav.previous {
        left: 0.5rem;
      }
      .stage .nav.next {
        right: 0.5rem;
      }
      .stage .position {
        position: absolute;
        bottom: 0.5rem;
        left: 50%;
        transform: translateX(-50%);
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: rgb(0 0 0 / 0.65);
        color: #fff;
        font-size: 0.85rem;
      }
      .info {
        overflow-y: auto;
        padding: 0.75rem 1rem 1.5rem;
        background: var(--surface);
        border-left: 1px solid var(--border);
        overflow-wrap: anywhere;
      }
      .info header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      .info h2 {
        margin: 0;
      }
      .prompt {
        white-space: pre-wrap;
        margin-bottom: 1rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin-bottom: 1rem;
      }
      .actions > * {
        font-size: 0.9rem;
        padding: 0.3rem 0.6rem;
      }
      dl {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr);
        gap: 0.3rem 0.75rem;
        margin: 0;
        font-size: 0.92rem;
      }
      dt {
        color: var(--muted);
      }
      dd {
        margin: 0;
      }
      .references {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.4rem;
      }
      .references a {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      .references img {
        width: 3rem;
        height: 3rem;
        object-fit: cover;
        border-radius: 4px;
        background: var(--thumb-bg);
      }
      .centered {
        display: flex;
        align-items: center;
        justify-content: center;
        height: 100%;
        padding: 1rem;
      }
      dialog.confirm {
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        color: var(--text);
        max-width: min(28rem, 92vw);
      }
      dialog.confirm::backdrop {
        background: rgb(0 0 0 / 0.4);
      }
      dialog.confirm .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 0.5rem;
      }
      @media (max-width: 760px) {
        .layout {
          display: block;
          height: 100%;
          overflow-y: auto;
        }
        .stage {
          height: 62dvh;
        }
        .info {
          border-left: none;
          overflow-y: visible;
        }
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  /** Shown while true; the gallery opens and closes it as the URL says. */
  @property({ type: Boolean }) open = false;
  /** The image, once known (a deep link waits for the server). */
  @property({ attribute: false }) generation?: Generation;
  /** Why the image could not be loaded (offers Retry). */
  @property() error = '';
  @property({ type: Boolean }) hasPrevious = false;
  @property({ type: Boolean }) hasNext = false;
  /** "3 of 40", when the image is one of the gallery's. */
  @property() position = '';
  @property({ type: Boolean }) canDelete = false;
  /** Name the owner (an admin looking at someone else's image). */
  @property({ type: Boolean }) showOwner = false;
  /** The address of an image in the viewer, for reference links. */
  @property({ attribute: false }) linkFor: (name: string) => string = (name) => `#/gallery?image=${encodeURIComponent(name)}`;

  @state() private fullLoaded = false;
  @state() private deleting = false;
  @state() private deleteError = '';

  @query('dialog.viewer') private dialog?: HTMLDialogElement;
  @query('dialog.confirm') private confirm?: HTMLDialogElement;
  private swipe?: { id: number; x: number; y: number };

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('generation') && changed.get('generation')?.name !== this.generation?.name) this.fullLoaded = false;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (!changed.has('open') || !this.dialog) return;
    if (this.open && !this.dialog.open) this.dialog.showModal();
    if (!this.open && this.dialog.open) {
      this.confirm?.close();
      this.dialog.close();
    }
  }

  override render() {
    return html`<dialog class="viewer" aria-label=${this.generation ? `Image: ${shorten(this.generation.prompt.replace(/\s+/g, ' '), 80)}` : 'Image'} @cancel=${this.onCancel} @keydown=${this.onKeyDown}>
      ${this.open ? this.renderContent() : nothing}
    </dialog>`;
  }

  private renderContent() {
    const g = this.generation;
    if (!g) {
      return html`<div class="centered">
        <div>
          ${this.error
            ? html`<status-message tone="error" retryable message=${this.error} @retry=${() => this.ask('viewer-retry')}></status-message>`
            : html`<status-message tone="loading" message="Loading the image…"></status-message>`}
          <p><button @click=${() => this.ask('viewer-close')}>Close</button></p>
        </div>
      </div>`;
    }
    return html`<div class="layout">
        <div class="stage" @pointerdown=${this.onPointerDown} @pointerup=${this.onPointerUp} @pointercancel=${() => (this.swipe = undefined)}>
          ${keyed(
            g.name,
            html`<img class="placeholder" src=${g.thumbnailUrl} alt="" draggable="false" />
              <img
                class="full ${this.fullLoaded ? 'loaded' : ''}"
                src=${g.imageUrl}
                alt=${shorten(g.prompt.replace(/\s+/g, ' '), 120)}
                draggable="false"
                @load=${() => (this.fullLoaded = true)}
              />`,
          )}
          ${this.hasPrevious ? html`<button class="nav previous" aria-label="Previous image" @click=${() => this.step(-1)}>‹</button>` : nothing}
          ${this.hasNext ? html`<button class="nav next" aria-label="Next image" @click=${() => this.step(1)}>›</button>` : nothing}
          ${this.position ? html`<span class="position">${this.position}</span>` : nothing}
        </div>
        <section class="info" aria-labelledby="viewer-title">
          <header>
            <h2 id="viewer-title">Image details</h2>
            <button autofocus @click=${() => this.ask('viewer-close')}>Close</button>
          </header>
          <p class="prompt">${g.prompt}</p>
          <div class="actions">
            <a class="button" href=${g.downloadUrl} download=${g.name}>Download</a>
            <button @click=${() => void this.copy(g.name, 'Title copied: use it in reference_images.')}>Copy title</button>
            <button @click=${() => void this.copy(new URL(g.shareUrl, location.origin).href, 'Share link copied.')}>Copy share link</button>
            <button @click=${() => void this.copy(g.prompt, 'Prompt copied.')}>Copy prompt</button>
            <a class="button" href=${g.shareUrl} target="_blank" rel="noopener">Open share page</a>
            ${this.canDelete ? html`<button class="danger" @click=${this.askDelete}>Delete</button>` : nothing}
          </div>
          ${this.renderDetails(g)}
        </section>
      </div>
      ${this.renderConfirm(g)}`;
  }

  private renderDetails(g: Generation) {
    const row = (term: string, value: unknown) => html`<dt>${term}</dt><dd>${value}</dd>`;
    return html`<dl>
      ${this.showOwner ? row('Owner', g.email) : nothing}
      ${row('Created', html`<time datetime=${g.createdAt}>${formatDateTime(g.createdAt)}</time>`)}
      ${row('Model', html`${g.modelAlias} <span class="muted">(${g.modelId})</span>`)}
      ${row('Size', g.imageSize)} ${row('Aspect ratio', g.aspectRatio)}
      ${g.width && g.height ? row('Pixels', `${g.width} × ${g.height}`) : nothing}
      ${g.bytes ? row('File', formatBytes(g.bytes)) : nothing}
      ${row('Cost', formatImageCost(g.costUsd))}
      ${row('Tokens', tokenLines(g.usage).map((line) => html`<div>${line}</div>`))}
      ${row('Title', html`<code>${g.name}</code>`)}
      ${row(
        'References',
        g.references.length === 0
          ? html`<span class="muted">None</span>`
          : html`<ul class="references">
              ${g.references.map((ref) =>
                ref.imageUrl
                  ? html`<li>
                      <a href=${this.linkFor(ref.name)} @click=${(e: Event) => this.openReference(e, ref.name)}>
                        ${ref.thumbnailUrl ? html`<img src=${ref.thumbnailUrl} alt="" />` : nothing}<code>${ref.name}</code>
                      </a>
                    </li>`
                  : html`<li><code>${ref.name}</code> <span class="muted">(no longer available)</span></li>`,
              )}
            </ul>`,
      )}
    </dl>`;
  }

  private renderConfirm(g: Generation) {
    return html`<dialog class="confirm" aria-labelledby="delete-title" @close=${() => (this.deleteError = '')}>
      <h2 id="delete-title">Delete this image?</h2>
      <p>“${shorten(g.prompt, 120)}”</p>
      <p class="muted">The image, its thumbnail and its record go for good; links to it stop working. The spend stays: deleting is not a refund.</p>
      ${this.deleteError ? html`<p role="alert">${this.deleteError}</p>` : nothing}
      <div class="buttons">
        <button @click=${() => this.confirm?.close()}>Cancel</button>
        <button class="danger" ?disabled=${this.deleting} @click=${() => void this.confirmDelete(g)}>Delete image</button>
      </div>
    </dialog>`;
  }

  private ask(type: 'viewer-close' | 'viewer-retry') {
    this.dispatchEvent(new Event(type));
  }

  private step(direction: -1 | 1) {
    if (direction < 0 ? !this.hasPrevious : !this.hasNext) return;
    this.dispatchEvent(new CustomEvent('viewer-step', { detail: direction }));
  }

  private openReference(event: Event, name: string) {
    event.preventDefault();
    this.dispatchEvent(new CustomEvent('viewer-open', { detail: name }));
  }

  // Esc: the gallery closes the viewer by changing the URL, so the dialog stays until then.
  private onCancel = (event: Event) => {
    if (event.target !== this.dialog) return;
    event.preventDefault();
    this.ask('viewer-close');
  };

  private onKeyDown = (event: KeyboardEvent) => {
    if (this.confirm?.open || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowLeft') this.step(-1);
    else if (event.key === 'ArrowRight') this.step(1);
    else return;
    event.preventDefault();
  };

  private onPointerDown = (event: PointerEvent) => {
    if (!event.isPrimary) return;
    this.swipe = { id: event.pointerId, x: event.clientX, y: event.clientY };
  };

  private onPointerUp = (event: PointerEvent) => {
    const start = this.swipe;
    this.swipe = undefined;
    if (!start || start.id !== event.pointerId) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    // Mostly sideways, and far enough: a tap or a vertical scroll is not a swipe.
    if (Math.abs(dx) >= SWIPE_DISTANCE && Math.abs(dx) > 1.5 * Math.abs(dy)) this.step(dx < 0 ? 1 : -1);
  };

  private async copy(text: string, done: string) {
    try {
      await navigator.clipboard.writeText(text);
      this.toast(done, 'info');
    } catch {
      this.toast(`Copying was not allowed by the browser; select and copy it by hand: ${shorten(text, 200)}`, 'error');
    }
  }

  private toast(message: string, tone: 'info' | 'error') {
    this.dispatchEvent(new CustomEvent('studio-toast', { detail: { message, tone }, bubbles: true, composed: true }));
  }

  private askDelete = () => {
    this.deleteError = '';
    this.confirm?.showModal();
  };

  private async confirmDelete(g: Generation) {
    if (!this.session) return;
    this.deleting = true;
    try {
      await deleteGeneration(this.session, g.name);
      this.confirm?.close();
      this.dispatchEvent(new CustomEvent('image-deleted', { detail: g.name }));
    } catch (error) {
      this.deleteError = errorMessage(error);
    } finally {
      this.deleting = false;
    }
  }
}

/** What Gemini reported, one line per kind, in the order people read a bill. */
function tokenLines(usage: TokenUsage): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const parts = (entries: [string, number | undefined][]) =>
    entries.filter((e): e is [string, number] => e[1] !== undefined).map(([label, value]) => `${label} ${n(value)}`);
  const lines: string[] = [];
  const inputParts = parts([['text', usage.promptTextTokens], ['images', usage.promptImageTokens]]);
  if (usage.promptTokens !== undefined) lines.push(`Input ${n(usage.promptTokens)}${inputParts.length ? ` (${inputParts.join(', ')})` : ''}`);
  const outputParts = parts([['image', usage.imageOutputTokens], ['text', usage.textOutputTokens]]);
  if (usage.outputTokens !== undefined) lines.push(`Output ${n(usage.outputTokens)}${outputParts.length ? ` (${outputParts.join(', ')})` : ''}`);
  if (usage.thinkingTokens !== undefined) lines.push(`Thinking ${n(usage.thinkingTokens)}`);
  if (usage.totalTokens !== undefined) lines.push(`Total ${n(usage.totalTokens)}`);
  return lines.length ? lines : ['Not reported'];
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

declare global {
  interface HTMLElementTagNameMap {
    'image-viewer': ImageViewer;
  }
}
