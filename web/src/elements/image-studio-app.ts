/**
 * <image-studio-app>: the dashboard. It first asks the API who is calling without a token: a
 * server started with IMG_AUTH_DISABLED=1 answers (local mode, no sign-in); otherwise it
 * answers 401, and the dashboard signs in with Firebase Auth and sends the ID token with
 * every call. The server alone decides what a user may see; the views only render it.
 *
 * Views are addressed by the URL's hash (app-route.ts). The app also hosts the one toast:
 * any element dispatches `studio-toast` (toast-notice.ts) and the newest notice replaces the
 * one showing.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiError, type Session } from '../api/client.js';
import { fetchMe } from '../api/dashboard-api.js';
import type { Budget, Me, ModelAlias } from '../api/types.js';
import { parseRoute, sameRoute, type Route } from '../app-route.js';
import { loadFirebaseConfig } from '../auth/firebase-config.js';
import type { FirebaseSignIn, SignedInUser } from '../auth/firebase-sign-in.js';
import { isNearLimit } from '../budget-text.js';
import { formatUsd } from '../format.js';
import './billing-page.js';
import type { BudgetChange } from './budget-editor.js';
import './image-gallery.js';
import { errorMessage } from './task-states.js';
import './model-picker.js';
import './reference-photos.js';
import { sharedStyles } from './shared-styles.js';
import './sign-in-panel.js';
import './status-message.js';
import { TOAST_EVENT, type ToastDetail, type ToastTone } from './toast-notice.js';
import './usage-view.js';

type View =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly message: string; readonly retry?: () => void }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'not-allowed'; readonly email: string; readonly message: string }
  | { readonly kind: 'ready'; readonly me: Me };

const OPEN_SESSION: Session = { baseUrl: '', idToken: async () => undefined };

@customElement('image-studio-app')
export class ImageStudioApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        max-width: 72rem;
        margin: 0 auto;
        /* Room at the bottom so a toast never hides the page's last controls. */
        padding: 0 1rem 5rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        padding: 0.9rem 0;
      }
      h1 {
        font-size: 1.3rem;
        margin: 0;
      }
      .who {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        overflow-wrap: anywhere;
      }
      .badge {
        font-size: 0.75rem;
        padding: 0.1rem 0.45rem;
        border-radius: 999px;
        background: var(--accent);
        color: var(--on-accent);
      }
      .glance {
        font-size: 0.9rem;
        padding: 0.15rem 0.55rem;
        border-radius: 999px;
        border: 1px solid var(--border);
        background: var(--surface);
        color: var(--text);
        text-decoration: none;
        font-variant-numeric: tabular-nums;
      }
      .glance.near {
        border-color: var(--warning);
        background: var(--warning-surface);
      }
      nav ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        list-style: none;
        margin: 0 0 1rem;
        padding: 0 0 0.5rem;
        border-bottom: 1px solid var(--border);
      }
      nav a {
        display: inline-block;
        padding: 0.45rem 0.8rem;
        border-radius: 6px;
        text-decoration: none;
        color: var(--text);
      }
      nav a:hover {
        background: var(--page);
      }
      nav a[aria-current='page'] {
        background: var(--accent);
        color: var(--on-accent);
      }
      /* Every tab on one line on a phone, as long as they fit. */
      @media (max-width: 30rem) {
        nav a {
          padding: 0.45rem 0.5rem;
        }
      }
    `,
  ];

  @state() private view: View = { kind: 'loading' };
  @state() private route: Route = parseRoute(location.hash);
  @state() private toast: (ToastDetail & { readonly serial: number }) | undefined;
  private session: Session = OPEN_SESSION;
  private signIn?: FirebaseSignIn;
  private unsubscribe?: () => void;

  // Only a new path changes the route: the gallery keeps its own state in the hash's query.
  private readonly onHashChange = () => {
    const route = parseRoute(location.hash);
    if (!sameRoute(route, this.route)) this.route = route;
  };

  private readonly onToast = (event: CustomEvent<ToastDetail>) => {
    const { message, tone } = event.detail ?? {};
    if (typeof message !== 'string' || message === '') return;
    const safeTone: ToastTone = tone === 'error' ? 'error' : 'info';
    this.toast = { message, tone: safeTone, serial: (this.toast?.serial ?? 0) + 1 };
  };

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    this.addEventListener(TOAST_EVENT, this.onToast);
    void this.boot();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    this.removeEventListener(TOAST_EVENT, this.onToast);
    this.unsubscribe?.();
  }

  private async boot() {
    this.view = { kind: 'loading' };
    try {
      // Local mode: the server answers without a token.
      this.view = { kind: 'ready', me: await fetchMe(OPEN_SESSION) };
      return;
    } catch (error) {
      if (!(error instanceof ApiError && error.httpStatus === 401)) {
        this.view = { kind: 'error', message: errorMessage(error), retry: () => void this.boot() };
        return;
      }
    }
    const config = await loadFirebaseConfig();
    if (!config) {
      this.view = {
        kind: 'error',
        message: 'This server asks for sign-in, but the dashboard was built without a Firebase configuration (VITE_FIREBASE_* or Firebase Hosting’s /__/firebase/init.json).',
      };
      return;
    }
    try {
      // Firebase loads only when sign-in is needed: local mode never downloads it.
      const { startFirebaseSignIn } = await import('../auth/firebase-sign-in.js');
      const signIn = await startFirebaseSignIn(config);
      this.signIn = signIn;
      this.session = { baseUrl: '', idToken: () => signIn.idToken() };
      this.unsubscribe = signIn.onUserChanged((user) => {
        if (user) void this.loadMe(user);
        else this.view = { kind: 'signed-out' };
      });
    } catch (error) {
      this.view = { kind: 'error', message: errorMessage(error), retry: () => void this.boot() };
    }
  }

  private async loadMe(user: SignedInUser) {
    this.view = { kind: 'loading' };
    try {
      this.view = { kind: 'ready', me: await fetchMe(this.session) };
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 403) this.view = { kind: 'not-allowed', email: user.email, message: error.message };
      else this.view = { kind: 'error', message: errorMessage(error), retry: () => void this.loadMe(user) };
    }
  }

  override render() {
    return html`<header>
        <h1>Image Studio</h1>
        ${this.renderWho()}
      </header>
      <main>${this.renderView()}</main>
      <toast-notice message=${this.toast?.message ?? ''} tone=${this.toast?.tone ?? 'info'} serial=${this.toast?.serial ?? 0} @toast-dismissed=${() => (this.toast = undefined)}></toast-notice>`;
  }

  private renderWho() {
    const email = this.view.kind === 'ready' ? this.view.me.email : this.view.kind === 'not-allowed' ? this.view.email : undefined;
    if (!email) return nothing;
    const me = this.view.kind === 'ready' ? this.view.me : undefined;
    return html`<div class="who">
      <span>Signed in as <strong>${email}</strong></span>
      ${me?.isAdmin ? html`<span class="badge">admin</span>` : nothing} ${me ? this.renderGlance(me.budget) : nothing}
      ${this.signIn ? html`<button @click=${() => void this.signIn?.signOut()}>Sign out</button>` : html`<span class="muted">(local mode: sign-in is off)</span>`}
    </div>`;
  }

  /** This month's budget at a glance; it leads to the billing page. */
  private renderGlance(budget: Budget) {
    const text = budget.limitUsd === null ? `${formatUsd(budget.spentUsd)} this month` : `${formatUsd(budget.spentUsd)} of ${formatUsd(budget.limitUsd)} this month`;
    return html`<a class="glance ${isNearLimit(budget) ? 'near' : ''}" href="#/billing" title="My budget: open Billing">${text}</a>`;
  }

  private renderView() {
    const view = this.view;
    switch (view.kind) {
      case 'loading':
        return html`<status-message tone="loading" message="Loading…"></status-message>`;
      case 'error':
        return html`<status-message tone="error" ?retryable=${Boolean(view.retry)} message=${view.message} @retry=${() => view.retry?.()}></status-message>`;
      case 'signed-out':
        return html`<sign-in-panel .signIn=${this.signIn}></sign-in-panel>`;
      case 'not-allowed':
        // The server says why (not on the allow-list, address not verified, not a Google account).
        return html`<status-message tone="error" message=${view.message}>
          <p>Signed in as ${view.email}. To use another Google account, sign out first.</p>
        </status-message>`;
      case 'ready':
        return this.renderPages(view.me);
    }
  }

  private renderPages(me: Me) {
    const route = this.route.page === 'usage' && !me.isAdmin ? ({ page: 'gallery' } as const) : this.route;
    const tab = (href: string, label: string, page: Route['page']) =>
      html`<li><a href=${href} aria-current=${route.page === page ? 'page' : 'false'}>${label}</a></li>`;
    return html`<nav aria-label="Dashboard">
        <ul>
          ${tab('#/gallery', 'Images', 'gallery')} ${tab('#/photos', 'Photos', 'photos')} ${tab('#/billing', 'Billing', 'billing')} ${me.isAdmin ? tab('#/usage', 'Usage', 'usage') : nothing}
          ${tab('#/model', 'Default model', 'model')}
        </ul>
      </nav>
      ${this.renderPage(route, me)}`;
  }

  private renderPage(route: Route, me: Me) {
    switch (route.page) {
      case 'gallery':
        return html`<image-gallery .session=${this.session} .me=${me} user=${route.user ?? me.email}></image-gallery>`;
      case 'photos':
        return html`<reference-photos .session=${this.session}></reference-photos>`;
      case 'billing':
        return html`<billing-page .session=${this.session} .me=${me} @budget-changed=${(e: CustomEvent<BudgetChange>) => this.budgetChanged(me, e.detail)}></billing-page>`;
      case 'usage':
        return html`<usage-view .session=${this.session}></usage-view>`;
      case 'model':
        return html`<model-picker .session=${this.session} .me=${me} @default-model-saved=${(e: CustomEvent<ModelAlias>) => this.modelSaved(me, e.detail)}></model-picker>`;
    }
  }

  private modelSaved(me: Me, defaultModel: ModelAlias) {
    this.view = { kind: 'ready', me: { ...me, defaultModel } };
  }

  /** The header's glance follows what the billing page loaded or saved for the signed-in user. */
  private budgetChanged(me: Me, change: BudgetChange) {
    if (change.email !== me.email) return;
    const { budget } = change;
    const same = budget.limitUsd === me.budget.limitUsd && budget.spentUsd === me.budget.spentUsd && budget.reservedUsd === me.budget.reservedUsd && budget.month === me.budget.month;
    if (!same) this.view = { kind: 'ready', me: { ...me, budget } };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'image-studio-app': ImageStudioApp;
  }
}
