/**
 * A local stand-in for Google's OAuth 2.0 / OpenID Connect endpoints, speaking the wire
 * protocol so tests exercise the real google-auth-library `OAuth2Client`: the authorization
 * endpoint (which signs in at once as the identity the test chose and redirects back), the
 * token endpoint (PKCE S256, single-use codes, RS256 ID tokens) and both certs endpoints.
 * It can be told to fail and to issue bad ID tokens.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { GoogleEndpoints } from '../../server/auth/google-sign-in.js';

export interface FakeGoogleIdentity {
  email: string;
  emailVerified?: boolean;
  sub?: string;
}

/** How to spoil the next ID token. */
export interface IdTokenFault {
  audience?: string;
  /** exp an hour in the past, beyond the library's five-minute clock skew. */
  expired?: boolean;
  /** Signed by a key the certs endpoints do not publish, under the published key id. */
  wrongKey?: boolean;
  /** Signed under a key id the certs endpoints do not publish. */
  unknownKid?: boolean;
  nonce?: string;
  issuer?: string;
}

export type GoogleFakeEndpoint = 'authorize' | 'token' | 'certs';

export interface RecordedGoogleRequest {
  readonly endpoint: GoogleFakeEndpoint | 'other';
  readonly method: string;
  readonly path: string;
  /** Query or form parameters, with `code`, `code_verifier` and `client_secret` redacted. */
  readonly params: Readonly<Record<string, string>>;
  /** How the client authenticated at the token endpoint. */
  readonly clientAuth?: 'post' | 'basic' | 'none';
  status?: number;
}

