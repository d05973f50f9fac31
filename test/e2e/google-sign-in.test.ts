import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createGoogleSignIn, type GoogleSignIn, type GoogleSignInOptions } from '../../server/auth/google-sign-in.js';
import { AppError, type ErrorStatus } from '../../server/errors.js';
import { createLogger } from '../../server/log.js';
import { DEFAULT_GOOGLE_IDENTITY, startGoogleFake, type GoogleFake } from '../fakes/google-fake.js';
import { freePort } from '../support/free-ports.js';

const REDIRECT_URI = 'http://127.0.0.1:8766/auth/callback';
const SIGN_IN_FAILED = 'Google sign-in failed or expired; please try connecting again.';

interface Authorized {
  readonly code: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}


describe('Google sign-in (OAuth2Client against the fake Google)', () => {
  let google: GoogleFake;
  let logLines: string[];
  /** Everything that must never reach a message, a cause or a log line. */
  let secrets: string[];

  const signIn = (overrides: Partial<GoogleSignInOptions> = {}): GoogleSignIn =>
    createGoogleSignIn({
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      redirectUri: REDIRECT_URI,
      endpoints: google.endpoints,
      logger: createLogger((line) => logLines.push(line), {}, 'DEBUG'),
      ...overrides,
    });

  /** Our side of the redirect to Google, and Google's redirect back, as a browser would follow them. */
  async function authorize(adapter: GoogleSignIn): Promise<Authorized> {
    const codeVerifier = randomBytes(32).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const res = await fetch(adapter.authorizationUrl({ state, nonce, codeChallenge }), { redirect: 'manual' });
    expect(res.status).to.equal(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).to.equal(REDIRECT_URI);
    expect(back.searchParams.get('state')).to.equal(state);
    const code = back.searchParams.get('code') ?? '';
    expect(code).to.not.equal('');
    secrets.push(code, codeVerifier, nonce);
    return { code, codeVerifier, nonce };
  }

  async function signedIn(adapter: GoogleSignIn = signIn()) {
    return adapter.exchange(await authorize(adapter));
  }

  async function expectRefusal(promise: Promise<unknown>, status: ErrorStatus): Promise<AppError> {
    let caught: unknown;
    try {
      await promise;
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected the sign-in to fail').to.be.instanceOf(AppError);
    const err = caught as AppError;
    expect(err.status).to.equal(status);
    const exposed = [err.publicMessage, err.message, String((err.cause as Error | undefined)?.message), ...logLines].join('\n');
    for (const secret of secrets) expect(exposed).to.not.include(secret);
    expect(exposed, 'an ID token leaked').to.not.match(/eyJ[\w-]+\./);
    expect(logLines.join('\n')).to.include('google-sign-in');
    return err;
  }

  before(async () => {
    google = await startGoogleFake({ redirectUris: [REDIRECT_URI] });
  });
  after(() => google.close());
  beforeEach(() => {
    google.reset();
    logLines = [];
    secrets = [google.clientSecret];
  });

  it('builds an authorization URL that asks for openid email with PKCE S256, our state and a nonce', () => {
    const url = new URL(signIn().authorizationUrl({ state: 'st-1', nonce: 'n-1', codeChallenge: 'c'.repeat(43) }));
    expect(`${url.origin}${url.pathname}`).to.equal(google.endpoints.authorizationUrl);
    const params = Object.fromEntries(url.searchParams);
    expect(params).to.deep.equal({
      client_id: google.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid email',
      code_challenge_method: 'S256',
      code_challenge: 'c'.repeat(43),
      state: 'st-1',
      nonce: 'n-1',
      prompt: 'select_account',
      access_type: 'online',
    });
  });

  it('sends the user to the real Google when no endpoints are given', () => {
    const url = createGoogleSignIn({ clientId: 'id', clientSecret: 's', redirectUri: REDIRECT_URI })
      .authorizationUrl({ state: 's', nonce: 'n', codeChallenge: 'c' });
    expect(url).to.match(/^https:\/\/accounts\.google\.com\/o\/oauth2\/v2\/auth\?/);
  });

  it('signs in as the Google account the user chose, with the email lower-cased', async () => {
    google.nextIdentity({ email: 'Bob.Smith@Example.COM', sub: '1047000042' });
    const identity = await signedIn();
    expect(identity).to.deep.equal({ sub: '1047000042', email: 'bob.smith@example.com', emailVerified: true });
    const tokenRequest = google.requests.find((r) => r.endpoint === 'token');
    expect(tokenRequest?.clientAuth).to.equal('post');
    expect(tokenRequest?.params).to.include({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, code_verifier: '[redacted]' });
  });

  it('signs in the default account when the test chose none', async () => {
    expect((await signedIn()).email).to.equal(DEFAULT_GOOGLE_IDENTITY.email);
  });

  it('accepts the bare accounts.google.com issuer Google also uses', async () => {
    google.nextIdToken({ issuer: 'accounts.google.com' });
    expect((await signedIn()).sub).to.equal(DEFAULT_GOOGLE_IDENTITY.sub);
  });

  it('fetches Google certificates once and reuses them while their max-age lasts', async () => {
    const adapter = signIn();
    await signedIn(adapter);
    await signedIn(adapter);
    expect(google.requests.filter((r) => r.endpoint === 'certs')).to.have.length(1);
  });

  it('refuses a code used twice', async () => {
    const adapter = signIn();
    const authorized = await authorize(adapter);
    await adapter.exchange(authorized);
    const err = await expectRefusal(adapter.exchange(authorized), 'UNAUTHENTICATED');
    expect(err.publicMessage).to.equal(SIGN_IN_FAILED);
  });

  it('refuses a code presented with the wrong PKCE verifier', async () => {
    const adapter = signIn();
    const authorized = await authorize(adapter);
    await expectRefusal(adapter.exchange({ ...authorized, codeVerifier: randomBytes(32).toString('base64url') }), 'UNAUTHENTICATED');
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    google.nextIdToken({ nonce: 'a-nonce-from-another-sign-in' });
    expect((await expectRefusal(signedIn(), 'UNAUTHENTICATED')).publicMessage).to.equal(SIGN_IN_FAILED);
    expect(logLines.join('\n')).to.include('nonce mismatch');
  });

  it('refuses an ID token issued to another client', async () => {
    google.nextIdToken({ audience: 'someone-else.apps.googleusercontent.com' });
    await expectRefusal(signedIn(), 'UNAUTHENTICATED');
    expect(logLines.join('\n')).to.include('wrong audience');
  });

  it('refuses an expired ID token', async () => {
    google.nextIdToken({ expired: true });
    await expectRefusal(signedIn(), 'UNAUTHENTICATED');
    expect(logLines.join('\n')).to.include('expired');
  });

  it('refuses an ID token signed by a key Google does not publish', async () => {
    google.nextIdToken({ wrongKey: true });
    await expectRefusal(signedIn(), 'UNAUTHENTICATED');
    expect(logLines.join('\n')).to.include('bad signature');
  });

  it('refuses an ID token under a key id Google does not publish', async () => {
    google.nextIdToken({ unknownKid: true });
    await expectRefusal(signedIn(), 'UNAUTHENTICATED');
    expect(logLines.join('\n')).to.include('unknown signing key');
  });

  for (const issuer of ['https://evil.example', 'googleapis.com']) {
    it(`refuses an ID token from issuer ${issuer}`, async () => {
      google.nextIdToken({ issuer });
      await expectRefusal(signedIn(), 'UNAUTHENTICATED');
      expect(logLines.join('\n')).to.include('wrong issuer');
    });
  }

  it('refuses a Google account whose email address Google has not verified', async () => {
    google.nextIdentity({ email: 'Mallory@Example.com', emailVerified: false });
    const err = await expectRefusal(signedIn(), 'PERMISSION_DENIED');
    expect(err.publicMessage).to.equal('Google says the email address mallory@example.com is not verified. Verify it with Google, then connect again.');
  });

  it('asks the user to try again when Google answers invalid_grant', async () => {
    google.failNext('token', 400, { error: 'invalid_grant' });
    expect((await expectRefusal(signedIn(), 'UNAUTHENTICATED')).publicMessage).to.equal(SIGN_IN_FAILED);
  });

  it('retries one Google 500 at the token endpoint transparently', async () => {
    google.failNext('token', 500);
    expect((await signedIn()).email).to.equal(DEFAULT_GOOGLE_IDENTITY.email);
    expect(google.requests.filter((r) => r.endpoint === 'token').map((r) => r.status)).to.deep.equal([500, 200]);
  });

  // The library retries a 5xx three times (four attempts) before giving up.
  it('reports Google as unavailable when its token endpoint keeps failing', async () => {
    google.failNext('token', 500, { count: 4 });
    const err = await expectRefusal(signedIn(), 'UNAVAILABLE');
    expect(err.publicMessage).to.match(/unavailable right now/);
    expect(google.requests.filter((r) => r.endpoint === 'token').map((r) => r.status)).to.deep.equal([500, 500, 500, 500]);
  });

  it('reports Google as unavailable when its certificates cannot be fetched', async () => {
    google.failNext('certs', 503, { count: 4 });
    await expectRefusal(signedIn(), 'UNAVAILABLE');
  });

  it('reports Google as unavailable when it cannot be reached', async () => {
    const adapter = signIn({ endpoints: { ...google.endpoints, tokenUrl: `http://127.0.0.1:${await freePort()}/token` } });
    await expectRefusal(signedIn(adapter), 'UNAVAILABLE');
  });

  it('gives up on a Google that does not answer', async () => {
    google.failNext('token', 0, { count: 3 });
    const started = Date.now();
    await expectRefusal(signedIn(signIn({ timeoutMs: 300 })), 'UNAVAILABLE');
    expect(Date.now() - started).to.be.below(5_000);
    expect(logLines.join('\n')).to.include('no response (AbortError)');
  });

  it('reports a server fault, not a user error, when Google rejects our client secret', async () => {
    secrets.push('not-the-secret');
    const err = await expectRefusal(signedIn(signIn({ clientSecret: 'not-the-secret' })), 'INTERNAL');
    expect(err.publicMessage).to.match(/not configured correctly/);
  });

  it('stops at Google with a 400 when our redirect URI is not registered', async () => {
    const adapter = signIn({ redirectUri: 'https://attacker.example/callback' });
    const url = adapter.authorizationUrl({ state: 's', nonce: 'n', codeChallenge: 'c'.repeat(43) });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(await res.text()).to.include('redirect_uri_mismatch');
  });
});
