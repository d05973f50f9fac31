/**
 * <gallery-search>: the gallery's search form: words of the prompt, model, size, and a date
 * range. It shows `filter` (the gallery's, from the URL) and fires `filter-change` with a new
 * one: at once for a choice or a submit, after a pause for typing. The server searches all of
 * the user's images; this form only asks.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { GenerationFilter, ImageSize, ModelAlias } from '../api/types.js';
import { hasFilter, MAX_QUERY_LENGTH } from '../gallery-route.js';
import { sharedStyles } from './shared-styles.js';

/** How long typing pauses before the search runs (ms). */
const TYPING_PAUSE = 450;

@customElement('gallery-search')
export class GallerySearch extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        gap: 0.5rem 0.75rem;
        margin: 0 0 1rem;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
        font-size: 0.85rem;
        color: var(--muted);
        min-width: 0;
      }
      label.words {
        flex: 1 1 12rem;
      }
      input {
        min-width: 0;
        max-width: 100%;
      }
      .buttons,
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      /* A phone: the words and the buttons on one line, the filters two by two below. */
      @media (max-width: 600px) {
        .filters {
          display: grid;
          grid-template-columns: 1fr 1fr;
          width: 100%;
        }
        .filters select,
        .filters input {
          width: 100%;
        }
      }
    `,
  ];

  @property({ attribute: false }) filter: GenerationFilter = {};
  @property({ attribute: false }) models: readonly ModelAlias[] = [];
  @property({ attribute: false }) sizes: readonly ImageSize[] = [];
  /** The words as typed, until they are searched. */
  @state() private words = '';
  private typingTimer?: ReturnType<typeof setTimeout>;

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('filter')) this.words = this.filter.q ?? '';
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.typingTimer);
  }

  override render() {
    const f = this.filter;
    return html`<form role="search" aria-label="Search images" @submit=${this.onSubmit}>
      <label class="words"
        >Prompt words
        <input
          type="search"
          name="q"
          maxlength=${MAX_QUERY_LENGTH}
          placeholder="e.g. lighthouse dusk"
          .value=${live(this.words)}
          @input=${this.onInput}
      /></label>
      <div class="buttons">
        <button type="submit">Search</button>
        ${hasFilter(f) || this.words ? html`<button type="button" @click=${this.clear}>Clear</button>` : nothing}
      </div>
      <div class="filters">
        <label
          >Model
          <select name="model" @change=${(e: Event) => this.change({ model: (e.target as HTMLSelectElement).value })}>
            <option value="" ?selected=${!f.model}>Any model</option>
            ${this.models.map((m) => html`<option value=${m} ?selected=${f.model === m}>${m}</option>`)}
          </select></label
        >
        <label
          >Size
          <select name="size" @change=${(e: Event) => this.change({ size: (e.target as HTMLSelectElement).value })}>
            <option value="" ?selected=${!f.size}>Any size</option>
            ${this.sizes.map((size) => html`<option value=${size} ?selected=${f.size === size}>${size}</option>`)}
          </select></label
        >
        <label
          >From
          <input type="date" name="from" max=${f.to ?? nothing} .value=${live(f.from ?? '')} @change=${(e: Event) => this.change({ from: (e.target as HTMLInputElement).value })}
        /></label>
        <label
          >To
          <input type="date" name="to" min=${f.from ?? nothing} .value=${live(f.to ?? '')} @change=${(e: Event) => this.change({ to: (e.target as HTMLInputElement).value })}
        /></label>
      </div>
    </form>`;
  }

  private onInput = (event: Event) => {
    this.words = (event.target as HTMLInputElement).value;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.change({}), TYPING_PAUSE);
  };

  private onSubmit = (event: Event) => {
    event.preventDefault();
    this.change({});
  };

  private clear = () => {
    this.words = '';
    this.emit({});
  };

  /** The filter as shown, with `patch` applied; empty values mean "any". */
  private change(patch: Partial<Record<keyof GenerationFilter, string>>) {
    const next: Record<string, string> = { ...this.filter, q: this.words.trim(), ...patch };
    this.emit(Object.fromEntries(Object.entries(next).filter(([, v]) => v)));
  }

  private emit(filter: GenerationFilter) {
    clearTimeout(this.typingTimer);
    this.dispatchEvent(new CustomEvent<GenerationFilter>('filter-change', { detail: filter }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gallery-search': GallerySearch;
  }
}
