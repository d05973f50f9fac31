/**
 * Sign-in end to end: two app instances sharing one set of stores behind a proxy that
 * sends each request to the next instance in turn (so authorize, callback, token and tool
 * calls land on different instances), Google faked over HTTP, and an MCP client that signs
 * in with the SDK's own OAuth support, playing the browser by following the redirects.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createFirebaseIdTokenVerifier } from '../../server/api/id-token-verifier.js';
import { createApp } from '../../server/app.js';
import { oauthRoutes } from '../../server/auth/auth-routes.js';
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
        }),
      },
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

/** An OAuthClientProvider that keeps everything in memory and hands the authorization URL to the test. */
export class TestOAuthClient implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;

  get redirectUrl(): string {
    return CLIENT_REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'E2E Test Client', redirect_uris: [CLIENT_REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
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
}

/** Plays the browser: authorization URL → consent (approve) → Google → our callback → the client's redirect. */
export async function approveInBrowser(authorizationUrl: URL, decision: 'approve' | 'deny' = 'approve'): Promise<URL> {
  const consent = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await consent.text();
  const ticket = /name="ticket" value="([^"]+)"/.exec(html)?.[1];
  if (consent.status !== 200 || !ticket) throw new Error(`no consent page (${consent.status}): ${html.slice(0, 300)}`);
  let response = await fetch(new URL('/authorize/consent', authorizationUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ticket, decision }).toString(),
  });
  for (let hops = 0; hops < 5; hops++) {
    const location = response.headers.get('location');
    if (!location) throw new Error(`redirect chain ended at ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const next = new URL(location, response.url || authorizationUrl);
    if (next.href.startsWith(CLIENT_REDIRECT)) return next;
    response = await fetch(next, { redirect: 'manual' });
  }
  throw new Error('too many redirects');
}

/** Connects the way a connector does: 401 → register → authorize (approved in the "browser") → token → connected. */
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
  const back = await approveInBrowser(provider.authorizationUrl);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`sign-in refused: ${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`);
  await pending.finishAuth(code);
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport());
  return { client, provider };
}
