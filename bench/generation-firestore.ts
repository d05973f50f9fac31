/**
 * Firestore operations per generate_image on the cloud stores: the compiled server in cloud
 * mode, against the Firestore emulator behind a counting proxy (bench/firestore-ops.ts) and
 * the Cloud Storage fake, with a monthly budget set, sign-in off. Counts are exact (they do
 * not depend on the machine's load), so a few generations suffice.
 */
import path from 'node:path';
import { LOCAL_CALLER } from '../server/core/access.js';
import { FirestoreRecordStore } from '../server/records/firestore-record-store.js';
import {
  emulatorHost,
  mochaGlobalSetup as startEmulator,
  mochaGlobalTeardown as stopEmulator,
  newTestFirestore,
  newTestProjectId,
} from '../test/support/firestore-emulator.js';
import { startCountingProxy, type FirestoreOps } from './firestore-ops.js';
import { BENCH_BUDGET_USD, connect, generate } from './generation.js';
import { jobsPathFigure } from './jobs-check.js';
import { ROOT, spawnNode, startFake, startServer, waitForHealth, type Child } from './processes.js';
import type { Figure } from './stats.js';

const GENERATIONS = 3;

/**
 * What one generation must ask of Firestore (the floor; see docs/performance.md): read the
 * user document (preferences, the admin's limit, the month's spend, its version for the
 * conditional start) and query the user's generating jobs (what is held), then one batch
 * (create the job, update the user document); finish in one batch (create the record, add to
 * the totals, delete the job); for the answer's "this month" line, read the user document and
 * the jobs again (other generations may have moved them). Nothing needs a transaction.
 */
const FLOOR: FirestoreOps = { reads: 4, writes: 4, deletes: 1, commits: 2, transactions: 0, calls: { BatchGetDocuments: 2, RunQuery: 2, Commit: 2 } };

/** "6 reads (4 gets, 2 queries), 4 writes + 1 delete in 2 commits, 0 transactions" */
function describe(ops: FirestoreOps): string {
  const gets = (ops.calls.BatchGetDocuments ?? 0) + (ops.calls.GetDocument ?? 0);
  const queries = ops.calls.RunQuery ?? 0;
  const other = Object.keys(ops.calls).filter((m) => !['BatchGetDocuments', 'GetDocument', 'RunQuery', 'Commit'].includes(m));
  return (
    `${ops.reads} reads (${gets} gets, ${queries} queries), ${ops.writes} writes + ${ops.deletes} delete${ops.deletes === 1 ? '' : 's'} ` +
    `in ${ops.commits} commits, ${ops.transactions} transactions${other.length ? `, also ${other.map((m) => `${m} ${ops.calls[m]}`).join(', ')}` : ''}`
  );
}

export async function benchFirestoreOps(): Promise<Figure[]> {
  await startEmulator();
  const proxy = await startCountingProxy(emulatorHost());
  const projectId = newTestProjectId();
  const children: Child[] = [];
  try {
    const gcs = await spawnNode(['--import', path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(ROOT, 'bench/gcs-fake-process.ts')], {});
    children.push(gcs);
    await waitForHealth(gcs.url, '/storage/v1/b/demo-bucket/o');
    const fake = await startFake();
    children.push(fake);
    const server = await startServer({
      IMG_AUTH_DISABLED: '1',
      GEMINI_API_KEY: fake.apiKey,
      IMG_GEMINI_BASE_URL: fake.url,
      IMG_BUCKET: 'demo-bucket',
      GOOGLE_CLOUD_PROJECT: projectId,
      STORAGE_EMULATOR_HOST: gcs.url,
      FIRESTORE_EMULATOR_HOST: proxy.host,
      IMG_MONTHLY_BUDGET_USD: BENCH_BUDGET_USD,
    });
    children.push(server);
    const client = await connect(server.url);
    await generate(client, '1K'); // the first one creates the user document and loads what a generation loads
    proxy.take();
    const each: FirestoreOps[] = [];
    for (let i = 0; i < GENERATIONS; i++) {
      await generate(client, '1K');
      each.push(proxy.take());
    }
    await client.close();
    const shapes = [...new Set(each.map(describe))];
    const first = each[0]!;
    const counts = ['reads', 'writes', 'deletes', 'commits', 'transactions'] as const;
    const met = each.every((ops) => counts.every((key) => ops[key] <= FLOOR[key]));
    const records = new FirestoreRecordStore(newTestFirestore(projectId));
    return [
      {
        figure: `Firestore operations per generate_image (cloud stores, budget set, sign-in off; ${shapes.length === 1 ? `each of ${GENERATIONS} alike` : `${GENERATIONS} differed`})`,
        measured: shapes.join('; '),
        floor: describe(FLOOR),
        ratio: first.reads / FLOOR.reads,
        target: '≤ the floor, each count',
        met,
      },
      await jobsPathFigure('cloud', records, LOCAL_CALLER.email, GENERATIONS + 1),
    ];
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await stopEmulator();
    await proxy.close();
  }
}
