import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { monthOf } from '../../server/core/budget.js';
import { idOf, newImageName } from '../../server/core/names.js';
import { addGeneration, emptyTotals, type UserTotals } from '../../server/core/totals.js';
import { AppError } from '../../server/errors.js';
import { FirestoreRecordStore, recordStoreError } from '../../server/records/firestore-record-store.js';
import { JOB_LEASE_LOST, WriteOutcomeUnknownError, type GenerationRecord } from '../../server/records/record-store.js';
import { emulatorHost, newTestFirestore, newTestProjectId, startPrivateEmulator, type PrivateEmulator } from '../support/firestore-emulator.js';
import { jobStoreContract, sampleJob } from './job-store.contract.js';
import { recordStoreContract, sampleRecord } from './record-store.contract.js';

recordStoreContract('Firestore (emulator)', async (options) => new FirestoreRecordStore(newTestFirestore(), options));
jobStoreContract('Firestore (emulator)', async () => new FirestoreRecordStore(newTestFirestore()));

const PRICES = [
  { modelAlias: 'flash', modelId: 'gemini-3.1-flash-image-preview', imageSize: '1K', costUsd: 0.067 },
  { modelAlias: 'flash', modelId: 'gemini-3.1-flash-image-preview', imageSize: '2K', costUsd: 0.101 },
  { modelAlias: 'flash', modelId: 'gemini-3.1-flash-image-preview', imageSize: '4K', costUsd: 0.151 },
  { modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '2K', costUsd: 0.134 },
  { modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '4K', costUsd: 0.24 },
] as const;

function expectedTotals(email: string, records: readonly GenerationRecord[]): UserTotals {
  return records.filter((r) => r.email === email).reduce(addGeneration, emptyTotals(email));
}

