/**
 * The OAuth endpoints for MCP clients, the consent step and Google's callback, plus the
 * bearer check in front of /mcp. The SDK's handlers serve /authorize, /token, /register and
 * /revoke with RFC 6749 error shapes, and the metadata (ours: it adds CIMD); our provider does
 * the rest.
 *
 * Every authorization response carries `iss` (RFC 9207), byte for byte the metadata's
 * `issuer`: the SDK adds it to the redirects it makes, `clientRedirect` to ours.
 */
import { createHash } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import {
  authorizationHandler,
  clientRegistrationHandler,
  createOAuthMetadata,
  mcpAuthMetadataRouter,
  requireBearerAuth,
  revocationHandler,
  tokenHandler,
} from '@modelcontextprotocol/server-legacy/auth';
import { isListed, type Caller } from '../core/access.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { AuthRecords, type AuthRecord, type PendingAuthorization } from './auth-records.js';
import type { AuthStateStore } from './auth-state-store.js';
import { browserBinding } from './browser-binding.js';
import { createClientMetadataFetcher, type ClientMetadataSource } from './client-metadata-fetcher.js';
import { ERROR_PAGE_CSP, errorPage } from './consent-page.js';
import type { GoogleSignIn } from './google-sign-in.js';
import { CONSENT_SECONDS, ImageStudioOAuthProvider, REGISTRATION_MAX_BYTES, clientLabel } from './oauth-provider.js';
import { withPinnedClients } from './pinned-clients.js';
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
  /** Client metadata documents for URL client ids; default: the pinned copies, else fetched (SSRF-safe). */
  readonly clientMetadata?: ClientMetadataSource;
}

export interface OAuthRoutes {
  readonly router: express.Router;
  /** 401 with WWW-Authenticate unless the request carries a valid access token of ours. */
  readonly requireToken: RequestHandler;
  /** The caller behind a request that passed `requireToken` (its `req.auth`), with the allow-list applied now. */
  readonly callerOf: (auth: AuthInfo | undefined) => Caller;
}

