/**
 * The dashboard signs in with Firebase Auth (Google provider) and sends its Firebase ID
 * token with every API call. This is the one thing the API needs from Firebase.
 */
import { AppError } from '../errors.js';

export interface DashboardIdentity {
  /** Lowercased. */
  readonly email: string;
  readonly emailVerified: boolean;
  /** Firebase's `sign_in_provider`, e.g. `google.com` or `password`. */
  readonly provider: string;
}

export interface IdTokenVerifier {
  /** The identity in a valid Firebase ID token for our project; rejects UNAUTHENTICATED otherwise. */
  verify(idToken: string): Promise<DashboardIdentity>;
}

/** On firebase-admin. With FIREBASE_AUTH_EMULATOR_HOST set (tests only) it accepts the emulator's unsigned tokens. */
export async function createFirebaseIdTokenVerifier(projectId: string): Promise<IdTokenVerifier> {
  // Loaded only when the dashboard API is on: firebase-admin is large.
  const [{ initializeApp, getApps }, { getAuth }] = await Promise.all([import('firebase-admin/app'), import('firebase-admin/auth')]);
  const name = `image-studio-api-${projectId}`;
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId }, name);
  const auth = getAuth(app);
  return {
    async verify(idToken) {
      let claims;
      try {
        claims = await auth.verifyIdToken(idToken);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const expired = code === 'auth/id-token-expired';
        throw new AppError('UNAUTHENTICATED', expired ? 'Your sign-in has expired; sign in again.' : 'The sign-in token is not valid; sign in again.', { cause: err });
      }
      return {
        email: (claims.email ?? '').toLowerCase(),
        emailVerified: claims.email_verified === true,
        provider: claims.firebase.sign_in_provider,
      };
    },
  };
}