describe('FirestoreRecordStore', () => {
  let db: Firestore;
  let store: FirestoreRecordStore;
  beforeEach(() => {
    db = newTestFirestore();
    store = new FirestoreRecordStore(db);
  });

  it('keeps each user’s totals exactly equal to the sum of their records when 30 commits race', async () => {
    const emails = ['ada@example.com', 'bob@example.com', 'cy@example.com'];
    const records = Array.from({ length: 30 }, (_, i) =>
      sampleRecord({
        ...PRICES[i % PRICES.length]!,
        email: emails[i % emails.length]!,
        // Out of order on purpose: the latest generation is not the last one committed.
        createdAt: new Date(Date.UTC(2026, 10, 1 + ((i * 7) % 23), 10)).toISOString(),
      }),
    );
    await Promise.all(records.map((r) => store.commit(r)));

    for (const email of emails) expect(await store.totals(email)).to.deep.equal(expectedTotals(email, records));
    expect(await store.allTotals()).to.deep.equal(emails.map((email) => expectedTotals(email, records)));
  });

  it('stores a record at generations/{id} and the totals at users/{encoded email}, costs in integer micro-dollars', async () => {
    const projectId = newTestProjectId();
    const db = newTestFirestore(projectId);
    const store = new FirestoreRecordStore(db);
    const record = sampleRecord({ email: "o'neil+art@example.com", modelAlias: 'pro', modelId: 'gemini-3-pro-image-preview', imageSize: '4K', costUsd: 0.24 });
    await store.commit(record);
    await store.setPrefs(record.email, { defaultModel: 'pro' });

    const generation = await db.doc(`generations/${idOf(record.name)}`).get();
    expect(generation.data()).to.deep.equal(record);
    const user = await db.doc(`users/${encodeURIComponent(record.email)}`).get();
    expect(user.id).to.equal('o\'neil%2Bart%40example.com');
    expect(user.data()).to.deep.equal({
      email: record.email,
      imageCount: 1,
      costMicros: 240000,
      byModel: { pro: { imageCount: 1, costMicros: 240000 } },
      lastGenerationAtMs: Date.parse(record.createdAt),
      months: { '2026-11': { costMicros: 240000, generatedCount: 1 } },
      days: { '2026-11-24': { costMicros: 240000, generatedCount: 1 } },
      defaultModel: 'pro',
    });
    const collections = (await db.listCollections()).map((c) => c.id).sort();
    expect(collections).to.deep.equal(['generations', 'users']);

    // Integers on the wire, not doubles: then every later increment stays exact.
    const raw = await fetch(`http://${emulatorHost()}/v1/projects/${projectId}/databases/(default)/documents/users`, {
      headers: { Authorization: 'Bearer owner' },
    });
    const [listed] = ((await raw.json()) as { documents: { name: string; fields: Record<string, unknown> }[] }).documents;
    expect(listed?.name.endsWith(`/users/${user.id}`)).to.equal(true);
    const fields = listed!.fields;
    expect(fields.costMicros).to.deep.equal({ integerValue: '240000' });
    expect(fields.imageCount).to.deep.equal({ integerValue: '1' });
    expect(fields.months).to.deep.equal({ mapValue: { fields: { '2026-11': { mapValue: { fields: { costMicros: { integerValue: '240000' }, generatedCount: { integerValue: '1' } } } } } } });

    // A delete counts apart (both counters only ever go up), so concurrent writes never lose one.
    await store.remove(record.name);
    expect((await user.ref.get()).data()).to.deep.include({ imageCount: 1, deletedCount: 1, byModel: { pro: { imageCount: 1, deletedCount: 1, costMicros: 240000 } }, costMicros: 240000 });
    expect(await store.totals(record.email)).to.deep.include({ imageCount: 0, costUsd: 0.24, byModel: { pro: { imageCount: 0, costUsd: 0.24 } } });
  });

  it('reads user documents written before deletes and activity were counted', async () => {
    // Months had their spend alone, there were no days, and imageCount counted every image made.
    await db.doc(`users/${encodeURIComponent('ada@example.com')}`).set({
      email: 'ada@example.com',
      imageCount: 2,
      costMicros: 307000,
      byModel: { flash: { imageCount: 1, costMicros: 67000 }, pro: { imageCount: 1, costMicros: 240000 } },
      lastGenerationAtMs: Date.parse('2026-10-02T10:00:00.000Z'),
      months: { '2026-10': { costMicros: 307000 } },
    });
    expect(await store.totals('ada@example.com')).to.deep.equal({
      email: 'ada@example.com',
      imageCount: 2,
      costUsd: 0.307,
      byModel: { flash: { imageCount: 1, costUsd: 0.067 }, pro: { imageCount: 1, costUsd: 0.24 } },
      lastGenerationAt: '2026-10-02T10:00:00.000Z',
    });
    const [ada] = await store.userBudgets('2026-10', 'ada@example.com');
    expect(ada?.spend.spentUsd).to.equal(0.307);
    expect(ada?.months).to.deep.equal({ '2026-10': { generatedCount: 0, costUsd: 0.307 } });
    expect((await store.activity('2026-10-01'))[0]?.days).to.deep.equal({});
    await store.commit(sampleRecord({ createdAt: '2026-10-20T10:00:00.000Z', costUsd: 0.1 }));
    expect((await store.userBudgets('2026-10', 'ada@example.com'))[0]?.months).to.deep.equal({ '2026-10': { generatedCount: 1, costUsd: 0.407 } });
    expect((await store.totals('ada@example.com')).imageCount).to.equal(3);
  });

  it('puts its collections under the prefix it is given', async () => {
    const prefixed = new FirestoreRecordStore(db, { collectionPrefix: 'staging_' });
    const record = sampleRecord();
    await prefixed.commit(record);
    expect((await db.listCollections()).map((c) => c.id).sort()).to.deep.equal(['staging_generations', 'staging_users']);
    expect(await prefixed.get(record.name)).to.deep.equal(record);
    expect(await store.get(record.name)).to.equal(undefined);
  });

  it('lists in allTotals only users who generated, by email, not those who only saved preferences', async () => {
    await store.setPrefs('zoe@example.com', { defaultModel: 'pro' });
    await store.commit(sampleRecord({ email: 'cy@example.com' }));
    await store.commit(sampleRecord({ email: 'a/b@example.com' }));
    await store.setPrefs('cy@example.com', { defaultModel: 'flash' });
    const all = await store.allTotals();
    expect(all.map((t) => [t.email, t.imageCount])).to.deep.equal([
      ['a/b@example.com', 1],
      ['cy@example.com', 1],
    ]);
    expect(await store.totals('zoe@example.com')).to.deep.equal(emptyTotals('zoe@example.com'));
  });

  it('leaves the user’s totals document untouched when a commit fails on a duplicate name', async () => {
    const record = sampleRecord();
    await store.commit(record);
    const userDoc = db.doc(`users/${encodeURIComponent(record.email)}`);
    const before = await userDoc.get();

    const error = await store.commit({ ...record, costUsd: 0.24, createdAt: '2026-12-31T00:00:00.000Z' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).status).to.equal('INTERNAL');
    expect((error as AppError).publicMessage).to.equal(`A record named ${record.name} exists already.`);

    const after = await userDoc.get();
    expect(after.data()).to.deep.equal(before.data());
    expect(after.updateTime?.isEqual(before.updateTime!)).to.equal(true);
  });

  it('never moves the last generation time back when an older record is committed later', async () => {
    await store.commit(sampleRecord({ createdAt: '2026-11-24T12:00:00.000Z' }));
    await store.commit(sampleRecord({ createdAt: '2026-11-20T08:00:00.000Z' }));
    expect((await store.totals('ada@example.com')).lastGenerationAt).to.equal('2026-11-24T12:00:00.000Z');
  });

  it('writes a record whose token counts are missing, and reads it back the same', async () => {
    const record = sampleRecord({ usage: {}, referenceNames: [newImageName(), newImageName()] });
    await store.commit(record);
    expect(await store.get(record.name)).to.deep.equal(record);
  });

  it('reports a commit as of unknown outcome when an identical record exists: it may be this very commit, landed by an attempt whose answer was lost', async () => {
    // The client retries a commit whose connection dropped; the retry then finds the record.
    const record = sampleRecord();
    await store.commit(record);
    const error = await store.commit({ ...record }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(WriteOutcomeUnknownError);
    expect(await store.totals(record.email)).to.include({ imageCount: 1 });
  });

  it('turns Firestore’s transient failures into UNAVAILABLE and others into INTERNAL, never showing the vendor’s message', () => {
    // Outages themselves are in test/e2e/firestore-outage.test.ts; here, the translation of
    // each error the client throws.
    const vendor = (code: number) => Object.assign(new Error(`${code} RAW: projects/p/databases/(default) internal detail`), { code });
    for (const code of [4, 8, 10, 14]) {
      const error = recordStoreError(vendor(code));
      expect(error.status, `code ${code}`).to.equal('UNAVAILABLE');
      expect(error.publicMessage).to.equal('The record store is temporarily unavailable. Please try again in a moment.');
      expect((error.cause as { code: number }).code).to.equal(code);
    }
    for (const cause of [vendor(7), vendor(13), new TypeError('boom')]) {
      const error = recordStoreError(cause);
      expect(error.status).to.equal('INTERNAL');
      expect(error.publicMessage).to.not.include('RAW').and.not.include('boom');
    }
  });
});

const DAY_MS = 24 * 3600 * 1000;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FirestoreRecordStore jobs and budgets', () => {
  let db: Firestore;
  let store: FirestoreRecordStore;
  beforeEach(() => {
    db = newTestFirestore();
    store = new FirestoreRecordStore(db);
  });

  it('stores a job at jobs/{id} with every field, and an expiresAt 7 days after its start for the TTL policy', async () => {
    const job = sampleJob({ referenceNames: [newImageName()] });
    await store.startJob(job, 1);
    const stored = await db.doc(`jobs/${idOf(job.name)}`).get();
    const { expiresAt, ...fields } = stored.data()!;
    expect(fields).to.deep.equal(job);
    expect(expiresAt).to.be.instanceOf(Timestamp);
    expect((expiresAt as Timestamp).toMillis()).to.equal(Date.parse(job.startedAt) + 7 * DAY_MS);
    // Starting counts on the user document (what makes concurrent starts collide), not in the totals.
    expect((await db.doc(`users/${encodeURIComponent(job.email)}`).get()).data()).to.deep.equal({ email: job.email, jobsStarted: 1 });
    expect(await store.totals(job.email)).to.deep.equal(emptyTotals(job.email));
    expect(await store.allTotals()).to.deep.equal([]);
  });

  it('puts jobs under the collection prefix too', async () => {
    const prefixed = new FirestoreRecordStore(db, { collectionPrefix: 'staging_' });
    const job = sampleJob();
    await prefixed.startJob(job, undefined);
    expect((await db.listCollections()).map((c) => c.id).sort()).to.deep.equal(['staging_jobs', 'staging_users']);
    expect(await prefixed.getJob(job.name)).to.deep.equal(job);
    expect(await store.getJob(job.name)).to.equal(undefined);
  });

  it('finds a job and its reservation from another instance (a new client), which joins it', async () => {
    const projectId = newTestProjectId();
    const first = new FirestoreRecordStore(newTestFirestore(projectId));
    const job = sampleJob({ requestKey: 'same' });
    await first.startJob(job, 0.1);

    const other = new FirestoreRecordStore(newTestFirestore(projectId));
    expect(await other.getJob(job.name)).to.deep.equal(job);
    expect(await other.listGenerating(job.email)).to.deep.equal([job]);
    expect((await other.monthSpend(job.email, monthOf(job.startedAt))).reservedUsd).to.equal(0.067);
    expect(await other.startJob(sampleJob({ requestKey: 'same' }), 0.1)).to.deep.equal({ joined: true, job });
    const refused = await other.startJob(sampleJob(), 0.1).catch((e: unknown) => e);
    expect(refused).to.have.property('name', 'BudgetExceededError');
  });

  it('marks the user’s jobs past their lease failed in Firestore when the user starts another', async () => {
    const dead = sampleJob({ leaseUntil: inMs(100) });
    await store.startJob(dead, undefined);
    await sleep(200);
    await store.startJob(sampleJob(), undefined);
    expect((await db.doc(`jobs/${idOf(dead.name)}`).get()).data()).to.include({ status: 'failed', failedAt: dead.leaseUntil, failure: JOB_LEASE_LOST });
    expect(await store.getJob(dead.name)).to.deep.equal({ ...dead, status: 'failed', failedAt: dead.leaseUntil, failure: JOB_LEASE_LOST });
  });

  it('reads a job due for deletion as gone, whether or not the TTL policy has deleted it yet', async () => {
    const old = sampleJob({ startedAt: new Date(Date.now() - 8 * DAY_MS).toISOString() });
    await store.startJob(old, undefined);
    expect((await db.doc(`jobs/${idOf(old.name)}`).get()).exists).to.equal(true);
    expect(await store.getJob(old.name)).to.equal(undefined);
  });

  it('never renews a job past its lease: it has read as failed, and stays so', async () => {
    const job = sampleJob({ leaseUntil: inMs(100) });
    await store.startJob(job, undefined);
    await sleep(200);
    await store.renewJob(job.name, inMs(60_000));
    expect((await db.doc(`jobs/${idOf(job.name)}`).get()).get('leaseUntil')).to.equal(job.leaseUntil);
    expect((await store.getJob(job.name))?.status).to.equal('failed');
    expect(await store.listGenerating(job.email)).to.deep.equal([]);
  });

  it('commits a finished job’s record even when the job failed by its lease or is gone: the image exists and was paid', async () => {
    const late = sampleJob({ leaseUntil: inMs(100) });
    await store.startJob(late, undefined);
    await sleep(200);
    await store.startJob(sampleJob(), undefined); // marks `late` failed
    const record = sampleRecord({ name: late.name, createdAt: new Date().toISOString(), costUsd: 0.067 });
    await store.finishJob(record);
    const orphan = sampleRecord({ createdAt: record.createdAt, costUsd: 0.067 });
    await store.finishJob(orphan);
    expect(await store.get(late.name)).to.deep.equal(record);
    expect(await store.get(orphan.name)).to.deep.equal(orphan);
    expect(await store.getJob(late.name)).to.equal(undefined);
    expect((await store.monthSpend(record.email, monthOf(record.createdAt))).spentUsd).to.equal(0.134);
  });

  it('counts a billed failure in integer micro-dollars, in the totals and its month, not as an image', async () => {
    const job = sampleJob();
    await store.startJob(job, undefined);
    await store.failJob(job.name, 'Gemini refused the image.', 0.0012);
    const month = monthOf(new Date().toISOString());
    expect((await db.doc(`users/${encodeURIComponent(job.email)}`).get()).data()).to.deep.equal({
      email: job.email,
      jobsStarted: 1,
      costMicros: 1200,
      months: { [month]: { costMicros: 1200 } },
      days: { [new Date().toISOString().slice(0, 10)]: { costMicros: 1200 } },
    });
    // Spend, so the cost table lists the user, with no image and no model.
    expect(await store.allTotals()).to.deep.equal([{ email: job.email, imageCount: 0, costUsd: 0.0012, byModel: {} }]);
  });

  it('keeps the monthly limit beside the preferences in one document, set only by setBudget', async () => {
    await store.setPrefs('ada@example.com', { defaultModel: 'pro' });
    await store.setBudget('ada@example.com', 12.5);
    const userDoc = db.doc(`users/${encodeURIComponent('ada@example.com')}`);
    expect((await userDoc.get()).data()).to.deep.equal({ email: 'ada@example.com', defaultModel: 'pro', monthlyBudgetUsd: 12.5 });
    expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro', monthlyBudgetUsd: 12.5 });
    await store.setBudget('ada@example.com', undefined);
    expect((await userDoc.get()).data()).to.deep.equal({ email: 'ada@example.com', defaultModel: 'pro' });
    expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro' });
    const refused = await store.setBudget('ada@example.com', -1).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(AppError).and.have.property('status', 'INVALID_ARGUMENT');
  });

  it('declares an index for every query shape of the gallery, its search and its summary', async () => {
    // The emulator checks no indexes: a missing one would fail only in production.
    const config = JSON.parse(await readFile(new URL('../../firestore.indexes.json', import.meta.url), 'utf8')) as {
      indexes: { collectionGroup: string; fields: { fieldPath: string; order: string }[] }[];
      fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: unknown[] }[];
    };
    const declared = config.indexes.filter((index) => index.collectionGroup === 'generations').map((index) => index.fields.map((f) => `${f.fieldPath} ${f.order}`).join(', '));
    for (const equalities of [[], ['modelAlias'], ['imageSize'], ['modelAlias', 'imageSize']]) {
      const prefix = ['email', ...equalities].map((field) => `${field} ASCENDING`).join(', ');
      // Pages (newest first, from a cursor, within days) and the scans of a text search.
      expect(declared, prefix).to.include(`${prefix}, createdAt DESCENDING, __name__ DESCENDING`);
      // count() and sum('costUsd') of a summary: always a range on createdAt, and the summed field.
      expect(declared, prefix).to.include(`${prefix}, createdAt ASCENDING, costUsd ASCENDING`);
    }
    // The user document's month and day logs are never queried: not indexed, so they may grow.
    for (const field of ['months', 'days']) expect(config.fieldOverrides.find((o) => o.collectionGroup === 'users' && o.fieldPath === field)?.indexes).to.deep.equal([]);
  });

  it('declares the indexes the job and upload queries need and the TTL policy on jobs.expiresAt', async () => {
    // The emulator checks no indexes: a missing one would fail only in production.
    const config = JSON.parse(await readFile(new URL('../../firestore.indexes.json', import.meta.url), 'utf8')) as {
      indexes: { collectionGroup: string; fields: { fieldPath: string; order: string }[] }[];
      fieldOverrides: { collectionGroup: string; fieldPath: string; ttl: boolean }[];
    };
    const jobIndexes = config.indexes.filter((index) => index.collectionGroup === 'jobs').map((index) => index.fields);
    expect(jobIndexes).to.deep.include([
      { fieldPath: 'email', order: 'ASCENDING' },
      { fieldPath: 'status', order: 'ASCENDING' },
    ]);
    expect(config.fieldOverrides.find((o) => o.collectionGroup === 'jobs' && o.fieldPath === 'expiresAt')?.ttl).to.equal(true);
    // listUploads: one user's uploads, newest first.
    expect(config.indexes.filter((index) => index.collectionGroup === 'uploads').map((index) => index.fields)).to.deep.include([
      { fieldPath: 'email', order: 'ASCENDING' },
      { fieldPath: 'createdAt', order: 'DESCENDING' },
    ]);
  });
});

