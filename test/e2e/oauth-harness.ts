/**
 * Sign-in end to end: two app instances sharing one set of stores behind a proxy that
 * sends each request to the next instance in turn (so authorize, callback, token and tool
 * calls land on different instances), Google faked over HTTP, and an MCP client that signs
 * in with the SDK's own OAuth support (v2 client), playing the browser (cookies included) by
 * following the redirects.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { createFirebaseIdTokenVerifier } from '../../server/api/id-token-verifier.js';
import { createApp } from '../../server/app.js';
import { oauthRoutes } from '../../server/auth/auth-routes.js';
import type { ClientMetadataSource } from '../../server/auth/client-metadata-fetcher.js';
import { createGoogleSignIn } from '../../server/auth/google-sign-in.js';
import { createGeminiImageGenerator } from '../../server/gemini/gemini-image-generator.js';
import { createLogger, silentLogger } from '../../server/log.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import { startGoogleFake, type GoogleFake } from '../fakes/google-fake.js';
import { AUTH_EMULATOR_PROJECT } from '../support/auth-emulator.js';
import { forward } from '../support/forward.js';
import { openStoreKit, type StoreKind, type StoreKit } from '../support/store-kits.js';
import { everyModelServed } from '../support/models.js';

export const SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789abcdef';
export const ALLOWED = 'ada@example.com';
export const ADMIN = 'root@example.com';
export const CLIENT_REDIRECT = 'http://localhost:33418/oauth/callback';

/** A form POST, as OAuth clients send to /token and /revoke; redirects are not followed. */
export const form = (params: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(params).toString(),
  redirect: 'manual' as const,
});
/** tools/list with a bearer token, over raw HTTP: the status says whether the token is accepted. */
export const mcpList = (url: string, token: string) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
/** PKCE S256. */
export const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export interface OAuthTestServer {
  /** The one public URL (the proxy); instances behind it take turns. */
  readonly url: string;
  readonly google: GoogleFake;
  readonly gemini: GeminiFake;
  readonly kit: StoreKit;
  /** How many requests each instance served. */
  readonly served: number[];
  close(): Promise<void>;
}

