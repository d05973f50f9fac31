/**
 * Where the OAuth server keeps what must outlive one request and be seen by every instance:
 * registered clients, consent tickets, pending sign-ins, authorization codes and refresh-token grants.
 * Implementations: local files and Firestore. Keys are opaque strings chosen by the caller
 * (hashes of secrets, never the secrets themselves); values are small JSON objects.
 */
export const AUTH_STATE_KINDS = ['client', 'consent', 'pending', 'code', 'refresh', 'grant'] as const;
export type AuthStateKind = (typeof AUTH_STATE_KINDS)[number];

export interface AuthStateStore {
  /** Stores `value` under (kind, key); rejects if that key exists and has not expired. */
  create(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void>;
  /** The value, or undefined if absent or expired. */
  get(kind: AuthStateKind, key: string): Promise<object | undefined>;
  /**
   * Removes and returns the value in one atomic step: of any number of concurrent calls for
   * one key, at most one gets the value (single-use codes and refresh tokens rely on this).
   */
  take(kind: AuthStateKind, key: string): Promise<object | undefined>;
  /** Replaces the value (creating it if absent). */
  put(kind: AuthStateKind, key: string, value: object, expiresAt?: Date): Promise<void>;
  delete(kind: AuthStateKind, key: string): Promise<void>;
}
