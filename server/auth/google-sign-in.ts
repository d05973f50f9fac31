/**
 * Google as the upstream identity provider of our OAuth server: we send the user to
 * Google (scopes `openid email`, PKCE S256, a nonce, our own `state`), Google sends a code
 * back to `/auth/callback`, and `exchange` turns it into a verified identity.
 *
 * This adapter only does I/O and translates failures into AppErrors. google-auth-library's
 * own error messages embed the whole ID token, its payload and (in `config`) the form we
 * posted with the code and client secret, so they are never logged or attached as `cause`:
 * only a short reason is.
 */
import { CodeChallengeMethod, OAuth2Client, type TokenPayload } from 'google-auth-library';
import { AppError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

/** Who signed in. `emailVerified` is always true: `exchange` refuses unverified addresses. */
export interface GoogleIdentity {
  readonly sub: string;
  /** Lower-cased. */
  readonly email: string;
  readonly emailVerified: boolean;
}

/** One Google sign-in: the URL to send the user to, then the code exchange. */
export interface GoogleSignIn {
  /** Google's authorization URL for one sign-in. */
  authorizationUrl(params: { state: string; nonce: string; codeChallenge: string }): string;
  /**
   * Exchanges the code Google returned; verifies the ID token (signature, audience = our
   * client id, issuer, expiry, nonce) and that Google has verified the email address.
   * Throws AppError: UNAUTHENTICATED (bad or expired code, bad token), PERMISSION_DENIED
   * (unverified email), UNAVAILABLE (Google unreachable or failing), INTERNAL (our client
   * id or secret is rejected).
   */
  exchange(params: { code: string; codeVerifier: string; nonce: string }): Promise<GoogleIdentity>;
}

/** Where Google lives; tests point these at a fake. Omitted fields use Google's real URLs. */
export interface GoogleEndpoints {
  readonly authorizationUrl?: string;
  readonly tokenUrl?: string;
  /** Google's v1 certs: `{kid: PEM}`. This is what the library fetches under Node. */
  readonly certsUrl?: string;
  /** Google's v3 certs (JWKS); used by the library only in browsers. */
  readonly jwksUrl?: string;
  /** Accepted `iss` values. */
  readonly issuers?: readonly string[];
}

export interface GoogleSignInOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Our `/auth/callback` URL, exactly as registered with Google. */
  readonly redirectUri: string;
  readonly endpoints?: GoogleEndpoints;
  /**
   * Per HTTP request to Google (default 5 s). The library retries a 5xx or 429 three times
   * and a request without an answer twice, so a hung Google costs three timeouts.
   */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * The library's default issuer list also contains its "universe domain" (`googleapis.com`),
 * which is no ID token issuer; we accept only Google's two documented values.
 */
export const GOOGLE_ISSUERS: readonly string[] = ['https://accounts.google.com', 'accounts.google.com'];

/**
 * Google's sign-in endpoints served by a stand-in under one base URL (IMG_GOOGLE_BASE_URL),
 * at Google's own paths: `/o/oauth2/v2/auth`, `/token`, `/oauth2/v1/certs`, `/oauth2/v3/certs`.
 * ID tokens may name Google as their issuer or the stand-in's base URL.
 */
export function googleEndpointsAt(baseUrl: string): GoogleEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    authorizationUrl: `${base}/o/oauth2/v2/auth`,
    tokenUrl: `${base}/token`,
    certsUrl: `${base}/oauth2/v1/certs`,
    jwksUrl: `${base}/oauth2/v3/certs`,
    issuers: [...GOOGLE_ISSUERS, base],
  };
}

const SIGN_IN_FAILED = 'Google sign-in failed or expired; please try connecting again.';
const GOOGLE_UNAVAILABLE = 'Google sign-in is unavailable right now; please try again in a moment.';
const MISCONFIGURED = 'Google sign-in is not configured correctly on this server; please tell the administrator.';

