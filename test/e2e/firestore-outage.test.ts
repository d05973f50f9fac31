/**
 * Firestore gone (the emulator killed: connections refused) or frozen (SIGSTOP: connections
 * open, nothing answers). Every call of the Firestore adapters must fail within its deadline,
 * the app must answer "temporarily unavailable" within 10 s without spending anything, and
 * everything must work again, by itself, once Firestore is back. Each fault gets an emulator
 * of its own; the shared one is never touched.
 *
 * The its of a describe run in order: before() breaks Firestore, the last it() mends it.
 */
import { expect } from 'chai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Firestore } from '@google-cloud/firestore';
import { FirestoreAuthStateStore } from '../../server/auth/firestore-auth-state-store.js';
import { LOCAL_CALLER } from '../../server/core/access.js';
import type { ImageName } from '../../server/core/names.js';
import { AppError } from '../../server/errors.js';
import { CloudImageStore } from '../../server/images/cloud-image-store.js';
import { FirestoreRecordStore } from '../../server/records/firestore-record-store.js';
import { WriteOutcomeUnknownError, type GenerationRecord } from '../../server/records/record-store.js';
import { sampleRecord } from '../contract/record-store.contract.js';
import { newTestBucket, startGcsFake } from '../fakes/gcs-fake.js';
import { startPrivateEmulator, type PrivateEmulator } from '../support/firestore-emulator.js';
import type { McpTestClient } from '../support/mcp-clients.js';
import type { StoreKit } from '../support/store-kits.js';
import { startTestServer, type TestServer } from './harness.js';

/** Low, to keep the test short; production's default is 5 s. */
const TIMEOUT_MS = 2_000;
/** The adapters' bound: their deadline, and some slack for a busy machine. */
const ADAPTER_BOUND_MS = TIMEOUT_MS + 2_000;
/** What a user may wait for an answer (config.ts). */
const APP_BOUND_MS = 10_000;
/**
 * When the client itself has given up on a read, behind the adapter's back: at most 5
 * attempts (Firestore's own retry loop) of one deadline each, and its backoff between them
 * (1 s × 1.5ⁿ, ±50 %: at most 12.2 s in all), with slack. With the library's defaults a read
 * to a killed server takes 40 s, to a frozen one over an hour.
 */
const CLIENT_GIVES_UP_MS = 5 * TIMEOUT_MS + 12_200 + 5_000;
const EMAIL = LOCAL_CALLER.email;
const RECORD_STORE_DOWN = 'The record store is temporarily unavailable. Please try again in a moment.';
const SIGN_IN_STORE_DOWN = 'The sign-in store is temporarily unavailable. Please try again in a moment.';

type Content = CallToolResult['content'][number];

function textOf(result: CallToolResult): string {
  return result.content.filter((c): c is Extract<Content, { type: 'text' }> => c.type === 'text').map((c) => c.text).join('\n');
}

function titleOf(result: CallToolResult): string {
  const match = /"([0-9a-f]{32}\.png)"/.exec(textOf(result));
  if (!match?.[1]) throw new Error(`no title in: ${textOf(result)}`);
  return match[1];
}

/** How `promise` settled, and after how many milliseconds. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await promise;
    return { ms: Date.now() - start, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

/** The cloud stores on `emulator` (and a Cloud Storage fake of their own). */
async function openKitOn(emulator: PrivateEmulator): Promise<StoreKit & { db: Firestore }> {
  const gcs = await startGcsFake();
  const db = emulator.newFirestore({ timeoutMs: TIMEOUT_MS });
  return {
    kind: 'cloud',
    gcs,
    db,
    images: new CloudImageStore(newTestBucket(gcs)),
    records: new FirestoreRecordStore(db),
    authState: new FirestoreAuthStateStore(db),
    stored: async () => [...gcs.objects.keys()].sort(),
    close: () => gcs.close(),
  };
}

interface Fault {
  readonly name: string;
  begin(emulator: PrivateEmulator): Promise<void> | void;
  end(emulator: PrivateEmulator): Promise<void> | void;
  /** Whether the records written before the fault are still there after it. */
  readonly keepsData: boolean;
}

const FAULTS: readonly Fault[] = [
  { name: 'stopped (killed)', begin: (e) => e.kill(), end: (e) => e.restart(), keepsData: false },
  { name: 'frozen (SIGSTOP)', begin: (e) => e.freeze(), end: (e) => e.thaw(), keepsData: true },
];