describe('FirestoreRecordStore jobs and budgets with Firestore frozen', function () {
  this.timeout(30_000);
  const TIMEOUT_MS = 1_000;
  let emulator: PrivateEmulator;

  after(async () => {
    await emulator?.stop();
  });

  it('fails every job and budget call UNAVAILABLE within the deadline, and finishing a job as of unknown outcome', async () => {
    // The whole app's outage behaviour is in test/e2e/firestore-outage.test.ts; here, that
    // each new call is bounded, the optimistic retries of startJob included.
    emulator = await startPrivateEmulator();
    const projectId = newTestProjectId();
    // Set up with a patient client: a fresh emulator on a busy machine can take seconds to answer first.
    const job = sampleJob();
    await new FirestoreRecordStore(emulator.newFirestore({ projectId, timeoutMs: 20_000 })).startJob(job, 1);
    const store = new FirestoreRecordStore(emulator.newFirestore({ projectId, timeoutMs: TIMEOUT_MS }));
    // A warm connection, as a running server has.
    for (let tries = 1; !(await store.getJob(job.name).then(Boolean, () => false)); tries++) expect(tries).to.be.below(10);
    emulator.freeze();
    const calls: Record<string, Promise<unknown>> = {
      startJob: store.startJob(sampleJob(), 1),
      renewJob: store.renewJob(job.name, inMs(60_000)),
      failJob: store.failJob(job.name, 'Gemini refused the image.', 0.01),
      getJob: store.getJob(job.name),
      listGenerating: store.listGenerating(job.email),
      monthSpend: store.monthSpend(job.email, monthOf(job.startedAt)),
      prefs: store.prefs(job.email),
      setBudget: store.setBudget(job.email, 5),
      finishJob: store.finishJob(sampleRecord({ name: job.name })),
      remove: store.remove(job.name),
      searchByWords: store.listByUser(job.email, { limit: 10, filter: { text: 'lighthouse' } }),
      summarizeByUser: store.summarizeByUser(job.email, { modelAlias: 'flash' }),
      activity: store.activity('2026-01-01'),
    };
    const started = Date.now();
    for (const [name, call] of Object.entries(calls)) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (name === 'finishJob') expect(error, name).to.be.instanceOf(WriteOutcomeUnknownError);
      else expect(error, name).to.be.instanceOf(AppError).and.include({ status: 'UNAVAILABLE' });
    }
    // All ran at once: together they took one deadline, and some slack.
    expect(Date.now() - started).to.be.below(TIMEOUT_MS + 2_000);
  });
});