export async function startOAuthServers(
  options: {
    store?: StoreKind;
    instances?: number;
    allowed?: string[];
    logLines?: string[];
    /** Check the dashboard API's callers with the Firebase Auth emulator. */
    dashboardSignIn?: boolean;
    /** Wraps the record store, e.g. to make reads fail. */
    records?: (store: RecordStore) => RecordStore;
    /** Client metadata documents for URL client ids (default: the pinned copies, else fetched). */
    clientMetadata?: ClientMetadataSource;
    /** As IMG_TRUSTED_PROXIES; the proxy in front of the instances adds no X-Forwarded-For. */
    trustedProxies?: number;
    /** As IMG_MONTHLY_BUDGET_USD. */
    monthlyBudgetUsd?: number;
  } = {},
): Promise<OAuthTestServer> {
  const logger = options.logLines ? createLogger((line) => options.logLines?.push(line), {}, 'DEBUG') : silentLogger;
  const kit = await openStoreKit(options.store ?? 'local');
  const google = await startGoogleFake();
  const gemini = await startGeminiFake();
  const proxy = createServer();
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(proxy.address() as AddressInfo).port}`;
  google.registerRedirectUri(`${url}/auth/callback`);

  const allowedEmails = options.allowed ?? [ALLOWED];
  const dashboard = options.dashboardSignIn
    ? {
        dashboardAuth: { kind: 'firebase' as const, verifier: await createFirebaseIdTokenVerifier(AUTH_EMULATOR_PROJECT), allowedEmails, adminEmails: [ADMIN] },
      }
    : {};
  const instances: Server[] = [];
  for (let i = 0; i < (options.instances ?? 2); i++) {
    const app = createApp({
      auth: {
        kind: 'oauth',
        routes: oauthRoutes({
          publicUrl: url,
          signingKey: SIGNING_KEY,
          state: kit.authState,
          google: createGoogleSignIn({ clientId: google.clientId, clientSecret: google.clientSecret, redirectUri: `${url}/auth/callback`, endpoints: google.endpoints, logger }),
          allowedEmails,
          adminEmails: [ADMIN],
          logger,
          ...(options.clientMetadata ? { clientMetadata: options.clientMetadata } : {}),
        }),
      },
      ...(options.trustedProxies !== undefined ? { trustedProxies: options.trustedProxies } : {}),
      ...(options.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: options.monthlyBudgetUsd } : {}),
      ...dashboard,
      publicUrl: url,
      ...everyModelServed(),
      images: kit.images,
      records: options.records ? options.records(kit.records) : kit.records,
      generator: createGeminiImageGenerator({ backend: { kind: 'api-key', apiKey: gemini.apiKey }, baseUrl: gemini.url, timeoutMs: 5000, maxRetries: 0, retryBaseDelayMs: 5, logger }),
      logger,
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instances.push(server);
  }

  const served = instances.map(() => 0);
  let next = 0;
  proxy.on('request', (req, res) => {
    const index = next++ % instances.length;
    served[index] = (served[index] ?? 0) + 1;
    const { port } = instances[index]!.address() as AddressInfo;
    forward(req, res, { host: '127.0.0.1', port });
  });

  return {
    url,
    google,
    gemini,
    kit,
    served,
    async close() {
      for (const server of [proxy, ...instances]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await Promise.all([google.close(), gemini.close()]);
      await kit.close();
    },
  };
}

/**
 * An OAuthClientProvider that keeps everything in memory and hands the authorization URL to the
 * test. By default it registers (RFC 7591) with a loopback redirect; with `clientMetadataUrl` it
 * identifies itself by that metadata document instead (CIMD), as Claude.ai and Claude Code do.
 */
export class TestOAuthClient implements OAuthClientProvider {
  client?: StoredOAuthClientInformation;
  saved?: StoredOAuthTokens;
  verifier = '';
  authorizationUrl?: URL;
  discovery?: OAuthDiscoveryState;
  readonly clientMetadataUrl?: string;

  constructor(private readonly options: { clientMetadataUrl?: string; redirectUrl?: string } = {}) {
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl ?? CLIENT_REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'E2E Test Client', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  // Kept, so the SDK checks that the callback's authorization server is the one it started with.
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/**
 * A browser, as far as sign-in needs one: it keeps the cookies our server sets (for its own
 * origin only, never sent to Google's stand-in) and sends them back, like a browser with
 * SameSite=Lax cookies on top-level navigations and same-origin form posts.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  async fetch(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    if (target.origin === this.origin && this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    if (target.origin === this.origin) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
    }
    return response;
  }
}

/** The consent page's ticket, from the page a browser was shown. */
export async function consentTicket(response: Response): Promise<string> {
  const html = await response.text();
  const ticket = /name="ticket" value="([^"]+)"/.exec(html)?.[1];
  if (response.status !== 200 || !ticket) throw new Error(`no consent page (${response.status}): ${html.slice(0, 300)}`);
  return ticket;
}

/** Submits the consent form as the page's own browser does. */
export function submitConsent(browser: TestBrowser, ticket: string, decision: 'approve' | 'deny', headers: Record<string, string> = {}): Promise<Response> {
  return browser.fetch(new URL('/authorize/consent', browser.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ ticket, decision }).toString(),
  });
}

/** Follows redirects in `browser` until one leads to the client's redirect URI (starting with `redirectPrefix`). */
export async function followToClient(browser: TestBrowser, response: Response, redirectPrefix = CLIENT_REDIRECT): Promise<URL> {
  for (let hops = 0; hops < 5; hops++) {
    const location = response.headers.get('location');
    if (!location) throw new Error(`redirect chain ended at ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const next = new URL(location, response.url);
    if (next.href.startsWith(redirectPrefix)) return next;
    response = await browser.fetch(next);
  }
  throw new Error('too many redirects');
}

/** Plays the browser: authorization URL → consent (approve) → Google → our callback → the client's redirect. */
export async function approveInBrowser(
  authorizationUrl: URL,
  decision: 'approve' | 'deny' = 'approve',
  options: { redirectPrefix?: string; browser?: TestBrowser } = {},
): Promise<URL> {
  const browser = options.browser ?? new TestBrowser(authorizationUrl.origin);
  const ticket = await consentTicket(await browser.fetch(authorizationUrl));
  return followToClient(browser, await submitConsent(browser, ticket, decision), options.redirectPrefix);
}

/**
 * Connects the way a connector does: 401 → register (or a metadata document URL) → authorize
 * (approved in the "browser") → token → connected. The callback goes through the v2 SDK
 * client's `finishAuth`, which checks `iss` against the metadata's `issuer` (RFC 9207) as
 * Claude's clients do.
 */
export async function connectWithSignIn(url: string, provider = new TestOAuthClient()): Promise<{ client: Client; provider: TestOAuthClient }> {
  const transport = () => new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { authProvider: provider });
  const first = new Client({ name: 'e2e', version: '1.0.0' });
  const pending = transport();
  try {
    await first.connect(pending);
    return { client: first, provider }; // already had valid tokens
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !provider.authorizationUrl) throw err;
  }
  const back = await approveInBrowser(provider.authorizationUrl, 'approve', { redirectPrefix: provider.redirectUrl });
  if (!back.searchParams.get('code')) throw new Error(`sign-in refused: ${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`);
  await pending.finishAuth(back.searchParams);
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport());
  return { client, provider };
}
