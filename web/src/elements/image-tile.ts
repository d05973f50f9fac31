/**
 * <image-tile>: one square cell of the gallery: the thumbnail, cropped to fill the cell, as
 * one link that opens the image in the viewer (its accessible name is the prompt). No other
 * controls: the viewer holds the actions.
 *
 * A thumbnail that fails to load (an outage) says so and fires `thumbnail-failed`; when the
 * gallery's Retry bumps `retry`, the tile asks for it again (a new query, so no cached
 * failure answers).
 */
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Generation } from '../api/types.js';
import { shorten } from '../format.js';
import { sharedStyles } from './shared-styles.js';

@customElement('image-tile')
export class ImageTile extends LitElement {
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  static override styles = [
    sharedStyles,
    css`
      a {
        display: block;
        position: relative;
        aspect-ratio: 1;
        border-radius: 6px;
        overflow: hidden;
        background: var(--thumb-bg);
        color: var(--muted);
      }
      img {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        object-fit: cover;
        display: block;
        transition: transform 0.15s ease;
      }
      a:hover img {
        transform: scale(1.03);
      }
      .broken {
        position: absolute;
        inset: 0;
        display: flex;
        align-items: center;
        justify-content: center;
        padding: 0.5rem;
        text-align: center;
        font-size: 0.85rem;
      }
    `,
  ];

  @property({ attribute: false }) generation?: Generation;
  /** Where the link goes: the gallery's address with this image open. */
  @property() href = '';
  /** Bumped by the gallery's Retry: a thumbnail that failed is asked for again. */
  @property({ type: Number }) retry = 0;
  @state() private failed = false;
  @state() private attempt = 0;

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('generation')) {
      this.failed = false;
      this.attempt = 0;
    }
    if (changed.has('retry') && changed.get('retry') !== undefined && this.failed) {
      this.failed = false;
      this.attempt = this.retry;
    }
  }

  override render() {
    const g = this.generation;
    if (!g) return html``;
    const src = this.attempt ? `${g.thumbnailUrl}?retry=${this.attempt}` : g.thumbnailUrl;
    return html`<a href=${this.href} aria-label=${shorten(g.prompt.replace(/\s+/g, ' '), 100)}>
      ${this.failed
        ? html`<span class="broken" aria-hidden="true">The thumbnail did not load.</span>`
        : html`<img src=${src} alt="" loading="lazy" decoding="async" draggable="false" @error=${this.onError} />`}
    </a>`;
  }

  private onError = () => {
    this.failed = true;
    this.notify('thumbnail-failed');
  };

  private notify(type: string) {
    this.dispatchEvent(new CustomEvent(type, { detail: this.generation?.name, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'image-tile': ImageTile;
  }
}