/**
 * What the Firebase web SDK sends for a signed-in user when it talks to the emulator: an
 * unsigned ID token, which the emulator trusts and the rules see as `request.auth`.
 */
function firebaseUserToken(projectId: string, email: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    sub: 'user-1',
    user_id: 'user-1',
    email,
    email_verified: true,
    iat: now,
    auth_time: now,
    exp: now + 3600,
    firebase: { sign_in_provider: 'google.com', identities: {} },
  };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('firestore.rules', () => {
  it('refuses every client read and write, even the owner’s own record, anonymous or signed in', async () => {
    const projectId = newTestProjectId();
    const db = newTestFirestore(projectId);
    const record = sampleRecord();
    await new FirestoreRecordStore(db).commit(record);
    const base = `http://${emulatorHost()}/v1/projects/${projectId}/databases/(default)/documents`;
    const userDoc = `${base}/users/${encodeURIComponent(encodeURIComponent(record.email))}`;
    const clients = { anonymous: {}, 'signed in as the owner': { Authorization: `Bearer ${firebaseUserToken(projectId, record.email)}` } };

    for (const [who, headers] of Object.entries(clients)) {
      const statuses = [
        (await fetch(`${base}/generations/${idOf(record.name)}`, { headers })).status,
        (await fetch(`${base}/generations`, { headers })).status,
        (await fetch(userDoc, { headers })).status,
        (await fetch(userDoc, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ fields: { imageCount: { integerValue: '0' } } }),
        })).status,
      ];
      expect(statuses, who).to.deep.equal([403, 403, 403, 403]);
    }
    // The same requests with the server's admin rights succeed: the addresses are right.
    expect((await fetch(userDoc, { headers: { Authorization: 'Bearer owner' } })).status).to.equal(200);
    expect((await new FirestoreRecordStore(db).totals(record.email)).imageCount).to.equal(1);
  });
});
