/**
 * <image-gallery>: one user's images as a grid of square thumbnails, newest first, grouped by
 * day, a page at a time (the next page loads as the end of the grid scrolls into view, or on
 * "Load more"); generations still running come first. Admins pick whose gallery to see.
 *
 * The URL's hash holds what is shown (gallery-route.ts): `image=` opens <image-viewer> over
 * the grid; `q`, `model`, `size`, `from`, `to` are a search, run by the server over all of
 * the user's images. A tile is a link, so opening an image adds a history entry and Back
 * closes it; moving between images replaces the entry.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Session } from '../api/client.js';
import { fetchCosts, fetchGeneration, fetchGenerations, fetchGenerationSummary } from '../api/dashboard-api.js';
import type { Generation, GenerationFilter, GenerationSummary, ImageSize, Me, PendingGeneration } from '../api/types.js';
import { groupByDay } from '../day-groups.js';
import { formatDayHeading, formatUsd, plural, shorten } from '../format.js';
import { galleryHash, galleryPath, hasFilter, IMAGE_SIZES, parseGalleryQuery, sameFilter } from '../gallery-route.js';
import './connect-claude.js';
import './gallery-search.js';
import './image-tile.js';
import type { ImageViewer } from './image-viewer.js';
import './image-viewer.js';
import { sharedStyles } from './shared-styles.js';
import './status-message.js';
import { errorMessage } from './task-states.js';

/** How often the gallery looks again while a generation is running (ms). */
const PENDING_POLL = 4000;