for (const fault of FAULTS) {
  describe(`with Firestore ${fault.name}`, function () {
    this.timeout(60_000);
    let emulator: PrivateEmulator;
    let kit: StoreKit & { db: Firestore };
    let server: TestServer;
    let client: McpTestClient;
    let stored: ImageName;
    /** Committed while Firestore was down: its outcome was unknown. */
    let unconfirmed: GenerationRecord;
    /** A read sent straight through the client when the fault began: does it give up by itself? */
    let rawRead: Promise<{ ms: number; error?: unknown }>;

    const api = (path: string) => timed(fetch(`${server.url}${path}`).then(async (res) => ({ status: res.status, body: await res.json() })));
    const generate = () => client.callTool({ name: 'generate_image', arguments: { prompt: 'a lighthouse at dusk' } });

    before(async () => {
      emulator = await startPrivateEmulator();
      kit = await openKitOn(emulator);
      server = await startTestServer({ store: 'cloud', storeKit: kit });
      client = await server.connect();
      // Something to look up, and a warm connection, as a running server has.
      const first = await generate();
      expect(first.isError, textOf(first)).to.not.equal(true);
      stored = titleOf(first) as ImageName;
      server.fake.reset();

      await fault.begin(emulator);
      rawRead = timed(kit.db.doc('generations/raw-read').get());
    });

    after(async () => {
      emulator?.thaw(); // whatever happened, first of all
      await (server ? server.close() : kit?.close());
      await emulator?.stop();
    });

    it('fails every adapter call UNAVAILABLE within the deadline, and a commit as of unknown outcome', async () => {
      const records = kit.records;
      const calls = {
        get: records.get(stored),
        prefs: records.prefs(EMAIL),
        totals: records.totals(EMAIL),
        listByUser: records.listByUser(EMAIL, { limit: 10 }),
        commit: records.commit((unconfirmed = sampleRecord({ email: EMAIL }))),
        authGet: kit.authState.get('client', 'c1'),
        authPut: kit.authState.put('client', 'c2', { name: 'Claude' }),
      };
      const outcomes = Object.fromEntries(await Promise.all(Object.entries(calls).map(async ([name, call]) => [name, await timed<unknown>(call)] as const)));

      for (const [name, { ms, error }] of Object.entries(outcomes)) {
        expect(ms, `${name} took ${ms} ms`).to.be.below(ADAPTER_BOUND_MS);
        if (name === 'commit') {
          expect(error, name).to.be.instanceOf(WriteOutcomeUnknownError);
        } else {
          expect(error, name).to.be.instanceOf(AppError);
          expect(error, name).to.include({ status: 'UNAVAILABLE', publicMessage: name.startsWith('auth') ? SIGN_IN_STORE_DOWN : RECORD_STORE_DOWN });
        }
      }
    });

    it('answers image_info, generate_image and the dashboard API "temporarily unavailable" within 10 s, spending nothing', async () => {
      const [info, generated, me, generations] = await Promise.all([
        timed(client.callTool({ name: 'image_info', arguments: { image: stored } })),
        timed(generate()), // no model: it reads the user's default model first
        api('/api/me'),
        api('/api/generations'),
      ]);

      for (const [name, { ms, value }] of Object.entries({ image_info: info, generate_image: generated })) {
        expect(ms, `${name} took ${ms} ms`).to.be.below(APP_BOUND_MS);
        expect(value?.isError, name).to.equal(true);
        expect(textOf(value!), name).to.include('temporarily unavailable');
      }
      expect(server.fake.requests, 'requests to Gemini').to.have.length(0);
      for (const [name, { ms, value }] of Object.entries({ '/api/me': me, '/api/generations': generations })) {
        expect(ms, `${name} took ${ms} ms`).to.be.below(APP_BOUND_MS);
        expect(value, name).to.deep.equal({ status: 503, body: { error: 'unavailable', message: RECORD_STORE_DOWN } });
      }
    });

    it('leaves no read running behind the adapter: the client gives up by itself soon after', async () => {
      const { ms, error } = await rawRead;
      expect(error, 'the raw read').to.have.property('code').that.is.oneOf([4, 14]);
      expect(ms, `the raw read took ${ms} ms`).to.be.below(CLIENT_GIVES_UP_MS);
    });

    it('works again, by itself, once Firestore is back', async () => {
      await fault.end(emulator);
      // gRPC reconnects to a server that went away within one deadline (firestore-client.ts).
      const deadline = Date.now() + APP_BOUND_MS;
      let me = await api('/api/me');
      while (me.value?.status !== 200 && Date.now() < deadline) me = await api('/api/me');
      expect(me.value?.status, JSON.stringify(me.value)).to.equal(200);

      const generated = await generate();
      expect(generated.isError, textOf(generated)).to.not.equal(true);
      const name = titleOf(generated);
      for (const image of fault.keepsData ? [stored, name] : [name]) {
        const info = await client.callTool({ name: 'image_info', arguments: { image } });
        expect(info.isError, textOf(info)).to.not.equal(true);
      }
      const generations = await api('/api/generations');
      expect(generations.value?.status).to.equal(200);
      if (fault.keepsData) {
        // Why a commit past its deadline is of unknown outcome, not failed: the frozen server
        // had it, and applies it once it runs again (the client's own attempt waits 60 s,
        // and this test thaws it well within that).
        expect(await kit.records.get(unconfirmed.name)).to.deep.equal(unconfirmed);
      }
      await kit.records.commit(sampleRecord({ email: EMAIL }));
      await kit.authState.put('client', 'c3', { name: 'Claude' });
      expect(await kit.authState.get('client', 'c3')).to.deep.equal({ name: 'Claude' });
    });
  });
}
