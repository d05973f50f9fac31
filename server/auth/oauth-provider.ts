/**
 * Our OAuth 2.1 authorization server, behind the MCP SDK's handlers (kept on the SDK's frozen
 * v1 copy `@modelcontextprotocol/server-legacy/auth`; the v2 line keeps only resource-server
 * helpers). Clients identify themselves by a client metadata document URL (CIMD) or register
 * dynamically; users consent and sign in with Google; clients get our own tokens. Every piece
 * of state lives in the AuthStateStore, so any instance serves any step.
 */
import type { Response } from 'express';
import {
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidGrantError,
  InvalidTargetError,
  InvalidTokenError,
  type AuthInfo,
  type AuthorizationParams,
  type OAuthRegisteredClientsStore,
  type OAuthServerProvider,
} from '@modelcontextprotocol/server-legacy/auth';
import type { OAuthClientInformationFull, OAuthTokenRevocationRequest, OAuthTokens } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import type { AuthRecord, AuthRecords, GrantRef, PendingAuthorization, RegisteredClient } from './auth-records.js';
import type { BrowserBinding } from './browser-binding.js';
import { ClientMetadataError } from './client-metadata-document.js';
import type { ClientMetadataSource } from './client-metadata-fetcher.js';
import { CONSENT_PAGE_CSP, consentPage } from './consent-page.js';
import { isAllowedRedirectUri } from './redirect-uris.js';
import { hashOf, randomToken, type TokenIssuer } from './tokens.js';

export const CODE_SECONDS = 300;
export const REFRESH_TOKEN_DAYS = 90;
export const CONSENT_SECONDS = 600;
/** How long a used code is remembered, so that a replay revokes what it was exchanged for. */
const USED_CODE_SECONDS = 24 * 3600;
/** A registration with which nobody signs in is forgotten after this; each sign-in or refresh extends it to REFRESH_TOKEN_DAYS. */
const UNUSED_REGISTRATION_SECONDS = 24 * 3600;
/** What one registration may hold: its request body, and its lists and name. */
export const REGISTRATION_MAX_BYTES = 8 * 1024;
const MAX_REDIRECT_URIS = 10;
const MAX_CLIENT_NAME = 200;

export interface OAuthProviderDeps {
  readonly records: AuthRecords;
  readonly tokens: TokenIssuer;
  /** The MCP endpoint, the only resource we issue tokens for. */
  readonly resource: string;
  /** Client metadata documents by client id URL (pinned copies, else fetched). */
  readonly clientMetadata: ClientMetadataSource;
  readonly browsers: BrowserBinding;
  /** Whether an address may use the tools now (allowed or admin): refresh requires it. */
  readonly isAllowed: (email: string) => boolean;
  readonly logger: Logger;
}

export class ImageStudioOAuthProvider implements OAuthServerProvider {
  readonly clientsStore: OAuthRegisteredClientsStore;

  constructor(private readonly deps: OAuthProviderDeps) {
    this.clientsStore = {
      getClient: (clientId) => (clientId.startsWith('https://') ? this.documentedClient(clientId) : this.registeredClient(clientId)),
      // The handler runs with clientIdGeneration: false, so the id is made here.
      registerClient: (metadata) => this.register(metadata),
    };
  }

