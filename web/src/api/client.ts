/**
 * One request to the dashboard API. Every call takes the caller's `Session` (base URL and a
 * way to get a fresh ID token) and either returns the parsed JSON or throws an `ApiError`
 * carrying the server's own message, which is written for people.
 */

export interface Session {
  /** '' for the page's own origin (Firebase Hosting rewrites /api/** to the server). */
  readonly baseUrl: string;
  /** A current Firebase ID token, or undefined when the server runs without sign-in. */
  readonly idToken: () => Promise<string | undefined>;
}

export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    /** The server's error code (`permission_denied`, …), or `network` when there was no answer. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function apiRequest<T>(session: Session, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = await session.idToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${session.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const { error, message } = (payload ?? {}) as { error?: unknown; message?: unknown };
    throw new ApiError(
      response.status,
      typeof error === 'string' ? error : 'http_error',
      typeof message === 'string' ? message : `The server answered ${response.status} ${response.statusText}.`,
    );
  }
  return payload as T;
}