export interface GoogleFake {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Pass as `createGoogleSignIn({ endpoints })`; the issuer is the real one, so production checks apply unchanged. */
  readonly endpoints: Required<Omit<GoogleEndpoints, 'issuers'>>;
  readonly requests: RecordedGoogleRequest[];
  /** Accept another redirect URI, like adding one in the Google Cloud console. */
  registerRedirectUri(uri: string): void;
  /** Who the next authorization signs in as (default DEFAULT_GOOGLE_IDENTITY). */
  nextIdentity(identity: FakeGoogleIdentity): void;
  /** Answer the next `count` requests to `endpoint` with `status` and a Google-shaped error; status 0 never answers. */
  failNext(endpoint: GoogleFakeEndpoint, status: number, options?: { error?: string; count?: number }): void;
  /** Spoil the ID token of the next successful token response. */
  nextIdToken(fault: IdTokenFault): void;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_GOOGLE_IDENTITY: Required<FakeGoogleIdentity> = {
  email: 'alice@example.com',
  emailVerified: true,
  sub: '104729000000000000001',
};
export const GOOGLE_ISSUER = 'https://accounts.google.com';

const REDACTED = new Set(['code', 'code_verifier', 'client_secret']);
const GRANTED_SCOPE = 'email openid https://www.googleapis.com/auth/userinfo.email';

interface Grant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  identity: Required<FakeGoogleIdentity>;
  used: boolean;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export interface GoogleFakeOptions {
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs registered for the client; others get Google's redirect_uri_mismatch. */
  redirectUris?: string[];
}

export async function startGoogleFake(options: GoogleFakeOptions = {}): Promise<GoogleFake> {
  const clientId = options.clientId ?? '123456789012-fake.apps.googleusercontent.com';
  const clientSecret = options.clientSecret ?? `GOCSPX-fake-${randomBytes(12).toString('hex')}`;
  const signingKey = { kid: randomBytes(20).toString('hex'), ...generateKeyPairSync('rsa', { modulusLength: 2048 }) };
  const rogueKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const grants = new Map<string, Grant>();
  const requests: RecordedGoogleRequest[] = [];
  let faults: { endpoint: GoogleFakeEndpoint; status: number; error?: string }[] = [];
  let identity: Required<FakeGoogleIdentity> = DEFAULT_GOOGLE_IDENTITY;
  let tokenFault: IdTokenFault | undefined;
  const redirectUris = new Set(options.redirectUris ?? []);

  const signJwt = (claims: Record<string, unknown>, key: KeyObject, kid: string) => {
    const input = `${b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  };

  const idTokenFor = (grant: Grant) => {
    const fault = tokenFault ?? {};
    tokenFault = undefined;
    // Two hours back makes exp an hour ago, well past the library's five-minute clock skew.
    const now = Math.floor(Date.now() / 1000) - (fault.expired ? 7200 : 0);
    const claims = {
      iss: fault.issuer ?? GOOGLE_ISSUER,
      azp: grant.clientId,
      aud: fault.audience ?? grant.clientId,
      sub: grant.identity.sub,
      email: grant.identity.email,
      email_verified: grant.identity.emailVerified,
      nonce: fault.nonce ?? grant.nonce,
      iat: now,
      exp: now + 3599,
    };
    return signJwt(claims, fault.wrongKey ? rogueKey : signingKey.privateKey, fault.unknownKid ? `rotated-${randomUUID()}` : signingKey.kid);
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  };
  // Google answers bad token requests with `{error, error_description}`; 401 for client auth.
  const oauthError = (res: ServerResponse, status: number, error: string, description: string) =>
    json(res, status, { error, error_description: description });

  const authorize = (params: URLSearchParams, res: ServerResponse) => {
    const get = (name: string) => params.get(name) ?? '';
    const scopes = get('scope').split(' ');
    const problem =
      get('client_id') !== clientId ? 'invalid_client'
      : !redirectUris.has(get('redirect_uri')) ? 'redirect_uri_mismatch'
      : get('response_type') !== 'code' ? 'unsupported_response_type'
      : !scopes.includes('openid') || !scopes.includes('email') ? 'invalid_scope'
      : get('code_challenge_method') !== 'S256' || !/^[\w-]{43}$/.test(get('code_challenge')) ? 'invalid_request'
      : !get('state') || !get('nonce') ? 'invalid_request'
      : undefined;
    // Google shows the person an error page and does not redirect.
    if (problem) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`Error 400: ${problem}`);
    const code = `4/0A${randomBytes(24).toString('base64url')}`;
    grants.set(code, { clientId, redirectUri: get('redirect_uri'), codeChallenge: get('code_challenge'), nonce: get('nonce'), identity, used: false });
    identity = DEFAULT_GOOGLE_IDENTITY;
    const location = new URL(get('redirect_uri'));
    location.searchParams.set('state', get('state'));
    location.searchParams.set('code', code);
    location.searchParams.set('scope', GRANTED_SCOPE);
    res.writeHead(302, { location: location.href }).end();
  };

  const token = (form: URLSearchParams, basic: [string, string] | undefined, res: ServerResponse) => {
    const [id, secret] = basic ?? [form.get('client_id'), form.get('client_secret')];
    if (id !== clientId || secret !== clientSecret) return oauthError(res, 401, 'invalid_client', 'Unauthorized');
    if (form.get('grant_type') !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type', 'Invalid grant_type');
    const grant = grants.get(form.get('code') ?? '');
    if (!grant || grant.used) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
    grant.used = true;
    if (form.get('redirect_uri') !== grant.redirectUri) return oauthError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
    const verifier = form.get('code_verifier');
    if (!verifier) return oauthError(res, 400, 'invalid_grant', 'Missing code verifier.');
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge) {
      return oauthError(res, 400, 'invalid_grant', 'Invalid code verifier.');
    }
    json(res, 200, {
      access_token: `ya29.fake-${randomUUID()}`,
      expires_in: 3599,
      scope: GRANTED_SCOPE,
      token_type: 'Bearer',
      id_token: idTokenFor(grant),
    }, { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' });
  };

  const certsCache = { 'cache-control': 'public, max-age=20000, must-revalidate, no-transform' };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const endpoint: RecordedGoogleRequest['endpoint'] =
      url.pathname === '/o/oauth2/v2/auth' ? 'authorize'
      : url.pathname === '/token' ? 'token'
      : url.pathname.startsWith('/oauth2/') ? 'certs'
      : 'other';
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const params = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    const authorization = req.headers.authorization ?? '';
    const basic = authorization.startsWith('Basic ')
      ? (Buffer.from(authorization.slice(6), 'base64').toString().split(':').map(decodeURIComponent) as [string, string])
      : undefined;
    const recorded: RecordedGoogleRequest = {
      endpoint,
      method: req.method ?? '',
      path: url.pathname,
      params: Object.fromEntries([...params].map(([k, v]) => [k, REDACTED.has(k) ? '[redacted]' : v])),
      ...(endpoint === 'token' ? { clientAuth: basic ? 'basic' : params.has('client_secret') ? 'post' : 'none' } : {}),
    };
    requests.push(recorded);
    res.on('finish', () => (recorded.status = res.statusCode));

    const fault = faults.findIndex((f) => f.endpoint === endpoint);
    if (fault >= 0) {
      const [{ status, error }] = faults.splice(fault, 1) as [(typeof faults)[number]];
      if (status === 0) return; // hang until the client gives up or the fake closes
      const name = error ?? (status === 400 ? 'invalid_grant' : status >= 500 ? 'internal_failure' : 'invalid_request');
      return oauthError(res, status, name, status >= 500 ? 'Backend Error' : 'Bad Request');
    }
    if (endpoint === 'authorize' && req.method === 'GET') return authorize(params, res);
    if (endpoint === 'token' && req.method === 'POST') return token(params, basic, res);
    if (url.pathname === '/oauth2/v1/certs') {
      return json(res, 200, { [signingKey.kid]: signingKey.publicKey.export({ type: 'spki', format: 'pem' }) }, certsCache);
    }
    if (url.pathname === '/oauth2/v3/certs') {
      const jwk = { ...signingKey.publicKey.export({ format: 'jwk' }), kid: signingKey.kid, alg: 'RS256', use: 'sig' };
      return json(res, 200, { keys: [jwk] }, certsCache);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clientId,
    clientSecret,
    endpoints: {
      authorizationUrl: `${url}/o/oauth2/v2/auth`,
      tokenUrl: `${url}/token`,
      certsUrl: `${url}/oauth2/v1/certs`,
      jwksUrl: `${url}/oauth2/v3/certs`,
    },
    requests,
    registerRedirectUri: (uri) => void redirectUris.add(uri),
    nextIdentity: (next) => {
      identity = { ...DEFAULT_GOOGLE_IDENTITY, sub: `1047${randomBytes(8).readBigUInt64BE()}`, ...next };
    },
    failNext: (endpoint, status, { error, count = 1 } = {}) => {
      for (let i = 0; i < count; i++) faults.push({ endpoint, status, ...(error ? { error } : {}) });
    },
    nextIdToken: (fault) => void (tokenFault = fault),
    reset: () => {
      grants.clear();
      requests.length = 0;
      faults = [];
      identity = DEFAULT_GOOGLE_IDENTITY;
      tokenFault = undefined;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  } satisfies GoogleFake;
}
