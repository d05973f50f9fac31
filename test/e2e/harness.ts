/**
 * Starts the real app (createApp) on a random loopback port, with the local stores in a
 * temp directory and the real Gemini client pointed at the Gemini fake.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../../server/app.js';
import { buildRegistry, type ModelRegistry } from '../../server/core/models.js';
import { createGeminiImageGenerator } from '../../server/gemini/gemini-image-generator.js';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import { silentLogger } from '../../server/log.js';
import { LocalRecordStore } from '../../server/records/local-record-store.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';

export interface TestServer {
  readonly url: string;
  readonly root: string;
  readonly fake: GeminiFake;
  readonly records: RecordStore;
  /** A connected MCP client; `close()` disconnects it too. */
  connect(): Promise<Client>;
  /** Files (not directories) under the image root, relative and sorted. */
  files(): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  registry?: ModelRegistry;
  /** Wraps the local record store, e.g. to make writes fail. */
  records?: (store: RecordStore) => RecordStore;
  geminiTimeoutMs?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'image-studio-e2e-'));
  const fake = await startGeminiFake();
  const local = new LocalRecordStore(root);
  const records = options.records ? options.records(local) : local;

  // Listen first: the app needs its public URL, which needs the port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const app = createApp({
    authDisabled: true,
    publicUrl: url,
    registry: options.registry ?? buildRegistry(),
    images: new LocalImageStore(root),
    records,
    generator: createGeminiImageGenerator({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      timeoutMs: options.geminiTimeoutMs ?? 5_000,
      maxRetries: 2,
      retryBaseDelayMs: 5,
      logger: silentLogger,
    }),
    logger: silentLogger,
    progressIntervalMs: 50,
  });
  server.on('request', app);

  const clients: Client[] = [];
  return {
    url,
    root,
    fake,
    records,
    async connect() {
      const client = new Client({ name: 'e2e-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      clients.push(client);
      return client;
    },
    async files() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
        .sort();
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