export function createGoogleSignIn(options: GoogleSignInOptions): GoogleSignIn {
  const { clientId, clientSecret, redirectUri, endpoints = {}, timeoutMs = 5_000, logger = silentLogger } = options;
  const log = logger.child({ component: 'google-sign-in' });
  const client = new OAuth2Client({
    clientId,
    clientSecret,
    redirectUri,
    issuers: [...(endpoints.issuers ?? GOOGLE_ISSUERS)],
    transporterOptions: { timeout: timeoutMs },
    endpoints: {
      ...(endpoints.authorizationUrl ? { oauth2AuthBaseUrl: endpoints.authorizationUrl } : {}),
      ...(endpoints.tokenUrl ? { oauth2TokenUrl: endpoints.tokenUrl } : {}),
      ...(endpoints.certsUrl ? { oauth2FederatedSignonPemCertsUrl: endpoints.certsUrl } : {}),
      ...(endpoints.jwksUrl ? { oauth2FederatedSignonJwkCertsUrl: endpoints.jwksUrl } : {}),
    },
  });

  const fail = (status: AppError['status'], message: string, reason: string): AppError => {
    const logFields = { reason, status };
    if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') log.warn('Google sign-in refused', logFields);
    else log.error('Google sign-in failed', logFields);
    return new AppError(status, message, { cause: new Error(`google sign-in: ${reason}`) });
  };

  return {
    authorizationUrl({ state, nonce, codeChallenge }) {
      return client.generateAuthUrl({
        scope: ['openid', 'email'],
        access_type: 'online',
        prompt: 'select_account',
        code_challenge_method: CodeChallengeMethod.S256,
        code_challenge: codeChallenge,
        state,
        nonce,
        redirect_uri: redirectUri,
      });
    },

    async exchange({ code, codeVerifier, nonce }) {
      let idToken: string | null | undefined;
      try {
        ({ tokens: { id_token: idToken } } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri }));
      } catch (err) {
        throw tokenEndpointError(err, fail);
      }
      if (!idToken) throw fail('UNAUTHENTICATED', SIGN_IN_FAILED, 'token response without id_token');

      let payload: TokenPayload | undefined;
      try {
        // The audience must always be passed: without it the library checks none.
        payload = (await client.verifyIdToken({ idToken, audience: clientId })).getPayload();
      } catch (err) {
        if (isTransportError(err)) throw fail('UNAVAILABLE', GOOGLE_UNAVAILABLE, `certificates: ${transportReason(err)}`);
        throw fail('UNAUTHENTICATED', SIGN_IN_FAILED, `id token rejected: ${verifyReason(err)}`);
      }
      if (!payload) throw fail('UNAUTHENTICATED', SIGN_IN_FAILED, 'id token without payload');
      // The library does not know our nonce; a mismatch means a replayed or injected token.
      if (typeof payload.nonce !== 'string' || payload.nonce !== nonce) {
        throw fail('UNAUTHENTICATED', SIGN_IN_FAILED, 'id token nonce mismatch');
      }
      if (!payload.sub || !payload.email) throw fail('UNAUTHENTICATED', SIGN_IN_FAILED, 'id token without sub or email');
      const email = payload.email.toLowerCase();
      if (payload.email_verified !== true) {
        throw fail(
          'PERMISSION_DENIED',
          `Google says the email address ${email} is not verified. Verify it with Google, then connect again.`,
          'email not verified',
        );
      }
      return { sub: payload.sub, email, emailVerified: true };
    },
  };
}

/** GaxiosError, duck-typed: the library bundles its own copy of gaxios. */
interface TransportError {
  readonly config: unknown;
  readonly status?: number;
  readonly code?: string | number;
  readonly response?: { readonly status?: number; readonly data?: unknown };
}

function isTransportError(err: unknown): err is TransportError {
  return typeof err === 'object' && err !== null && 'config' in err;
}

function transportReason(err: TransportError): string {
  const status = err.response?.status ?? err.status;
  if (status) return `HTTP ${status}`;
  // A timeout surfaces as an AbortError cause (and is not retried); a refused connection as a code.
  const cause: unknown = (err as { cause?: unknown }).cause;
  const kind = typeof err.code === 'string' ? err.code : cause instanceof Error ? cause.name : 'network error';
  return `no response (${kind.replace(/[^\w]/g, '').slice(0, 40)})`;
}

function tokenEndpointError(
  err: unknown,
  fail: (status: AppError['status'], message: string, reason: string) => AppError,
): AppError {
  if (!isTransportError(err)) return fail('UNAUTHENTICATED', SIGN_IN_FAILED, 'token exchange failed');
  const status = err.response?.status ?? err.status;
  const data = err.response?.data;
  const oauthError =
    typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string'
      ? data.error.replace(/[^a-z_]/gi, '').slice(0, 40)
      : undefined;
  const reason = `token endpoint: ${transportReason(err)}${oauthError ? ` ${oauthError}` : ''}`;
  if (!status || status === 408 || status === 429 || status >= 500) return fail('UNAVAILABLE', GOOGLE_UNAVAILABLE, reason);
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') return fail('INTERNAL', MISCONFIGURED, reason);
  return fail('UNAUTHENTICATED', SIGN_IN_FAILED, reason);
}

/** The library's verification messages, reduced to their fixed prefix (the rest embeds the token). */
const VERIFY_REASONS: readonly [prefix: string, reason: string][] = [
  ['Wrong number of segments', 'malformed'],
  ["Can't parse token", 'malformed'],
  ['No pem found', 'unknown signing key'],
  ['Invalid token signature', 'bad signature'],
  ['No issue time', 'no iat'],
  ['No expiration time', 'no exp'],
  ['iat field', 'bad iat'],
  ['exp field', 'bad exp'],
  ['Expiration time too far', 'exp too far in the future'],
  ['Token used too early', 'not yet valid'],
  ['Token used too late', 'expired'],
  ['Invalid issuer', 'wrong issuer'],
  ['Wrong recipient', 'wrong audience'],
];

function verifyReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  return VERIFY_REASONS.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'unrecognised error';
}
