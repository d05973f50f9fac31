/**
 * The Firebase web config, never hard-coded: from the build's environment (`VITE_FIREBASE_*`,
 * see web/README.md) or, on Firebase Hosting, from its reserved `/__/firebase/init.json`.
 */

export interface FirebaseWebConfig {
  readonly apiKey: string;
  readonly authDomain: string;
  readonly projectId: string;
  readonly appId?: string;
  /** Set only in development and tests: sign in against the Firebase Auth emulator. */
  readonly authEmulatorUrl?: string;
}

export async function loadFirebaseConfig(): Promise<FirebaseWebConfig | undefined> {
  const env = import.meta.env;
  const fromBuild = {
    apiKey: env.VITE_FIREBASE_API_KEY as string | undefined,
    authDomain: env.VITE_FIREBASE_AUTH_DOMAIN as string | undefined,
    projectId: env.VITE_FIREBASE_PROJECT_ID as string | undefined,
    appId: env.VITE_FIREBASE_APP_ID as string | undefined,
    authEmulatorUrl: env.VITE_FIREBASE_AUTH_EMULATOR_URL as string | undefined,
  };
  if (fromBuild.apiKey) return complete(fromBuild);
  try {
    const response = await fetch('/__/firebase/init.json');
    if (!response.ok) return undefined;
    return complete((await response.json()) as Partial<FirebaseWebConfig>);
  } catch {
    return undefined;
  }
}

function complete(config: Partial<Record<keyof FirebaseWebConfig, unknown>>): FirebaseWebConfig | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const apiKey = text(config.apiKey);
  const projectId = text(config.projectId);
  if (!apiKey || !projectId) return undefined;
  const appId = text(config.appId);
  const authEmulatorUrl = text(config.authEmulatorUrl);
  return {
    apiKey,
    projectId,
    authDomain: text(config.authDomain) ?? `${projectId}.firebaseapp.com`,
    ...(appId ? { appId } : {}),
    ...(authEmulatorUrl ? { authEmulatorUrl } : {}),
  };
}
