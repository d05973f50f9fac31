/**
 * <image-card>: one generation in the gallery — its thumbnail (a link to the full image),
 * prompt, date, model, size, aspect ratio and cost; a button that copies its name (to use as
 * a reference in a later generate_image); download; and delete for its owner or an admin,
 * which fires `delete-request` (the gallery asks for confirmation).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Generation } from '../api/types.js';
import { formatDateTime, formatUsd, shorten } from '../format.js';
import { sharedStyles } from './shared-styles.js';

@customElement('image-card')
export class ImageCard extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      article {
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        overflow: hidden;
        display: flex;
        flex-direction: column;
        height: 100%;
      }
      .thumb {
        display: block;
        position: relative;
        aspect-ratio: 1;
        background: var(--thumb-bg);
      }
      .thumb img {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        object-fit: contain;
        display: block;
      }
      .body {
        padding: 0.6rem 0.7rem 0.7rem;
        display: flex;
        flex-direction: column;
        gap: 0.4rem;
        flex: 1;
      }
      .prompt {
        margin: 0;
        display: -webkit-box;
        -webkit-line-clamp: 3;
        -webkit-box-orient: vertical;
        overflow: hidden;
        overflow-wrap: anywhere;
      }
      .facts {
        font-size: 0.85rem;
        margin: 0;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin-top: auto;
      }
      .actions > * {
        font-size: 0.85rem;
        padding: 0.3rem 0.6rem;
      }
    `,
  ];

  @property({ attribute: false }) generation?: Generation;
  /** Prefix for the image links ('' on the dashboard's own origin). */
  @property({ attribute: false }) baseUrl = '';
  @property({ type: Boolean }) canDelete = false;
  @state() private copyNote = '';

  override render() {
    const g = this.generation;
    if (!g) return nothing;
    const imageUrl = `${this.baseUrl}${g.imageUrl}`;
    return html`<article>
      <a class="thumb" href=${imageUrl} target="_blank" rel="noopener" aria-label="Open the full image: ${shorten(g.prompt, 80)}">
        <img src="${this.baseUrl}${g.thumbnailUrl}" alt=${shorten(g.prompt, 120)} loading="lazy" decoding="async" />
      </a>
      <div class="body">
        <p class="prompt" title=${g.prompt}>${g.prompt}</p>
        <p class="facts muted">
          <time datetime=${g.createdAt}>${formatDateTime(g.createdAt)}</time> · <span class="model">${g.modelAlias}</span> · ${g.imageSize} ·
          ${g.aspectRatio} · <span class="cost">${formatUsd(g.costUsd)}</span>
        </p>
        <div class="actions">
          <button @click=${() => void this.copyName()} title=${g.name}>Copy name</button>
          <a class="button" href=${imageUrl} download=${g.name}>Download</a>
          ${this.canDelete
            ? html`<button class="danger" @click=${() => this.dispatchEvent(new CustomEvent('delete-request', { detail: g, bubbles: true, composed: true }))}>Delete</button>`
            : nothing}
        </div>
        <span role="status" class="muted">${this.copyNote}</span>
      </div>
    </article>`;
  }

  private async copyName() {
    const name = this.generation?.name ?? '';
    try {
      await navigator.clipboard.writeText(name);
      this.copyNote = 'Name copied: use it as a reference image.';
    } catch {
      this.copyNote = `Copy failed; the name is ${name}`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'image-card': ImageCard;
  }
}
