/**
 * The Firestore client, as every Firestore adapter uses it. Loaded only with the cloud stores.
 */
import { Firestore } from '@google-cloud/firestore';

export interface FirestoreClientOptions {
  /** Unset on Cloud Run: the client reads it from the metadata server. */
  readonly projectId?: string;
  readonly databaseId?: string;
  /** The most one call may take, retries included. */
  readonly timeoutMs: number;
}

export function createFirestore(options: FirestoreClientOptions): Firestore {
  return new Firestore({
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.databaseId ? { databaseId: options.databaseId } : {}),
    ignoreUndefinedProperties: true,
  });
}
