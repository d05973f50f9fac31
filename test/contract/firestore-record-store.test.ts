import { expect } from 'chai';
import type { Firestore } from '@google-cloud/firestore';
import { idOf, newImageName } from '../../server/core/names.js';
import { addGeneration, emptyTotals, type UserTotals } from '../../server/core/totals.js';
import { AppError } from '../../server/errors.js';
import { FirestoreRecordStore, recordStoreError } from '../../server/records/firestore-record-store.js';
import { WriteOutcomeUnknownError, type GenerationRecord } from '../../server/records/record-store.js';
import { emulatorHost, newTestFirestore, newTestProjectId } from '../support/firestore-emulator.js';
import { recordStoreContract, sampleRecord } from './record-store.contract.js';

recordStoreContract('Firestore (emulator)', async () => new FirestoreRecordStore(newTestFirestore()));

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
