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
    throw unreachable();
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw errorOf(response.status, response.statusText, payload);
  return payload as T;
}

/**
 * Sends a file as the raw request body (POST), reporting upload progress as a fraction
 * (fetch cannot report it: XMLHttpRequest can). Errors as apiRequest's.
 */
export async function apiUpload<T>(session: Session, path: string, file: Blob, onProgress?: (fraction: number) => void): Promise<T> {
  const token = await session.idToken();
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${session.baseUrl}${path}`);
    request.setRequestHeader('accept', 'application/json');
    request.setRequestHeader('content-type', 'application/octet-stream');
    if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
    if (onProgress) request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onerror = () => reject(unreachable());
    request.onload = () => {
      let payload: unknown;
      try {
        payload = JSON.parse(request.responseText);
      } catch {
        payload = undefined;
      }
      if (request.status >= 200 && request.status < 300) return resolve(payload as T);
      reject(errorOf(request.status, request.statusText, payload));
    };
    request.send(file);
  });
}

/** An image the API serves only to a signed-in caller (an upload's thumbnail), as a Blob for `URL.createObjectURL`. */
export async function apiBlob(session: Session, path: string): Promise<Blob> {
  const token = await session.idToken();
  let response: Response;
  try {
    response = await fetch(`${session.baseUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  } catch {
    throw unreachable();
  }
  if (!response.ok) throw errorOf(response.status, response.statusText, await response.json().catch(() => undefined));
  return response.blob();
}

function errorOf(status: number, statusText: string, payload: unknown): ApiError {
  const { error, message } = (payload ?? {}) as { error?: unknown; message?: unknown };
  return new ApiError(
    status,
    typeof error === 'string' ? error : 'http_error',
    typeof message === 'string' ? message : `The server answered ${status} ${statusText}.`,
  );
}

function unreachable(): ApiError {
  return new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
}
