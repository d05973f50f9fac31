import { expect } from 'chai';
import { Timestamp } from '@google-cloud/firestore';
import { authStateStoreError, FirestoreAuthStateStore } from '../../server/auth/firestore-auth-state-store.js';
import { newTestFirestore } from '../support/firestore-emulator.js';
import { authStateStoreContract } from './auth-state-store.contract.js';

authStateStoreContract('Firestore (emulator)', async () => new FirestoreAuthStateStore(newTestFirestore()));

describe('FirestoreAuthStateStore', () => {
  it('stores each entry at authState/{kind}_{key} with kind, JSON value, expiresAt and createdAt', async () => {
    const db = newTestFirestore();
    const store = new FirestoreAuthStateStore(db);
    const expiresAt = new Date(Date.now() + 600_000);
    await store.create('code', 'ab12', { email: 'ada@example.com', scopes: ['mcp'] }, expiresAt);
    await store.put('client', 'c1', { name: 'Claude' });

    const code = await db.doc('authState/code_ab12').get();
    expect(code.data()).to.deep.equal({
      kind: 'code',
      value: JSON.stringify({ email: 'ada@example.com', scopes: ['mcp'] }),
      expiresAt: Timestamp.fromDate(expiresAt),
      createdAt: code.get('createdAt') as unknown,
    });
    expect((code.get('createdAt') as Timestamp).toMillis()).to.be.closeTo(Date.now(), 10_000);
    expect((await db.doc('authState/client_c1').get()).get('expiresAt')).to.equal(null);
    expect((await db.listCollections()).map((c) => c.id)).to.deep.equal(['authState']);

    await store.take('code', 'ab12');
    expect((await db.doc('authState/code_ab12').get()).exists).to.equal(false);
  });

  it('uses the collection prefix', async () => {
    const db = newTestFirestore();
    await new FirestoreAuthStateStore(db, { collectionPrefix: 'staging_' }).put('grant', 'g1', { v: 1 });
    expect((await db.doc('staging_authState/grant_g1').get()).exists).to.equal(true);
    expect(await new FirestoreAuthStateStore(db).get('grant', 'g1')).to.equal(undefined);
  });

  it('deletes an expired document when it is taken', async () => {
    const db = newTestFirestore();
    const store = new FirestoreAuthStateStore(db);
    await store.put('code', 'old', { n: 1 }, new Date(Date.now() - 1000));
    expect((await db.doc('authState/code_old').get()).exists).to.equal(true);
    expect(await store.take('code', 'old')).to.equal(undefined);
    expect((await db.doc('authState/code_old').get()).exists).to.equal(false);
  });

  it('reports an unreadable document as INTERNAL without its content', async () => {
    const db = newTestFirestore();
    await db.doc('authState/code_bad').set({ kind: 'code', value: '{ not json', expiresAt: null });
    const error = await new FirestoreAuthStateStore(db).get('code', 'bad').then(() => undefined, (e: unknown) => e);
    expect(error).to.include({ status: 'INTERNAL', publicMessage: 'A stored sign-in entry could not be read.' });
  });

  it('turns Firestore’s transient failures into UNAVAILABLE and others into INTERNAL, never showing the vendor’s message', () => {
    const vendor = (code: number) => Object.assign(new Error(`${code} RAW: projects/p/databases/(default) internal detail`), { code });
    for (const code of [4, 8, 10, 14]) {
      const error = authStateStoreError(vendor(code));
      expect(error.status, `code ${code}`).to.equal('UNAVAILABLE');
      expect(error.publicMessage).to.equal('The sign-in store is temporarily unavailable. Please try again in a moment.');
      expect((error.cause as { code: number }).code).to.equal(code);
    }
    for (const cause of [vendor(7), vendor(13), new TypeError('boom')]) {
      const error = authStateStoreError(cause);
      expect(error.status).to.equal('INTERNAL');
      expect(error.publicMessage).to.not.include('RAW').and.not.include('boom');
    }
  });
});
