/**
 * Figures 5 and 6: the dashboard API on Firestore (the emulator) — the first gallery page of
 * a user with 5,000 generations against one raw query for the same page, and how many
 * documents the cost table reads with 50 users.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DocumentReference, FieldPath, Query, type Firestore } from '@google-cloud/firestore';
import { createApp } from '../server/app.js';
import { LocalImageStore } from '../server/images/local-image-store.js';
import { silentLogger } from '../server/log.js';
import { FirestoreRecordStore } from '../server/records/firestore-record-store.js';
import { sampleRecord } from '../test/contract/record-store.contract.js';
import { everyModelServed } from '../test/support/models.js';
import { mochaGlobalSetup as startEmulator, mochaGlobalTeardown as stopEmulator, newTestFirestore } from '../test/support/firestore-emulator.js';
import { median, timeMs, type Figure } from './stats.js';

const HEAVY_USER = 'heavy@example.com';
const GENERATIONS = 5_000;
const USERS = 50;
const PAGE = 24;

/** Counts documents read through the Firestore client (instrumentation for this benchmark only). */
function countReads(): { reads: () => number; reset: () => void } {
  let reads = 0;
  /* eslint-disable @typescript-eslint/unbound-method -- the originals are called with .call(this) */
  const queryGet = Query.prototype.get;
  Query.prototype.get = async function (this: Query) {
    const snapshot = await queryGet.call(this);
    reads += Math.max(1, snapshot.size); // Firestore bills an empty query as one read
    return snapshot;
  };
  const docGet = DocumentReference.prototype.get;
  DocumentReference.prototype.get = async function (this: DocumentReference) {
    reads += 1;
    return docGet.call(this);
  };
  /* eslint-enable @typescript-eslint/unbound-method */
  return { reads: () => reads, reset: () => void (reads = 0) };
}

async function seed(db: Firestore): Promise<void> {
  const store = new FirestoreRecordStore(db);
  const start = Date.UTC(2026, 0, 1);
  const records = Array.from({ length: GENERATIONS }, (_, i) => sampleRecord({ email: HEAVY_USER, prompt: `image ${i}`, createdAt: new Date(start + i * 60_000).toISOString() }));
  for (let u = 1; u < USERS; u++) records.push(sampleRecord({ email: `user${u}@example.com` }));
  // Through the store, so totals are kept exactly as in production; 16 at a time.
  for (let i = 0; i < records.length; i += 16) await Promise.all(records.slice(i, i + 16).map((r) => store.commit(r)));
}

export async function benchDashboardApi(runs: number): Promise<Figure[]> {
  await startEmulator();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-api-'));
  const counter = countReads();
  const db = newTestFirestore();
  const server = createServer(
    createApp({
      auth: { kind: 'disabled' },
      publicUrl: 'http://localhost',
      ...everyModelServed(),
      images: new LocalImageStore(dir),
      records: new FirestoreRecordStore(db),
      generator: { generate: () => Promise.reject(new Error('not in this benchmark')) },
      logger: silentLogger,
    }),
  );
  try {
    await seed(db);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (pathAndQuery: string) => {
      const response = await fetch(`${url}${pathAndQuery}`);
      if (!response.ok) throw new Error(`${pathAndQuery}: ${response.status}`);
      return response.json();
    };

    const pagePath = `/api/generations?user=${encodeURIComponent(HEAVY_USER)}&limit=${PAGE}`;
    const rawQuery = () => db.collection('generations').where('email', '==', HEAVY_USER).orderBy('createdAt', 'desc').orderBy(FieldPath.documentId(), 'desc').limit(PAGE + 1).get();
    await Promise.all([get(pagePath), rawQuery()]);
    // Interleaved, so both see the emulator in the same state; at least 30 pairs, as the
    // emulator's own pauses (a JVM) otherwise move the median by a third.
    const api: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < Math.max(runs, 30); i++) {
      api.push((await timeMs(() => get(pagePath)))[0]);
      raw.push((await timeMs(rawQuery))[0]);
    }
    const apiMs = median(api);
    const rawMs = median(raw);

    counter.reset();
    const costs = (await get('/api/costs')) as { users: unknown[]; total: { imageCount: number } };
    const costReads = counter.reads();
    return [
      {
        figure: `gallery first page (${PAGE}) of a user with ${GENERATIONS} generations, median of ${api.length}`,
        measured: `${apiMs.toFixed(1)} ms`,
        floor: `${rawMs.toFixed(1)} ms (raw Firestore query)`,
        ratio: apiMs / rawMs,
        target: '≤ 1.5×',
        met: apiMs / rawMs <= 1.5,
      },
      {
        figure: `cost table, ${costs.users.length} users, ${costs.total.imageCount} generations`,
        measured: `${costReads} document reads`,
        // Each row carries the month's budget, whose reservations are the jobs in flight: one
        // query for all of them (Firestore bills an empty query as one read).
        floor: `${costs.users.length + 1} (one per user, one query for the generations in flight)`,
        ratio: costReads / (costs.users.length + 1),
        target: 'reads = users + 1',
        met: costReads === costs.users.length + 1,
      },
    ];
  } finally {
    server.close();
    await stopEmulator();
    await rm(dir, { recursive: true, force: true });
  }
}
