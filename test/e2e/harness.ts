/**
 * Starts the real app (createApp) on a random loopback port, on the local or the cloud
 * stores (see store-kits.ts), with the real Gemini client pointed at the Gemini fake.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.js';
import { buildCatalogue, type Catalogue } from '../../server/core/models.js';
import { createGeminiImageGenerator } from '../../server/gemini/gemini-image-generator.js';
import { createGeminiModelDirectory } from '../../server/gemini/gemini-model-directory.js';
import { createModelResolver } from '../../server/generation/model-resolver.js';
import type { ImageStore } from '../../server/images/image-store.js';
import { createLogger, silentLogger } from '../../server/log.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import type { GcsFake } from '../fakes/gcs-fake.js';
import { connectMcp, type ClientKind, type McpTestClient } from '../support/mcp-clients.js';
import { openStoreKit, type StoreKind, type StoreKit } from '../support/store-kits.js';

export interface TestServer {
  readonly url: string;
  readonly fake: GeminiFake;
  readonly images: ImageStore;
  readonly records: RecordStore;
  /** The Cloud Storage fake, on the cloud stores. */
  readonly gcs?: GcsFake;
  /** A connected MCP client of the given kind (default: 2026-07-28), sending `headers` with every request; `close()` disconnects it too. */
  connect(options?: { kind?: ClientKind; headers?: Record<string, string> }): Promise<McpTestClient>;
  /** Everything stored: files, or bucket objects and record documents. */
  stored(): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Default: local. */
  store?: StoreKind;
  /** Stores the test opened itself (e.g. on a Firestore emulator of its own), instead of `store`; closed with the server. */
  storeKit?: StoreKit;
  catalogue?: Catalogue;
  /** Wraps the local record store, e.g. to make writes fail. */
  records?: (store: RecordStore) => RecordStore;
  /** Wraps the image store, e.g. to make reads slow. */
  images?: (store: ImageStore) => ImageStore;
  geminiTimeoutMs?: number;
  recordDeadlineMs?: number;
  /** Gemini's images are random pixels: realistic (large) PNGs and previews. */
  noisyImages?: boolean;
  /** A built dashboard to serve at /ui. */
  dashboardDir?: string;
  /** Collects the app's log lines (JSON), from DEBUG up. */
  logLines?: string[];
  traceProject?: string;
  /** How long generate_image waits before answering "still generating" (default: the server's). */
  toolWaitMs?: number;
  /** Every user's monthly limit (IMG_MONTHLY_BUDGET_USD). */
  monthlyBudgetUsd?: number;
  /** Upload links' key and who may upload (default: a random key, the local user only). */
  uploads?: { signingKey: string; isAllowed: (email: string) => boolean };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const stores = options.storeKit ?? (await openStoreKit(options.store ?? 'local'));
  const fake = await startGeminiFake({ noisy: options.noisyImages ?? false });
  const records = options.records ? options.records(stores.records) : stores.records;
  const images = options.images ? options.images(stores.images) : stores.images;

  // Listen first: the app needs its public URL, which needs the port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const catalogue = options.catalogue ?? buildCatalogue();
  const gemini = { backend: { kind: 'api-key' as const, apiKey: fake.apiKey }, baseUrl: fake.url };
  const logger = options.logLines ? createLogger((line) => options.logLines?.push(line), {}, 'DEBUG') : silentLogger;
  const app = createApp({
    auth: { kind: 'disabled' },
    publicUrl: url,
    catalogue,
    // The real line-up look-up, against the fake's models list.
    models: createModelResolver({ catalogue, directory: createGeminiModelDirectory(gemini), logger }),
    images,
    records,
    generator: createGeminiImageGenerator({
      ...gemini,
      timeoutMs: options.geminiTimeoutMs ?? 5_000,
      maxRetries: 2,
      retryBaseDelayMs: 5,
      logger,
    }),
    logger,
    progressIntervalMs: 50,
    recordDeadlineMs: options.recordDeadlineMs,
    ...(options.toolWaitMs !== undefined ? { toolWaitMs: options.toolWaitMs } : {}),
    ...(options.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: options.monthlyBudgetUsd } : {}),
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
    ...(options.traceProject ? { traceProject: options.traceProject } : {}),
    ...(options.uploads ? { uploads: options.uploads } : {}),
  });
  server.on('request', app);

  const clients: McpTestClient[] = [];
  return {
    url,
    fake,
    images: stores.images,
    records,
    gcs: stores.gcs,
    async connect({ kind = '2026-07-28', headers }: { kind?: ClientKind; headers?: Record<string, string> } = {}) {
      const client = await connectMcp(kind, `${url}/mcp`, headers ? { headers } : {});
      clients.push(client);
      return client;
    },
    stored: () => stores.stored(),
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
      await stores.close();
    },
  };
}