  /** Shows the consent page, bound to this browser; nothing goes to Google until the user approves. */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    if (params.resource && params.resource.href !== this.deps.resource) {
      throw new InvalidTargetError(`This server only issues tokens for ${this.deps.resource}.`);
    }
    const pending: PendingAuthorization = {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      ...(params.state !== undefined ? { state: params.state } : {}),
      scopes: params.scopes ?? [],
    };
    const browser = this.deps.browsers.bind(res.req, res);
    const ticket = randomToken();
    await this.deps.records.create('consent', hashOf(ticket), { pending, browser }, secondsFromNow(CONSENT_SECONDS));
    const documented = client.client_id.startsWith('https://') ? new URL(client.client_id).host : undefined;
    res
      .status(200)
      .set({ 'Content-Security-Policy': CONSENT_PAGE_CSP, 'Cache-Control': 'no-store' })
      .type('html')
      .send(consentPage({ clientName: client.client_name ?? 'An unnamed application', clientHost: documented, redirectUri: params.redirectUri, ticket }));
  }

  /** Issues our authorization code once Google has vouched for the user. */
  async issueCode(pending: PendingAuthorization, email: string): Promise<string> {
    const code = randomToken();
    await this.deps.records.create(
      'code',
      hashOf(code),
      {
        clientId: pending.clientId,
        email,
        grantId: randomToken(16),
        scopes: pending.scopes,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        expiresAt: Date.now() + CODE_SECONDS * 1000,
      },
      secondsFromNow(CODE_SECONDS),
    );
    return code;
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    return (await this.usableCode(client, await this.deps.records.get('code', hashOf(code)))).codeChallenge;
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _codeVerifier?: string,
    redirectUri?: string,
  ): Promise<OAuthTokens> {
    const key = hashOf(code);
    // Taken, not read: a code works once, even when two requests race with it.
    const entry = await this.usableCode(client, await this.deps.records.take('code', key));
    if (redirectUri !== entry.redirectUri) throw new InvalidGrantError('redirect_uri does not match the one used to authorize.');
    await this.deps.records.create('grant', entry.grantId, { revoked: false }, refreshExpiry());
    // Remembered as used: a replay then revokes the grant (OAuth 2.1, section 4.1.3).
    await this.deps.records.put('code', key, { used: true, grantId: entry.grantId }, secondsFromNow(USED_CODE_SECONDS));
    await this.keepRegistration(client);
    return this.issueTokens(entry);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<OAuthTokens> {
    const key = hashOf(refreshToken);
    const seen = await this.deps.records.get('refresh', key);
    if (seen?.used) {
      // A rotated-out token came back: it was stolen or copied. End the whole grant.
      await this.revokeGrant(seen.grantId, 'refresh token reused');
      throw new InvalidGrantError('This refresh token was already used; the sign-in has been revoked. Please connect again.');
    }
    // Refusals from here on change nothing: the owner's token stays valid.
    if (!seen || seen.clientId !== client.client_id || (await this.isRevoked(seen.grantId))) {
      throw new InvalidGrantError('The refresh token is invalid, expired or revoked.');
    }
    if (!this.deps.isAllowed(seen.email)) {
      throw new InvalidGrantError(`${seen.email} is not on this server's allow-list any more. Ask its administrator, then connect again.`);
    }
    // Of concurrent refreshes with one token, one gets it; the others are refused.
    const entry = await this.deps.records.take('refresh', key);
    if (!entry || entry.used) throw new InvalidGrantError('The refresh token is invalid, expired or revoked.');
    await this.deps.records.put('refresh', key, { used: true, grantId: entry.grantId }, refreshExpiry());
    // The grant lives as long as its newest refresh token.
    await this.deps.records.put('grant', entry.grantId, { revoked: false }, refreshExpiry());
    await this.keepRegistration(client);
    return this.issueTokens(entry);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let claims;
    try {
      claims = await this.deps.tokens.verifyAccessToken(token);
    } catch {
      throw new InvalidTokenError('The access token is invalid or expired.');
    }
    if (await this.isRevoked(claims.grantId)) throw new InvalidTokenError('The access token has been revoked.');
    return {
      token,
      clientId: claims.clientId,
      scopes: [...claims.scopes],
      expiresAt: claims.expiresAt,
      resource: new URL(this.deps.resource),
      extra: { email: claims.email },
    };
  }

  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    const refresh = await this.deps.records.get('refresh', hashOf(request.token));
    if (refresh && (refresh.used || refresh.clientId === client.client_id)) return this.revokeGrant(refresh.grantId, 'revoked by the client');
    const claims = await this.deps.tokens.verifyAccessToken(request.token).catch(() => undefined);
    if (claims?.clientId === client.client_id) await this.revokeGrant(claims.grantId, 'revoked by the client');
  }

  /** A client identified by its metadata document (CIMD): a public client, always with PKCE. */
  private async documentedClient(clientId: string): Promise<OAuthClientInformationFull> {
    try {
      const { client_id, client_name, redirect_uris } = await this.deps.clientMetadata.get(clientId);
      return { client_id, ...(client_name !== undefined ? { client_name } : {}), redirect_uris: [...redirect_uris], token_endpoint_auth_method: 'none' };
    } catch (err) {
      if (err instanceof ClientMetadataError) throw new InvalidClientError(err.message);
      throw err;
    }
  }

  private async registeredClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    return this.deps.records.get('client', hashOf(clientId));
  }

  private async register(metadata: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>): Promise<OAuthClientInformationFull> {
    const bad = metadata.redirect_uris.filter((uri) => !isAllowedRedirectUri(String(uri)));
    if (bad.length > 0) {
      throw new InvalidClientMetadataError(
        `Redirect URI not allowed: ${bad.map((uri) => String(uri).slice(0, 200)).join(', ')}. Accepted: Claude's callbacks (https://claude.ai/api/mcp/auth_callback, ` +
          'https://claude.com/api/mcp/auth_callback) and http://localhost, 127.0.0.1 or [::1] addresses.',
      );
    }
    if (metadata.redirect_uris.length > MAX_REDIRECT_URIS) throw new InvalidClientMetadataError(`At most ${MAX_REDIRECT_URIS} redirect URIs are accepted.`);
    if ((metadata.client_name?.length ?? 0) > MAX_CLIENT_NAME) throw new InvalidClientMetadataError(`client_name is longer than ${MAX_CLIENT_NAME} characters.`);
    // Only what the flow uses is kept: a registration cannot store more than it needs.
    const client: RegisteredClient = {
      client_id: randomToken(18),
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: metadata.redirect_uris.map(String),
      ...pick(metadata, ['client_name', 'client_secret', 'client_secret_expires_at', 'token_endpoint_auth_method', 'grant_types', 'response_types', 'scope']),
    };
    await this.deps.records.create('client', hashOf(client.client_id), client, secondsFromNow(UNUSED_REGISTRATION_SECONDS));
    this.deps.logger.info('OAuth client registered', { clientId: clientLabel(client.client_id), clientName: boundedName(client.client_name) });
    return client;
  }

  /** A registration in use lives as long as the refresh tokens issued to it. */
  private async keepRegistration(client: OAuthClientInformationFull): Promise<void> {
    if (client.client_id.startsWith('https://')) return;
    await this.deps.records.put('client', hashOf(client.client_id), client, refreshExpiry());
  }

  /** The live code entry for this client, or InvalidGrantError; a used code revokes its grant. */
  private async usableCode(client: OAuthClientInformationFull, entry: AuthRecord<'code'> | undefined) {
    if (entry?.used) {
      await this.revokeGrant(entry.grantId, 'authorization code replayed');
      throw new InvalidGrantError('This authorization code was already used; the sign-in made with it has been revoked. Please connect again.');
    }
    if (!entry || entry.clientId !== client.client_id || entry.expiresAt < Date.now()) {
      throw new InvalidGrantError('The authorization code is invalid, expired or already used.');
    }
    return entry;
  }

  private async issueTokens(grant: GrantRef): Promise<OAuthTokens> {
    const refreshToken = randomToken();
    const ref: GrantRef = { clientId: grant.clientId, email: grant.email, grantId: grant.grantId, scopes: grant.scopes };
    await this.deps.records.create('refresh', hashOf(refreshToken), ref, refreshExpiry());
    const access = await this.deps.tokens.accessToken(ref);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      ...(grant.scopes.length > 0 ? { scope: grant.scopes.join(' ') } : {}),
    };
  }

  private async isRevoked(grantId: string): Promise<boolean> {
    const grant = await this.deps.records.get('grant', grantId);
    return !grant || grant.revoked;
  }

  private async revokeGrant(grantId: string, reason: string): Promise<void> {
    await this.deps.records.put('grant', grantId, { revoked: true }, refreshExpiry());
    this.deps.logger.warn('OAuth grant revoked', { reason });
  }
}

/**
 * A client id fit for a log line: a metadata document URL as such (it is public and says who
 * the client is), a registered id by its first 8 characters.
 */
export function clientLabel(clientId: string): string {
  return clientId.startsWith('https://') ? clientId.slice(0, 120) : clientId.slice(0, 8);
}

/** A client's self-chosen name, fit for a log line: no control characters, at most 80 characters. */
export function boundedName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<Pick<T, K>>;
}

function secondsFromNow(seconds: number): Date {
  return new Date(Date.now() + seconds * 1000);
}

function refreshExpiry(): Date {
  return secondsFromNow(REFRESH_TOKEN_DAYS * 24 * 3600);
}
