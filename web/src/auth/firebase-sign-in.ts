/**
 * Firebase Auth with the Google provider: a popup, or a full-page redirect where popups are
 * blocked. Against the Auth emulator (development and tests, where Google cannot be reached)
 * one signs in as any Google address through the emulator's own Google stand-in.
 */
import { initializeApp } from 'firebase/app';
import {
  GoogleAuthProvider,
  browserLocalPersistence,
  connectAuthEmulator,
  getRedirectResult,
  initializeAuth,
  onAuthStateChanged,
  browserPopupRedirectResolver,
  signInWithCredential,
  signInWithPopup,
  signInWithRedirect,
  signOut,
  type Auth,
} from 'firebase/auth';
import type { FirebaseWebConfig } from './firebase-config.js';

export interface SignedInUser {
  readonly email: string;
  readonly emailVerified: boolean;
}

export interface FirebaseSignIn {
  /** True when signing in against the Auth emulator. */
  readonly emulator: boolean;
  /** Calls back now and whenever the user signs in or out; returns the unsubscribe. */
  onUserChanged(callback: (user: SignedInUser | undefined) => void): () => void;
  signInWithGoogle(): Promise<void>;
  /** Emulator only: sign in as this address, as if Google had vouched for it. */
  signInAsEmulatorUser(email: string): Promise<void>;
  signOut(): Promise<void>;
  idToken(): Promise<string | undefined>;
}

/** A sign-in failure, with a message for the person at the screen. */
export class SignInError extends Error {
  override name = 'SignInError';
}

export async function startFirebaseSignIn(config: FirebaseWebConfig): Promise<FirebaseSignIn> {
  const app = initializeApp({ apiKey: config.apiKey, authDomain: config.authDomain, projectId: config.projectId, ...(config.appId ? { appId: config.appId } : {}) });
  const auth: Auth = initializeAuth(app, { persistence: browserLocalPersistence, popupRedirectResolver: browserPopupRedirectResolver });
  if (config.authEmulatorUrl) connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  const provider = new GoogleAuthProvider();
  provider.setCustomParameters({ prompt: 'select_account' });

  // Coming back from a redirect sign-in: surface its failure, if any, on the sign-in page.
  let redirectError: SignInError | undefined;
  if (!config.authEmulatorUrl) {
    await getRedirectResult(auth).catch((error: unknown) => {
      redirectError = toSignInError(error);
    });
  }

  return {
    emulator: Boolean(config.authEmulatorUrl),
    onUserChanged(callback) {
      return onAuthStateChanged(auth, (user) => callback(user?.email ? { email: user.email, emailVerified: user.emailVerified } : undefined));
    },
    async signInWithGoogle() {
      if (redirectError) {
        const error = redirectError;
        redirectError = undefined;
        throw error;
      }
      try {
        await signInWithPopup(auth, provider);
      } catch (error) {
        const code = codeOf(error);
        if (code === 'auth/popup-closed-by-user' || code === 'auth/cancelled-popup-request') return;
        if (code === 'auth/popup-blocked' || code === 'auth/operation-not-supported-in-environment') {
          await signInWithRedirect(auth, provider);
          return;
        }
        throw toSignInError(error);
      }
    },
    async signInAsEmulatorUser(email) {
      if (!config.authEmulatorUrl) throw new SignInError('Signing in by address works only against the Auth emulator.');
      // The emulator accepts an unsigned Google ID token: a JSON object with the claims.
      const idToken = JSON.stringify({ sub: `emulated-${email}`, email, email_verified: true });
      await signInWithCredential(auth, GoogleAuthProvider.credential(idToken)).catch((error: unknown) => {
        throw toSignInError(error);
      });
    },
    async signOut() {
      await signOut(auth);
    },
    async idToken() {
      return auth.currentUser?.getIdToken();
    },
  };
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function toSignInError(error: unknown): SignInError {
  const code = codeOf(error);
  switch (code) {
    case 'auth/unauthorized-domain':
      return new SignInError(`This address (${location.hostname}) is not an authorized domain of the Firebase project: add it under Authentication → Settings → Authorized domains.`);
    case 'auth/operation-not-allowed':
      return new SignInError('Google sign-in is not enabled in the Firebase project: enable it under Authentication → Sign-in method.');
    case 'auth/network-request-failed':
      return new SignInError('Google sign-in could not be reached. Check your connection and try again.');
    case 'auth/account-exists-with-different-credential':
      return new SignInError('This address already signs in another way; use Google with the same address.');
    default:
      return new SignInError(`Sign-in failed${code ? ` (${code})` : ''}. Try again.`);
  }
}
