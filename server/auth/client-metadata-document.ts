/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a
 * client's `client_id` is an https URL, and the JSON document found there describes the
 * client. This module decides which such URLs we accept and which documents, for pinned and
 * fetched documents alike. Pure: fetching lives in client-metadata-fetcher.ts.
 *
 * We accept public clients only (no secrets, no keys), and redirect URIs that either stay on
 * the user's machine or on the site that hosts the document, so that a document hosted at one
 * site cannot send our users, with an authorization code, somewhere else.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** The fields of a client metadata document we keep; everything else is dropped. */
export interface ClientMetadataDocument {
  readonly client_id: string;
  readonly client_name?: string;
  readonly client_uri?: string;
  readonly redirect_uris: readonly string[];
  readonly grant_types?: readonly string[];
  readonly response_types?: readonly string[];
  readonly token_endpoint_auth_method: 'none';
}

/**
 * A client id or document we refuse. The message reaches the client (and the user) in an
 * OAuth `invalid_client` error, so it says what was wrong and what we accept, and never
 * quotes the document.
 */
export class ClientMetadataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientMetadataError';
  }
}

export const MAX_CLIENT_ID_LENGTH = 512;
const MAX_URI_LENGTH = 2048;
const MAX_REDIRECT_URIS = 10;
const MAX_CLIENT_NAME_LENGTH = 200;
const MAX_LIST_LENGTH = 10;
const MAX_TYPE_LENGTH = 256;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const CLIENT_ID_FORM =
  'a client id must be an https URL with a path, on the default port, with a domain name as its host, ' +
  'and without query, fragment, user name or dot segments';

/**
 * Why `clientId` is not a client id URL we accept, or its URL. Beyond the draft's rules, we
 * refuse a query (the draft allows one; no client we know needs it, and it invites cache
 * busting) and a port other than 443: the draft allows one, but it would let anyone point our
 * server at any service on any public host, and real clients (Claude's) use the default port.
 */
