/**
 * Figures 5 to 7: the dashboard API on Firestore (the emulator) — the first gallery page of
 * a user with 5,000 generations against one raw query for the same page; a prompt search
 * that has to read all 5,000 (every call of it, by cursor) against one raw query reading
 * them all and matching in memory; and how many documents the cost table reads with 50 users.
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
import { foldForSearch, matchesWords, searchWords } from '../server/core/search.js';
import { sampleRecord } from '../test/contract/record-store.contract.js';
import { everyModelServed } from '../test/support/models.js';
import { mochaGlobalSetup as startEmulator, mochaGlobalTeardown as stopEmulator, newTestFirestore } from '../test/support/firestore-emulator.js';
import { median, timeMs, type Figure } from './stats.js';

const HEAVY_USER = 'heavy@example.com';
const GENERATIONS = 5_000;
const USERS = 50;
const PAGE = 24;
/** Found in 5 prompts, spread over the 5,000: the search reads them all to find every one. */
const SEARCH_WORDS = 'heron dusk';
const heronEvery = GENERATIONS / 5;

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
  const prompt = (i: number) => (i % heronEvery === 17 ? `a grey Héron at dusk, image ${i}` : `a lighthouse on a cliff, image ${i}`);
  const records = Array.from({ length: GENERATIONS }, (_, i) => sampleRecord({ email: HEAVY_USER, prompt: prompt(i), createdAt: new Date(start + i * 60_000).toISOString() }));
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

    // The search as the dashboard runs it: page after page, by cursor, to the end.
    const searchPath = `/api/generations?user=${encodeURIComponent(HEAVY_USER)}&limit=${PAGE}&q=${encodeURIComponent(SEARCH_WORDS)}`;
    const searchAll = async () => {
      let found = 0;
      let calls = 0;
      let cursor: string | undefined;
      do {
        const page = (await get(`${searchPath}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as { generations: unknown[]; nextCursor?: string };
        found += page.generations.length;
        calls++;
        cursor = page.nextCursor;
      } while (cursor);
      return { found, calls };
    };
    // The floor: every record of the user in one query, matched in memory with the same matcher.
    const words = searchWords(SEARCH_WORDS);
    const rawSearch = async () => {
      const snapshot = await db.collection('generations').where('email', '==', HEAVY_USER).get();
      return snapshot.docs.filter((doc) => matchesWords(foldForSearch(String(doc.get('prompt'))), words)).length;
    };
    const [checked, rawFound] = await Promise.all([searchAll(), rawSearch()]);
    if (checked.found !== rawFound || rawFound !== GENERATIONS / heronEvery) throw new Error(`search found ${checked.found}, the raw query ${rawFound}`);
    const search: number[] = [];
    const rawScan: number[] = [];
    for (let i = 0; i < Math.max(runs, 10); i++) {
      search.push((await timeMs(searchAll))[0]);
      rawScan.push((await timeMs(rawSearch))[0]);
    }
    const searchMs = median(search);
    const rawScanMs = median(rawScan);

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
        figure: `search over ${GENERATIONS} images (${checked.calls} calls by cursor, ${checked.found} found), median of ${search.length}`,
        measured: `${searchMs.toFixed(1)} ms`,
        floor: `${rawScanMs.toFixed(1)} ms (raw query of all ${GENERATIONS}, matched in memory)`,
        ratio: searchMs / rawScanMs,
        target: '≤ 1.5×',
        met: searchMs / rawScanMs <= 1.5,
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
