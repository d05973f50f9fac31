/**
 * The OAuth endpoints for MCP clients, the consent step and Google's callback, plus the
 * bearer check in front of /mcp. The SDK's mcpAuthRouter serves metadata, /authorize,
 * /token, /register and /revoke with RFC 6749 error shapes; our provider does the rest.
 */
import { createHash } from 'node:crypto';
import express, { type RequestHandler, type Response } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { mcpAuthRouter, requireBearerAuth } from '@modelcontextprotocol/server-legacy/auth';
import { isListed, type Caller } from '../core/access.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AuthStateStore } from './auth-state-store.js';
import { ERROR_PAGE_CSP, errorPage } from './consent-page.js';
import type { GoogleSignIn } from './google-sign-in.js';
import { ImageStudioOAuthProvider, type PendingAuthorization } from './oauth-provider.js';
import { TokenIssuer, hashOf, randomToken } from './tokens.js';

const PENDING_SECONDS = 600;

export interface OAuthDeps {
  readonly publicUrl: string;
  readonly signingKey: string;
  readonly state: AuthStateStore;
  readonly google: GoogleSignIn;
  readonly allowedEmails: readonly string[];
  readonly adminEmails: readonly string[];
  readonly logger: Logger;
}

interface PendingSignIn {
  readonly pending: PendingAuthorization;
  readonly codeVerifier: string;
  readonly nonce: string;
}

export interface OAuthRoutes {
  readonly router: express.Router;
  /** 401 with WWW-Authenticate unless the request carries a valid access token of ours. */
  readonly requireToken: RequestHandler;
  /** The caller behind a request that passed `requireToken` (its `req.auth`), with the allow-list applied now. */
  readonly callerOf: (auth: AuthInfo | undefined) => Caller;
}

export function oauthRoutes(deps: OAuthDeps): OAuthRoutes {
  const resource = `${deps.publicUrl}/mcp`;
  const tokens = new TokenIssuer(deps.signingKey, deps.publicUrl, resource);
  const logger = deps.logger.child({ component: 'oauth' });
  const provider = new ImageStudioOAuthProvider({ state: deps.state, tokens, resource, logger });
  const router = express.Router();

  router.use(
    mcpAuthRouter({
      provider,
      issuerUrl: new URL(deps.publicUrl),
      resourceServerUrl: new URL(resource),
      resourceName: 'Image Studio',
      clientRegistrationOptions: { clientIdGeneration: false, clientSecretExpirySeconds: 0 },
    }),
  );
  // Some clients look for the resource metadata at the root rather than path-inserted.
  router.get('/.well-known/oauth-protected-resource', (_req, res) => {
    res.json({ resource, authorization_servers: [`${deps.publicUrl}/`], resource_name: 'Image Studio' });
  });

  router.post('/authorize/consent', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const body = req.body as { ticket?: unknown; decision?: unknown };
    let pending: PendingAuthorization;
    try {
      pending = (await tokens.verify('consent', typeof body.ticket === 'string' ? body.ticket : '')).pending as PendingAuthorization;
    } catch {
      sendError(res, 400, 'This consent page has expired. Start connecting again from your application.');
      return;
    }
    if (body.decision !== 'approve') {
      res.redirect(303, clientRedirect(pending, { error: 'access_denied', error_description: 'The user declined.' }));
      return;
    }
    const signIn: PendingSignIn = { pending, codeVerifier: randomToken(), nonce: randomToken() };
    const state = randomToken();
    await deps.state.create('pending', hashOf(state), signIn, new Date(Date.now() + PENDING_SECONDS * 1000));
    const codeChallenge = createHash('sha256').update(signIn.codeVerifier).digest('base64url');
    res.redirect(303, deps.google.authorizationUrl({ state, nonce: signIn.nonce, codeChallenge }));
  });

  router.get('/auth/callback', async (req, res) => {
    const { state, code, error } = req.query;
    // Taken, not read: Google's callback works once.
    const signIn = typeof state === 'string' ? ((await deps.state.take('pending', hashOf(state))) as PendingSignIn | undefined) : undefined;
    if (!signIn) {
      sendError(res, 400, 'This sign-in has expired or was already used. Start connecting again from your application.');
      return;
    }
    if (typeof code !== 'string' || error !== undefined) {
      res.redirect(302, clientRedirect(signIn.pending, { error: 'access_denied', error_description: 'Google sign-in was cancelled.' }));
      return;
    }
    try {
      const identity = await deps.google.exchange({ code, codeVerifier: signIn.codeVerifier, nonce: signIn.nonce });
      if (!identity.emailVerified) {
        throw new AppError('PERMISSION_DENIED', `Google has not verified the address ${identity.email}; only verified addresses can sign in.`);
      }
      const ourCode = await provider.issueCode(signIn.pending, identity.email);
      logger.info('signed in with Google', { clientId: signIn.pending.clientId.slice(0, 8), email: identity.email });
      res.redirect(302, clientRedirect(signIn.pending, { code: ourCode }));
    } catch (err) {
      const appError = toAppError(err);
      logger.warn('Google sign-in failed', { status: appError.status, err });
      const oauthError = appError.status === 'UNAVAILABLE' ? 'temporarily_unavailable' : 'access_denied';
      res.redirect(302, clientRedirect(signIn.pending, { error: oauthError, error_description: appError.publicMessage }));
    }
  });

  const requireToken = requireBearerAuth({ verifier: provider, resourceMetadataUrl: `${deps.publicUrl}/.well-known/oauth-protected-resource/mcp` });
  const callerOf = (auth: AuthInfo | undefined): Caller => {
    const claimed = auth?.extra?.email;
    const email = typeof claimed === 'string' ? claimed : '';
    const isAdmin = isListed(deps.adminEmails, email);
    return { email, isAdmin, isAllowed: isAdmin || isListed(deps.allowedEmails, email) };
  };
  return { router, requireToken, callerOf };
}

/** The client's redirect URI (checked against its registration by the SDK) with our answer. */
function clientRedirect(pending: PendingAuthorization, params: Record<string, string>): string {
  const url = new URL(pending.redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (pending.state !== undefined) url.searchParams.set('state', pending.state);
  return url.href;
}

function sendError(res: Response, status: number, message: string): void {
  res.status(status).set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': ERROR_PAGE_CSP }).type('html').send(errorPage(message));
}
