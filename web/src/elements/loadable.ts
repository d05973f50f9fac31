/** What a view that fetches shows: loading, an error to retry, or the data. */
import { html, type TemplateResult } from 'lit';
import { ApiError } from '../api/client.js';
import './status-message.js';

export type Loadable<T> = { readonly state: 'loading' } | { readonly state: 'error'; readonly message: string } | { readonly state: 'loaded'; readonly data: T };

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.name === 'SignInError') return error.message;
  return 'Something went wrong. Try again.';
}

/** Renders loading and error states; `loaded` renders the data. */
export function renderLoadable<T>(value: Loadable<T>, loadingText: string, retry: () => void, loaded: (data: T) => TemplateResult): TemplateResult {
  switch (value.state) {
    case 'loading':
      return html`<status-message tone="loading" message=${loadingText}></status-message>`;
    case 'error':
      return html`<status-message tone="error" retryable message=${value.message} @retry=${retry}></status-message>`;
    case 'loaded':
      return loaded(value.data);
  }
}
