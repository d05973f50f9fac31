/** How every view shows a fetch (a Lit Task): loading, an error with Retry, or the data. */
import type { Task } from '@lit/task';
import { html, type TemplateResult } from 'lit';
import { ApiError } from '../api/client.js';
import './status-message.js';

/** The message for people: the server's own (written for them), else a generic one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.name === 'SignInError') return error.message;
  return 'Something went wrong. Try again.';
}

export function renderTask<T>(task: Task<readonly unknown[], T>, loadingText: string, loaded: (data: T) => TemplateResult): unknown {
  const loading = () => html`<status-message tone="loading" message=${loadingText}></status-message>`;
  return task.render({
    initial: loading,
    pending: loading,
    error: (error) => html`<status-message tone="error" retryable message=${errorMessage(error)} @retry=${() => void task.run()}></status-message>`,
    complete: loaded,
  });
}
