/**
 * The Auth emulator fixture gives tokens that the real firebase-admin `verifyIdToken` judges
 * as the dashboard API needs: Google and password users accepted with the right claims,
 * expired and other-project tokens rejected with their codes.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth, type Auth } from 'firebase-admin/auth';
import {
  AUTH_EMULATOR_PROJECT,
  authEmulatorHost,
  authEmulatorReady,
  expiredIdToken,
  forgedIdToken,
  googleIdToken,
  passwordIdToken,
  resetAuthEmulator,
} from '../support/auth-emulator.js';

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  expect.fail('expected a rejection');
}

describe('the Firebase Auth emulator fixture, judged by firebase-admin', () => {
  let app: App;
  let auth: Auth;

  before(async () => {
    await resetAuthEmulator();
    app = initializeApp({ projectId: AUTH_EMULATOR_PROJECT }, `auth-emulator-test-${randomUUID()}`);
    auth = getAuth(app);
  });
  after(async () => {
    if (app) await deleteApp(app);
  });

  it('runs on 127.0.0.1 and is the emulator firebase-admin talks to', async () => {
    expect(await authEmulatorReady()).to.equal(authEmulatorHost());
    expect(authEmulatorHost()).to.match(/^127\.0\.0\.1:\d+$/);
    expect(process.env.FIREBASE_AUTH_EMULATOR_HOST).to.equal(authEmulatorHost());
  });

  it('accepts a Google user with a verified email, the same user each time', async () => {
    const token = await googleIdToken('ann@example.com');
    const claims = await auth.verifyIdToken(token);
    expect(claims).to.include({ email: 'ann@example.com', email_verified: true, aud: AUTH_EMULATOR_PROJECT });
    expect(claims.firebase.sign_in_provider).to.equal('google.com');
    expect(claims.exp).to.be.greaterThan(Date.now() / 1000);
    expect((await auth.verifyIdToken(await googleIdToken('ann@example.com'))).uid).to.equal(claims.uid);
  });

  it('gives email_verified false to a Google user signed in unverified', async () => {
    const claims = await auth.verifyIdToken(await googleIdToken('bob@example.com', { verified: false }));
    expect(claims).to.include({ email: 'bob@example.com', email_verified: false });
    expect(claims.firebase.sign_in_provider).to.equal('google.com');
  });

  it('accepts an email/password user as provider "password", on sign-up and on sign-in again', async () => {
    const claims = await auth.verifyIdToken(await passwordIdToken('cat@example.com'));
    expect(claims).to.include({ email: 'cat@example.com', email_verified: false });
    expect(claims.firebase.sign_in_provider).to.equal('password');
    expect((await auth.verifyIdToken(await passwordIdToken('cat@example.com'))).uid).to.equal(claims.uid);
  });

  it('gives one email one account whose tokens carry the claims asked for, in any order', async () => {
    const ids = new Set<string>();
    for (const [token, verified, provider] of [
      [await passwordIdToken('gus@example.com'), false, 'password'],
      [await googleIdToken('gus@example.com', { verified: false }), false, 'google.com'],
      [await googleIdToken('Gus@Example.com'), true, 'google.com'],
      [await googleIdToken('gus@example.com', { verified: false }), false, 'google.com'],
      [await passwordIdToken('gus@example.com'), false, 'password'],
    ] as const) {
      const claims = await auth.verifyIdToken(token);
      expect(claims, provider).to.include({ email: 'gus@example.com', email_verified: verified });
      expect(claims.firebase.sign_in_provider).to.equal(provider);
      ids.add(claims.uid);
    }
    expect(ids.size).to.equal(1);
  });

  it('keeps earlier tokens valid when another helper signs the same email in later', async () => {
    const earlier = [await googleIdToken('hal@example.com'), await passwordIdToken('ivy@example.com')];
    // Firebase revokes tokens issued before an account's validSince, in whole seconds.
    await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    await passwordIdToken('hal@example.com');
    await googleIdToken('hal@example.com', { verified: false });
    await googleIdToken('ivy@example.com');
    for (const token of earlier) await auth.verifyIdToken(token);
  });

  it('rejects an expired token with auth/id-token-expired', async () => {
    const token = await expiredIdToken('dan@example.com');
    expect(payloadOf(token).exp).to.be.lessThan(Date.now() / 1000 - 3000);
    expect(await rejectionCode(auth.verifyIdToken(token))).to.equal('auth/id-token-expired');
  });

  it("rejects another project's token with auth/argument-error", async () => {
    const token = await forgedIdToken('eve@example.com');
    expect(payloadOf(token)).to.include({ aud: 'demo-other-project' });
    expect(await rejectionCode(auth.verifyIdToken(token))).to.equal('auth/argument-error');
  });

  it('rejects a token whose user was deleted by resetAuthEmulator, with auth/user-not-found', async () => {
    const token = await googleIdToken('fay@example.com');
    await auth.verifyIdToken(token);
    await resetAuthEmulator();
    expect(await rejectionCode(auth.verifyIdToken(token))).to.equal('auth/user-not-found');
  });
});