export function checkClientIdUrl(clientId: string): { readonly url: URL } | { readonly problem: string } {
  if (clientId.length > MAX_CLIENT_ID_LENGTH) return { problem: `it is longer than ${MAX_CLIENT_ID_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return { problem: 'it is not an absolute URL' };
  }
  if (url.protocol !== 'https:') return { problem: 'it does not use https' };
  if (url.username !== '' || url.password !== '') return { problem: 'it contains a user name or password' };
  // Checked on the raw string: URL drops an empty '#' or '?' from `hash` and `search`.
  if (clientId.includes('#')) return { problem: 'it has a fragment' };
  if (clientId.includes('?')) return { problem: 'it has a query' };
  if (url.port !== '') return { problem: 'it names a port (only the default port, 443, is accepted)' };
  if (url.hostname.startsWith('[') || isIP(url.hostname) !== 0) return { problem: 'its host is an IP address, not a domain name' };
  // Also on the raw string: URL resolves '.', '..' and their escaped forms away.
  if (/\/(?:\.|%2e){1,2}(?:\/|$)/i.test(clientId)) return { problem: "its path has '.' or '..' segments" };
  if (url.pathname === '/') return { problem: 'it has no path' };
  // Client ids are compared as strings, so only the form a URL parser writes back is accepted
  // (lower-case host, no ':443', nothing the parser would re-escape or strip).
  if (url.href !== clientId) return { problem: `it is not in canonical form (that would be ${url.href})` };
  return { url };
}

/** The URL of a client id we accept (see checkClientIdUrl), else undefined. */
export function parseClientIdUrl(clientId: string): URL | undefined {
  const checked = checkClientIdUrl(clientId);
  return 'url' in checked ? checked.url : undefined;
}

/** The message for a client id checkClientIdUrl refused; does not quote the (unchecked) id. */
export function clientIdRefusal(problem: string): string {
  return `The client_id is not a client metadata document URL we accept: ${problem}; ${CLIENT_ID_FORM}.`;
}

// Characters that could make a name on the consent screen read as something else: control
// characters, and the bidirectional overrides and isolates that reorder text.
const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const typeList = (must: string) =>
  z
    .array(z.string({ error: 'must be a string' }).max(MAX_TYPE_LENGTH, { error: `must be at most ${MAX_TYPE_LENGTH} characters` }), {
      error: 'must be a list of strings',
    })
    .max(MAX_LIST_LENGTH, { error: `must list at most ${MAX_LIST_LENGTH} values` })
    .refine((values) => values.includes(must), { error: `must include "${must}"` });

// Each message completes a sentence that starts with the field's name.
const documentSchema = z.object({
  client_id: z.string({ error: (issue) => (issue.input === undefined ? 'is missing' : 'must be a string') }),
  client_name: z
    .string({ error: 'must be a string' })
    .transform((name) => name.replace(UNSAFE_NAME_CHARACTERS, '').trim())
    .pipe(z.string().max(MAX_CLIENT_NAME_LENGTH, { error: `must be at most ${MAX_CLIENT_NAME_LENGTH} characters` }))
    .optional(),
  client_uri: z
    .string({ error: 'must be a string' })
    .max(MAX_URI_LENGTH, { error: `must be at most ${MAX_URI_LENGTH} characters` })
    .refine(isHttpsUrl, { error: 'must be an https URL without user name or password' })
    .optional(),
  redirect_uris: z
    .array(z.string({ error: 'must be a string' }).max(MAX_URI_LENGTH, { error: `must be at most ${MAX_URI_LENGTH} characters` }), {
      error: (issue) => (issue.input === undefined ? 'is missing; at least one redirect URI is required' : 'must be a list of URIs'),
    })
    .min(1, { error: 'must list at least one URI' })
    .max(MAX_REDIRECT_URIS, { error: `must list at most ${MAX_REDIRECT_URIS} URIs` }),
  grant_types: typeList('authorization_code').optional(),
  response_types: typeList('code').optional(),
  token_endpoint_auth_method: z
    .literal('none', { error: 'must be "none" or absent: only public clients (no client secret or key) are accepted' })
    .optional(),
});

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * Why a redirect URI is refused, or undefined. `clientHost` is the client id URL's host (it
 * has no port, so an https redirect URI on it must use the default port too).
 */
function redirectUriProblem(uri: string, clientHost: string): string | undefined {
  // What we check must be what a browser follows: no characters a URL parser strips or rewrites.
  if (!/^[\x21-\x7e]+$/.test(uri) || uri.includes('\\')) return 'contains spaces, backslashes or non-ASCII characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (uri.includes('#')) return 'has a fragment';
  if (url.username !== '' || url.password !== '') return 'has a user name or password';
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.protocol === 'https:' && url.host === clientHost) return undefined;
  return `is neither http on localhost, 127.0.0.1 or [::1] (any port) nor https on ${clientHost}, the client id's host`;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/**
 * The document for `clientId`, parsed from untrusted JSON, with only the fields we keep.
 * Throws ClientMetadataError, naming the first problem, unless the document is one we accept.
 */
export function parseClientMetadataDocument(clientId: string, json: unknown): ClientMetadataDocument {
  const checked = checkClientIdUrl(clientId);
  if ('problem' in checked) throw new ClientMetadataError(clientIdRefusal(checked.problem));
  const refuse = (problem: string) =>
    new ClientMetadataError(`The client metadata document at ${clientId} is not accepted: ${problem}.`);

  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw refuse('it is not a JSON object');
  if (Object.hasOwn(json, 'client_secret') || Object.hasOwn(json, 'client_secret_expires_at')) {
    throw refuse('it has a client_secret, but only public clients (without a secret) are accepted');
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refuse(issue ? `${fieldName(issue.path)} ${issue.message}` : 'it is not a valid client metadata document');
  }
  const document = parsed.data;
  // A plain string comparison, as the draft requires: no normalisation of either side.
  if (document.client_id !== clientId) throw refuse('its client_id is not exactly the URL it was read from');
  for (const [i, uri] of document.redirect_uris.entries()) {
    const problem = redirectUriProblem(uri, checked.url.host);
    if (problem !== undefined) throw refuse(`redirect_uris[${i}] ${problem}`);
  }

  return Object.freeze({
    client_id: document.client_id,
    ...(document.client_name ? { client_name: document.client_name } : {}),
    ...(document.client_uri !== undefined ? { client_uri: document.client_uri } : {}),
    redirect_uris: Object.freeze([...document.redirect_uris]),
    ...(document.grant_types !== undefined ? { grant_types: Object.freeze([...document.grant_types]) } : {}),
    ...(document.response_types !== undefined ? { response_types: Object.freeze([...document.response_types]) } : {}),
    token_endpoint_auth_method: 'none',
  });
}