export function oauthRoutes(deps: OAuthDeps): OAuthRoutes {
  const issuerUrl = new URL(deps.publicUrl);
  const issuer = issuerUrl.href;
  const resource = `${deps.publicUrl}/mcp`;
  const tokens = new TokenIssuer(deps.signingKey, deps.publicUrl, resource);
  const logger = deps.logger.child({ component: 'oauth' });
  const records = new AuthRecords(deps.state);
  const browsers = browserBinding(deps.publicUrl, CONSENT_SECONDS + PENDING_SECONDS);
  const callerFor = (email: string): Caller => {
    const isAdmin = isListed(deps.adminEmails, email);
    return { email, isAdmin, isAllowed: isAdmin || isListed(deps.allowedEmails, email) };
  };
  const callerOf = (auth: AuthInfo | undefined): Caller => {
    const claimed = auth?.extra?.email;
    return callerFor(typeof claimed === 'string' ? claimed : '');
  };
  const provider = new ImageStudioOAuthProvider({
    records,
    tokens,
    resource,
    clientMetadata: deps.clientMetadata ?? withPinnedClients(createClientMetadataFetcher({ logger })),
    browsers,
    isAllowed: (email) => callerFor(email).isAllowed,
    logger,
  });
  const router = express.Router();

  // mcpAuthRouter's parts, with our metadata: it adds client metadata documents, which Claude
  // uses only when they are advertised and "none" is among the token endpoint's methods.
  const metadata = { ...createOAuthMetadata({ provider, issuerUrl }), client_id_metadata_document_supported: true };
  router.use('/authorize', authorizationHandler({ provider, issuerUrl }));
  router.use('/token', tokenHandler({ provider }));
  router.use(mcpAuthMetadataRouter({ oauthMetadata: metadata, resourceServerUrl: new URL(resource), resourceName: 'Image Studio' }));
  router.use('/register', registrationBodyLimit(), clientRegistrationHandler({ clientsStore: provider.clientsStore, clientIdGeneration: false, clientSecretExpirySeconds: 0 }));
  router.use('/revoke', revocationHandler({ provider }));
  // Some clients look for the resource metadata at the root rather than path-inserted.
  router.get('/.well-known/oauth-protected-resource', (_req, res) => {
    res.json({ resource, authorization_servers: [issuer], resource_name: 'Image Studio' });
  });

  /** The client's redirect URI (checked by the SDK at /authorize) with our answer, its `state` and `iss`. */
  const clientRedirect = (pending: PendingAuthorization, params: Record<string, string>): string => {
    const url = new URL(pending.redirectUri);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (pending.state !== undefined) url.searchParams.set('state', pending.state);
    url.searchParams.set('iss', issuer);
    return url.href;
  };

  router.post('/authorize/consent', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    // Refused before the ticket is touched: a cross-site submission leaves it as it was.
    if (browsers.isCrossSite(req)) {
      sendError(res, 403, 'This approval was sent from another site. Start connecting again from your application.');
      return;
    }
    const body = req.body as { ticket?: unknown; decision?: unknown };
    // Taken, not read: one consent page approves (or cancels) once.
    const consent = typeof body.ticket === 'string' && /^[\w-]{1,100}$/.test(body.ticket) ? await records.take('consent', hashOf(body.ticket)) : undefined;
    if (!consent) {
      sendError(res, 400, 'This consent page has expired or was already used. Start connecting again from your application.');
      return;
    }
    if (!browsers.matches(req, consent.browser)) {
      sendError(res, 400, NOT_THIS_BROWSER);
      return;
    }
    const { pending } = consent;
    if (body.decision !== 'approve') {
      res.redirect(303, clientRedirect(pending, { error: 'access_denied', error_description: 'The user declined.' }));
      return;
    }
    const signIn: AuthRecord<'pending'> = { pending, codeVerifier: randomToken(), nonce: randomToken(), browser: consent.browser };
    const state = randomToken();
    await records.create('pending', hashOf(state), signIn, new Date(Date.now() + PENDING_SECONDS * 1000));
    const codeChallenge = createHash('sha256').update(signIn.codeVerifier).digest('base64url');
    res.redirect(303, deps.google.authorizationUrl({ state, nonce: signIn.nonce, codeChallenge }));
  });

  router.get('/auth/callback', async (req, res) => {
    const { state, code, error } = req.query;
    // Taken, not read: Google's callback works once.
    const signIn = typeof state === 'string' && /^[\w-]{1,100}$/.test(state) ? await records.take('pending', hashOf(state)) : undefined;
    if (!signIn) {
      sendError(res, 400, 'This sign-in has expired or was already used. Start connecting again from your application.');
      return;
    }
    // Only in the browser that approved: a `state` carried to another browser completes nothing.
    if (!browsers.matches(req, signIn.browser)) {
      logger.warn('Google sign-in returned to another browser', { clientId: clientLabel(signIn.pending.clientId) });
      sendError(res, 400, NOT_THIS_BROWSER);
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
      logger.info('signed in with Google', { clientId: clientLabel(signIn.pending.clientId), email: identity.email });
      res.redirect(302, clientRedirect(signIn.pending, { code: ourCode }));
    } catch (err) {
      const appError = toAppError(err);
      logger.warn('Google sign-in failed', { status: appError.status, err });
      const oauthError = appError.status === 'UNAVAILABLE' ? 'temporarily_unavailable' : 'access_denied';
      res.redirect(302, clientRedirect(signIn.pending, { error: oauthError, error_description: appError.publicMessage }));
    }
  });

  const requireToken = requireBearerAuth({ verifier: provider, resourceMetadataUrl: `${deps.publicUrl}/.well-known/oauth-protected-resource/mcp` });
  return { router, requireToken, callerOf };
}

const NOT_THIS_BROWSER =
  'This sign-in was started in another browser, or this browser did not keep its sign-in cookie. ' +
  'Start connecting again from your application, in the browser it opens.';

/**
 * Registration bodies are parsed here, capped at REGISTRATION_MAX_BYTES (the SDK's handler
 * then finds the body parsed); a larger one gets RFC 7591's error, not a stored 90 KB client.
 */
function registrationBodyLimit(): (RequestHandler | ErrorRequestHandler)[] {
  const tooLarge: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if ((err as { type?: unknown } | null)?.type !== 'entity.too.large') return next(err);
    res.status(400).json({ error: 'invalid_client_metadata', error_description: `The registration is larger than ${REGISTRATION_MAX_BYTES} bytes.` });
  };
  return [express.json({ limit: REGISTRATION_MAX_BYTES }), tooLarge];
}

function sendError(res: Response, status: number, message: string): void {
  res.status(status).set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': ERROR_PAGE_CSP }).type('html').send(errorPage(message));
}
