/**
 * The Cloud Storage client, as the cloud image store uses it. Loaded only with the cloud stores.
 */
import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';

export interface StorageClientOptions {
  /** Unset on Cloud Run: the client reads it from the metadata server. */
  readonly projectId?: string;
  /** The most one request may wait, per attempt. */
  readonly timeoutMs: number;
  /** Tests point the client at the Cloud Storage fake. */
  readonly apiEndpoint?: string;
}

export function createStorage(options: StorageClientOptions): Storage {
  const settings: StorageOptions = {
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    // Every upload is conditional (ifGenerationMatch: 0) and every delete safe to repeat, so
    // retrying always is safe; and bounded, since the client would otherwise keep at it for 600 s.
    retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryAlways, maxRetries: 3, totalTimeout: 30, maxRetryDelay: 4 },
  };
  return new Storage(settings);
}
