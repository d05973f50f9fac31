/**
 * Our OAuth 2.1 authorization server, behind the MCP SDK's handlers (mcpAuthRouter, kept on the
 * SDK's frozen v1 copy `@modelcontextprotocol/server-legacy/auth` until sign-in moves on): clients
 * register dynamically, users consent and sign in with Google, and clients get our own
 * tokens. Every piece of state lives in the AuthStateStore, so any instance serves any step.
 */
import type { Response } from 'express';
import {
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
import type { AuthStateStore } from './auth-state-store.js';
import { CONSENT_PAGE_CSP, consentPage } from './consent-page.js';
import { isAllowedRedirectUri } from './redirect-uris.js';
import { hashOf, randomToken, type TokenIssuer } from './tokens.js';

export const CODE_SECONDS = 300;
export const REFRESH_TOKEN_DAYS = 90;
export const CONSENT_SECONDS = 600;

/** What a code or refresh token stands for. */
export interface GrantRef {
  readonly clientId: string;
  readonly email: string;
  readonly grantId: string;
  readonly scopes: readonly string[];
}

interface CodeEntry extends GrantRef {
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

type RefreshEntry = (GrantRef & { readonly used?: false }) | { readonly used: true; readonly grantId: string };

interface GrantEntry {
  readonly revoked: boolean;
}

/** The approved request, carried through the consent form and Google's round trip. */
export interface PendingAuthorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly state?: string;
  readonly scopes: readonly string[];
}

export class ImageStudioOAuthProvider implements OAuthServerProvider {
  readonly clientsStore: OAuthRegisteredClientsStore;

  constructor(
    private readonly deps: { state: AuthStateStore; tokens: TokenIssuer; resource: string; logger: Logger },
  ) {
    const { state } = deps;
    this.clientsStore = {
      getClient: async (clientId) => (await state.get('client', hashOf(clientId))) as OAuthClientInformationFull | undefined,
      // mcpAuthRouter runs with clientIdGeneration: false, so the id is made here.
      registerClient: async (metadata) => {
        const bad = metadata.redirect_uris.filter((uri) => !isAllowedRedirectUri(String(uri)));
        if (bad.length > 0) {
          throw new InvalidClientMetadataError(
            `Redirect URI not allowed: ${bad.join(', ')}. Accepted: Claude's callbacks (https://claude.ai/api/mcp/auth_callback, ` +
              'https://claude.com/api/mcp/auth_callback) and http://localhost, 127.0.0.1 or [::1] addresses.',
          );
        }
        const client: OAuthClientInformationFull = { ...metadata, client_id: randomToken(18), client_id_issued_at: Math.floor(Date.now() / 1000) };
        // No expiry: a registered connector must keep working until it is removed.
        await state.create('client', hashOf(client.client_id), client);
        deps.logger.info('OAuth client registered', { clientId: client.client_id.slice(0, 8), clientName: client.client_name });
        return client;
      },
    };
  }

  /** Shows the consent page; nothing goes to Google until the user approves. */
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
    const ticket = await this.deps.tokens.sign('consent', { pending }, CONSENT_SECONDS);
    res
      .status(200)
      .set({ 'Content-Security-Policy': CONSENT_PAGE_CSP, 'Cache-Control': 'no-store' })
      .type('html')
      .send(consentPage({ clientName: client.client_name ?? 'An unnamed application', redirectUri: params.redirectUri, ticket }));
  }

  /** Issues our authorization code once Google has vouched for the user. */
  async issueCode(pending: PendingAuthorization, email: string): Promise<string> {
    const code = randomToken();
    const entry: CodeEntry = {
      clientId: pending.clientId,
      email,
      grantId: randomToken(16),
      scopes: pending.scopes,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      expiresAt: Date.now() + CODE_SECONDS * 1000,
    };
    await this.deps.state.create('code', hashOf(code), entry, new Date(entry.expiresAt));
    return code;
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<string> {
    const entry = (await this.deps.state.get('code', hashOf(code))) as CodeEntry | undefined;
    if (!entry || entry.clientId !== client.client_id || entry.expiresAt < Date.now()) {
      throw new InvalidGrantError('The authorization code is invalid, expired or already used.');
    }
    return entry.codeChallenge;
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _codeVerifier?: string,
    redirectUri?: string,
  ): Promise<OAuthTokens> {
    // Taken, not read: a code works once, even when two requests race with it.
    const entry = (await this.deps.state.take('code', hashOf(code))) as CodeEntry | undefined;
    if (!entry || entry.clientId !== client.client_id || entry.expiresAt < Date.now()) {
      throw new InvalidGrantError('The authorization code is invalid, expired or already used.');
    }
    if (redirectUri !== entry.redirectUri) throw new InvalidGrantError('redirect_uri does not match the one used to authorize.');
    await this.deps.state.create('grant', entry.grantId, { revoked: false } satisfies GrantEntry, refreshExpiry());
    return this.issueTokens(entry);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<OAuthTokens> {
    const key = hashOf(refreshToken);
    const entry = (await this.deps.state.take('refresh', key)) as RefreshEntry | undefined;
    if (entry?.used) {
      // A rotated-out token came back: it was stolen or copied. End the whole grant.
      await this.revokeGrant(entry.grantId, 'refresh token reused');
      throw new InvalidGrantError('This refresh token was already used; the sign-in has been revoked. Please connect again.');
    }
    if (!entry || entry.clientId !== client.client_id || (await this.isRevoked(entry.grantId))) {
      throw new InvalidGrantError('The refresh token is invalid, expired or revoked.');
    }
    await this.deps.state.put('refresh', key, { used: true, grantId: entry.grantId } satisfies RefreshEntry, refreshExpiry());
    // The grant lives as long as its newest refresh token.
    await this.deps.state.put('grant', entry.grantId, { revoked: false } satisfies GrantEntry, refreshExpiry());
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
    const refresh = (await this.deps.state.get('refresh', hashOf(request.token))) as RefreshEntry | undefined;
    if (refresh && (refresh.used || refresh.clientId === client.client_id)) return this.revokeGrant(refresh.grantId, 'revoked by the client');
    const claims = await this.deps.tokens.verifyAccessToken(request.token).catch(() => undefined);
    if (claims?.clientId === client.client_id) await this.revokeGrant(claims.grantId, 'revoked by the client');
  }

  private async issueTokens(grant: GrantRef): Promise<OAuthTokens> {
    const refreshToken = randomToken();
    const ref: GrantRef = { clientId: grant.clientId, email: grant.email, grantId: grant.grantId, scopes: grant.scopes };
    await this.deps.state.create('refresh', hashOf(refreshToken), ref, refreshExpiry());
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
    const grant = (await this.deps.state.get('grant', grantId)) as GrantEntry | undefined;
    return !grant || grant.revoked;
  }

  private async revokeGrant(grantId: string, reason: string): Promise<void> {
    await this.deps.state.put('grant', grantId, { revoked: true } satisfies GrantEntry, refreshExpiry());
    this.deps.logger.warn('OAuth grant revoked', { reason });
  }
}

function refreshExpiry(): Date {
  return new Date(Date.now() + REFRESH_TOKEN_DAYS * 24 * 3600 * 1000);
}
