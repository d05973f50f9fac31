/**
 * The app with the dashboard API behind Firebase sign-in (tokens from the Auth emulator,
 * verified by firebase-admin) on the given stores, listening on a random port. Gemini is never
 * called; MCP's OAuth is configured but unused.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFirebaseIdTokenVerifier } from '../../server/api/id-token-verifier.js';
import { createApp } from '../../server/app.js';
import { oauthRoutes } from '../../server/auth/auth-routes.js';
import { silentLogger } from '../../server/log.js';
import { AUTH_EMULATOR_PROJECT } from '../support/auth-emulator.js';
import { everyModelServed } from '../support/models.js';
import type { StoreKit } from '../support/store-kits.js';

export interface DashboardApiServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDashboardApiServer(
  kit: StoreKit,
  options: { allowed: readonly string[]; admins: readonly string[]; monthlyBudgetUsd?: number },
): Promise<DashboardApiServer> {
  const allowedEmails = [...options.allowed];
  const adminEmails = [...options.admins];
  const app = createApp({
    auth: {
      kind: 'oauth',
      routes: oauthRoutes({
        publicUrl: 'http://localhost',
        signingKey: 'k'.repeat(40),
        state: kit.authState,
        google: { authorizationUrl: () => 'http://unused', exchange: () => Promise.reject(new Error('unused')) },
        allowedEmails,
        adminEmails,
        logger: silentLogger,
      }),
    },
    dashboardAuth: { kind: 'firebase', verifier: await createFirebaseIdTokenVerifier(AUTH_EMULATOR_PROJECT), allowedEmails, adminEmails },
    publicUrl: 'http://localhost',
    ...everyModelServed(),
    images: kit.images,
    records: kit.records,
    generator: { generate: () => Promise.reject(new Error('unused')) },
    logger: silentLogger,
    ...(options.monthlyBudgetUsd === undefined ? {} : { monthlyBudgetUsd: options.monthlyBudgetUsd }),
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