@customElement('image-gallery')
export class ImageGallery extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        margin-bottom: 0.75rem;
      }
      header h2 {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .summary {
        margin: 0.2rem 0 0;
      }
      .switcher select {
        max-width: 100%;
      }
      .switcher {
        max-width: 100%;
        overflow-wrap: anywhere;
      }
      section {
        margin-bottom: 1.25rem;
      }
      .day-head {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.25rem 0.75rem;
        margin: 0 0 0.5rem;
      }
      h3 {
        font-size: 1rem;
        margin: 0;
      }
      .grid {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        /* Two columns on a phone, three from about 600 px, more on a laptop. */
        grid-template-columns: repeat(auto-fill, minmax(min(150px, calc(50% - 0.25rem)), 1fr));
        gap: 0.5rem;
      }
      @media (min-width: 1000px) {
        .grid {
          grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
        }
      }
      .pending {
        aspect-ratio: 1;
        border-radius: 6px;
        border: 2px dashed var(--border);
        background: var(--surface);
        padding: 0.5rem;
        display: flex;
        flex-direction: column;
        gap: 0.3rem;
        overflow: hidden;
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      .pending.failed {
        border-color: var(--danger);
      }
      .pending strong {
        font-size: 0.9rem;
      }
      .pending.failed strong {
        color: var(--danger);
      }
      .failure {
        margin-bottom: 1rem;
      }
      .more {
        display: flex;
        flex-direction: column;
        align-items: center;
        gap: 0.5rem;
        min-height: 3rem;
      }
      .end {
        text-align: center;
      }
    `,
  ];

  @property({ attribute: false }) session?: Session;
  @property({ attribute: false }) me?: Me;
  /** Whose images to show. */
  @property() user = '';

  /** `#/gallery` or `#/gallery/email`: where the gallery's own links point. */
  @state() private path = galleryPath(location.hash);
  @state() private filter: GenerationFilter = parseGalleryQuery(location.hash).filter;
  @state() private generations: Generation[] = [];
  @state() private pending: readonly PendingGeneration[] = [];
  @state() private nextCursor: string | undefined;
  @state() private loading = false;
  @state() private loadedOnce = false;
  @state() private pageError = '';
  @state() private summary: GenerationSummary | undefined;
  @state() private summaryError = '';
  @state() private users: string[] = [];
  @state() private usersError = '';
  @state() private failedThumbnails = new Set<string>();
  @state() private thumbnailRetry = 0;
  /** The image the URL opens in the viewer. */
  @state() private openName: string | undefined = parseGalleryQuery(location.hash).image;
  /** A deep-linked image that is not among the pages loaded. */
  @state() private fetched: Generation | undefined;
  @state() private viewerError = '';

  @query('.more') private sentinel?: HTMLElement;
  @query('image-viewer') private viewer?: ImageViewer;
  private observer?: IntersectionObserver;
  /** Bumped whenever the list restarts, so a late answer for an earlier user or search is dropped. */
  private run = 0;
  /** The viewer was opened from the grid (a history entry to go back over), not by a link from elsewhere. */
  private openedFromGallery = false;
  /** The tile to give focus back to when the viewer closes. */
  private lastViewed: string | undefined;
  /** The viewer just closed: focus its image's tile once the grid shows. */
  private returnFocus = false;
  private pollTimer?: ReturnType<typeof setTimeout>;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    this.observer?.disconnect();
    clearTimeout(this.pollTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('me') && this.me?.isAdmin && this.users.length === 0 && !this.usersError) void this.loadUsers();
    if (changed.has('user') || changed.has('session')) this.restart();
    // A deep link to an image: it may be on no page loaded yet.
    if (changed.has('session') && this.openName) void this.ensureOpenImage();
  }

  protected override firstUpdated() {
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && this.nextCursor && !this.loading && !this.pageError) void this.loadMore();
      },
      { rootMargin: '300px' },
    );
    if (this.sentinel) this.observer.observe(this.sentinel);
  }

  protected override updated() {
    // Focus goes back to the image the viewer showed last (Esc, Close or Back), once the
    // viewer's dialog has closed (closing a dialog gives focus back to where it was opened).
    if (this.returnFocus && !this.openName) {
      this.returnFocus = false;
      const name = this.lastViewed;
      if (!name) return;
      void this.viewer?.updateComplete.then(() => {
        const tile = this.renderRoot.querySelector<HTMLElement>(`image-tile[data-name="${name}"]`);
        tile?.scrollIntoView({ block: 'nearest' });
        tile?.focus();
      });
    }
  }

  private onHashChange = () => {
    const hash = location.hash;
    // Leaving the gallery: the app replaces this element.
    if (hash && hash !== '#' && hash !== '#/' && !hash.startsWith('#/gallery')) return;
    const query = parseGalleryQuery(hash);
    this.path = galleryPath(hash);
    if (!sameFilter(query.filter, this.filter)) {
      this.filter = query.filter;
      this.restart();
    }
    if (query.image !== this.openName) {
      if (!this.openName && query.image) this.openedFromGallery = true;
      if (query.image) this.lastViewed = query.image;
      if (!query.image) {
        this.openedFromGallery = false;
        this.returnFocus = true;
      }
      this.openName = query.image;
      void this.ensureOpenImage();
    }
  };

  private restart() {
    this.run += 1;
    clearTimeout(this.pollTimer);
    this.generations = [];
    this.pending = [];
    this.nextCursor = undefined;
    this.loadedOnce = false;
    this.loading = false;
    this.pageError = '';
    this.summary = undefined;
    this.summaryError = '';
    this.failedThumbnails = new Set();
    void this.loadMore();
    void this.loadSummary();
  }

  private async loadMore() {
    if (!this.session || !this.user || this.loading) return;
    const run = this.run;
    const first = !this.loadedOnce;
    this.loading = true;
    this.pageError = '';
    try {
      const page = await fetchGenerations(this.session, this.user, this.nextCursor, this.filter);
      if (run !== this.run) return;
      const known = new Set(this.generations.map((g) => g.name));
      this.generations = [...this.generations, ...page.generations.filter((g) => !known.has(g.name))];
      this.nextCursor = page.nextCursor;
      if (first) this.pending = page.pending ?? [];
      this.loadedOnce = true;
      if (first) this.watchPending();
    } catch (error) {
      if (run === this.run) this.pageError = errorMessage(error);
    } finally {
      if (run === this.run) this.loading = false;
    }
    // Observing afresh reports at once whether the end of the grid is still in view, so a
    // short page (or a search page with few matches) on a tall screen loads the next.
    await this.updateComplete;
    if (this.sentinel && this.observer) {
      this.observer.unobserve(this.sentinel);
      this.observer.observe(this.sentinel);
    }
  }

  private async loadSummary() {
    if (!this.session || !this.user) return;
    const run = this.run;
    this.summaryError = '';
    try {
      const summary = await fetchGenerationSummary(this.session, this.user, this.filter);
      if (run === this.run) this.summary = summary;
    } catch (error) {
      if (run === this.run) this.summaryError = errorMessage(error);
    }
  }

  private async loadUsers() {
    if (!this.session) return;
    this.usersError = '';
    try {
      this.users = (await fetchCosts(this.session)).users.map((u) => u.email);
    } catch (error) {
      this.usersError = errorMessage(error);
    }
  }

  /** While a generation runs, look again now and then: finished ones join the grid. */
  private watchPending() {
    clearTimeout(this.pollTimer);
    if (!this.pending.some((p) => p.status === 'generating') || hasFilter(this.filter)) return;
    const run = this.run;
    this.pollTimer = setTimeout(() => void this.refreshNewest(run), PENDING_POLL);
  }

  private async refreshNewest(run: number) {
    if (!this.session || run !== this.run) return;
    try {
      const page = await fetchGenerations(this.session, this.user, undefined, this.filter);
      if (run !== this.run) return;
      const known = new Set(this.generations.map((g) => g.name));
      const added = page.generations.filter((g) => !known.has(g.name));
      this.pending = page.pending ?? [];
      if (added.length) {
        this.generations = [...added, ...this.generations];
        void this.loadSummary();
      }
    } catch {
      // The next look may work; an outage shows on the next load the user asks for.
    }
    this.watchPending();
  }

  /** What failed, asked again: the page, the totals, the user list, and broken thumbnails. */
  private retryFailed = () => {
    if (this.pageError) void this.loadMore();
    if (this.summaryError) void this.loadSummary();
    if (this.usersError) void this.loadUsers();
    if (this.failedThumbnails.size) {
      this.failedThumbnails = new Set();
      this.thumbnailRetry += 1;
    }
  };

  // The viewer.

  private async ensureOpenImage() {
    const name = this.openName;
    this.viewerError = '';
    if (!name || !this.session || this.generations.some((g) => g.name === name) || this.fetched?.name === name) return;
    this.fetched = undefined;
    try {
      const generation = await fetchGeneration(this.session, name);
      if (this.openName === name) this.fetched = generation;
    } catch (error) {
      if (this.openName === name) this.viewerError = errorMessage(error);
    }
  }

  private get openGeneration(): Generation | undefined {
    const name = this.openName;
    if (!name) return undefined;
    return this.generations.find((g) => g.name === name) ?? (this.fetched?.name === name ? this.fetched : undefined);
  }

  private hashFor(image?: string): string {
    return galleryHash(this.path, image ? { image, filter: this.filter } : { filter: this.filter });
  }

  private replaceHash(hash: string) {
    location.replace(`${location.pathname}${location.search}${hash}`);
  }

  private showImage(name: string) {
    // At once, not on the hashchange: a second key press moves on from this image.
    this.openName = name;
    this.lastViewed = name;
    void this.ensureOpenImage();
    this.replaceHash(this.hashFor(name));
  }

  private closeViewer = () => {
    if (this.openName) this.lastViewed = this.openName;
    // Back over the entry the tile added, so Forward and Back stay as people expect.
    if (this.openedFromGallery) history.back();
    else this.replaceHash(this.hashFor());
  };

  private step = async (event: CustomEvent<-1 | 1>) => {
    const index = this.generations.findIndex((g) => g.name === this.openName);
    if (index < 0) return;
    if (event.detail > 0 && index === this.generations.length - 1 && this.nextCursor) await this.loadMore();
    const next = this.generations[index + event.detail];
    if (next) this.showImage(next.name);
  };

  private onDeleted = (event: CustomEvent<string>) => {
    const name = event.detail;
    const index = this.generations.findIndex((g) => g.name === name);
    // Images made from it keep its title, no longer a link (as the server now answers for them).
    const unlink = (g: Generation): Generation =>
      g.references.some((r) => r.name === name && r.imageUrl) ? { ...g, references: g.references.map((r) => (r.name === name ? { name } : r)) } : g;
    this.generations = this.generations.filter((g) => g.name !== name).map(unlink);
    this.fetched = this.fetched?.name === name ? undefined : this.fetched && unlink(this.fetched);
    void this.loadSummary();
    this.dispatchEvent(new CustomEvent('studio-toast', { detail: { message: 'Deleted one image', tone: 'info' }, bubbles: true, composed: true }));
    if (this.openName !== name) return;
    // The viewer moves on to the image that took its place, else the one before, else closes.
    const next = index < 0 ? undefined : (this.generations[index] ?? this.generations[index - 1]);
    if (next) this.showImage(next.name);
    else {
      this.lastViewed = undefined;
      this.closeViewer();
    }
  };

  // Rendering.

  override render() {
    const own = this.user === this.me?.email;
    const filtered = hasFilter(this.filter);
    const empty = this.loadedOnce && this.generations.length === 0 && this.pending.length === 0 && !this.nextCursor && !this.pageError;
    const pageFailedBelow = Boolean(this.pageError) && this.generations.length > 0;
    return html`<header>
        <div>
          <h2>${own ? 'My images' : `Images of ${this.user}`}</h2>
          ${this.renderSummary(filtered)}
        </div>
        ${this.me?.isAdmin ? this.renderUserSwitcher() : nothing}
      </header>
      <gallery-search .filter=${this.filter} .models=${this.me?.models.map((m) => m.alias) ?? []} .sizes=${this.sizes()} @filter-change=${this.onFilterChange}></gallery-search>
      ${pageFailedBelow ? nothing : this.renderFailure()} ${empty ? this.renderEmpty(own, filtered) : nothing} ${this.renderPending()}
      ${groupByDay(this.generations).map((group) => {
        const headingId = `day-${group.day}`;
        return html`<section aria-labelledby=${headingId}>
          <div class="day-head">
            <h3 id=${headingId}>${formatDayHeading(group.day)}</h3>
            <span class="muted day-figures">${plural(group.generations.length, 'image')} · ${formatUsd(group.costUsd)}</span>
          </div>
          <ul class="grid">
            ${group.generations.map(
              (g) => html`<li>
                <image-tile data-name=${g.name} .generation=${g} href=${this.hashFor(g.name)} .retry=${this.thumbnailRetry} @thumbnail-failed=${this.onThumbnailFailed}></image-tile>
              </li>`,
            )}
          </ul>
        </section>`;
      })}
      <div class="more">
        ${this.loading ? html`<status-message tone="loading" message=${filtered ? 'Searching…' : 'Loading images…'}></status-message>` : nothing}
        ${pageFailedBelow ? this.renderFailure() : nothing}
        ${!this.loading && !this.pageError && this.nextCursor ? html`<button @click=${() => void this.loadMore()}>Load more</button>` : nothing}
        ${this.loadedOnce && !this.nextCursor && !this.loading && this.generations.length > 0
          ? html`<p class="end muted">That’s all: ${plural(this.generations.length, 'image')}${filtered ? (this.generations.length === 1 ? ' matches' : ' match') : ''}.</p>`
          : nothing}
      </div>
      ${this.renderViewer()}`;
  }

  private renderSummary(filtered: boolean) {
    if (!this.summary) return nothing;
    const { imageCount, costUsd } = this.summary;
    return html`<p class="summary">
      <strong>${plural(imageCount, 'image')} · ${formatUsd(costUsd)}</strong>
      <span class="muted">${filtered ? 'matching this search, and what they cost' : 'kept now, and what they cost'}</span>
    </p>`;
  }

  private renderFailure() {
    const parts = [
      this.pageError ? 'the images' : '',
      this.summaryError ? 'the totals' : '',
      this.usersError ? 'the list of users' : '',
      this.failedThumbnails.size ? plural(this.failedThumbnails.size, 'thumbnail') : '',
    ].filter(Boolean);
    if (parts.length === 0) return nothing;
    const reason = this.pageError || this.summaryError || this.usersError;
    const message = reason ? `${reason} Not loaded: ${parts.join(', ')}.` : `${plural(this.failedThumbnails.size, 'thumbnail')} did not load.`;
    return html`<status-message class="failure" tone="error" retryable message=${message} @retry=${this.retryFailed}></status-message>`;
  }

  private renderUserSwitcher() {
    const users = this.users.includes(this.user) ? this.users : [this.user, ...this.users];
    return html`<label class="switcher"
      >Show images of
      <select @change=${(e: Event) => (location.hash = `#/gallery/${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
        ${users.map((email) => html`<option value=${email} ?selected=${email === this.user}>${email}</option>`)}
      </select></label
    >`;
  }

  private renderEmpty(own: boolean, filtered: boolean) {
    if (filtered) {
      return html`<status-message message="No images match this search.">
        <p><button @click=${() => this.onFilterChange(new CustomEvent('filter-change', { detail: {} }))}>Clear the search</button></p>
      </status-message>`;
    }
    if (!own) return html`<status-message message="${this.user} has no images."></status-message>`;
    return html`<status-message message="No images yet — here is how to connect Claude:">
      <connect-claude mcpUrl=${this.me?.mcpUrl ?? ''}></connect-claude>
    </status-message>`;
  }

  private renderPending() {
    if (this.pending.length === 0) return nothing;
    return html`<section aria-labelledby="in-progress">
      <div class="day-head"><h3 id="in-progress">In progress</h3></div>
      <ul class="grid">
        ${this.pending.map(
          (p) => html`<li class="pending ${p.status}">
            <strong>${p.status === 'generating' ? 'Generating…' : 'Failed'}</strong>
            <span>${shorten(p.prompt.replace(/\s+/g, ' '), 90)}</span>
            <span class="muted">${p.modelAlias} · ${p.imageSize} · ${p.aspectRatio}</span>
            ${p.failure ? html`<span title=${p.failure}>${shorten(p.failure, 160)}</span>` : nothing}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private renderViewer() {
    const g = this.openGeneration;
    const index = g ? this.generations.indexOf(g) : -1;
    const total = this.summary?.imageCount ?? this.generations.length;
    return html`<image-viewer
      .session=${this.session}
      ?open=${Boolean(this.openName)}
      .generation=${g}
      error=${this.viewerError}
      ?hasPrevious=${index > 0}
      ?hasNext=${index >= 0 && (index < this.generations.length - 1 || Boolean(this.nextCursor))}
      position=${index >= 0 ? `${index + 1} of ${Math.max(total, this.generations.length)}` : ''}
      ?canDelete=${Boolean(g && this.me && (this.me.isAdmin || g.email === this.me.email))}
      ?showOwner=${Boolean(g && g.email !== this.me?.email)}
      .linkFor=${(name: string) => this.hashFor(name)}
      @viewer-close=${this.closeViewer}
      @viewer-step=${this.step}
      @viewer-open=${(e: CustomEvent<string>) => this.showImage(e.detail)}
      @viewer-retry=${() => void this.ensureOpenImage()}
      @image-deleted=${this.onDeleted}
    ></image-viewer>`;
  }

  private sizes(): ImageSize[] {
    const made = new Set(this.me?.models.flatMap((m) => Object.keys(m.pricesUsd)) ?? []);
    return IMAGE_SIZES.filter((s) => made.has(s));
  }

  private onFilterChange = (event: CustomEvent<GenerationFilter>) => {
    if (sameFilter(event.detail, this.filter)) return;
    this.replaceHash(galleryHash(this.path, { filter: event.detail }));
  };

  private onThumbnailFailed = (event: CustomEvent<string>) => {
    this.failedThumbnails = new Set([...this.failedThumbnails, event.detail]);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'image-gallery': ImageGallery;
  }
}
