/**
 * Both store implementations behind one test handle, so end-to-end tests run unchanged on
 * the local stores (a temp directory) and on the cloud ones (the real Cloud Storage client
 * against the GCS fake, the real Firestore client against the emulator).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuthStateStore } from '../../server/auth/auth-state-store.js';
import { FirestoreAuthStateStore } from '../../server/auth/firestore-auth-state-store.js';
import { LocalAuthStateStore } from '../../server/auth/local-auth-state-store.js';
import type { ImageStore } from '../../server/images/image-store.js';
import { LocalImageStore } from '../../server/images/local-image-store.js';
import type { RecordStore } from '../../server/records/record-store.js';
import { LocalRecordStore } from '../../server/records/local-record-store.js';
import { CloudImageStore } from '../../server/images/cloud-image-store.js';
import { FirestoreRecordStore } from '../../server/records/firestore-record-store.js';
import { newTestBucket, startGcsFake, type GcsFake } from '../fakes/gcs-fake.js';
import { newTestFirestore } from './firestore-emulator.js';

export const STORE_KINDS = ['local', 'cloud'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoreKit {
  readonly kind: StoreKind;
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly authState: AuthStateStore;
  /** The Cloud Storage fake behind the cloud kit, to inject failures. */
  readonly gcs?: GcsFake;
  /** The local kit's directory, to read what its stores wrote. */
  readonly root?: string;
  /** Everything generated, as sorted names (files, or bucket objects and record documents); not sign-in state or job bookkeeping. */
  stored(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreKitOptions {
  /** Cloud: let the Storage client retry uploads as in production (off by default, so one injected fault is one failure). */
  readonly storageRetries?: boolean;
}

export async function openStoreKit(kind: StoreKind, options: StoreKitOptions = {}): Promise<StoreKit> {
  return kind === 'local' ? openLocalKit() : openCloudKit(options);
}

async function openLocalKit(): Promise<StoreKit> {
  const root = await mkdtemp(path.join(tmpdir(), 'image-studio-store-'));
  return {
    kind: 'local',
    root,
    images: new LocalImageStore(root),
    records: new LocalRecordStore(root),
    authState: new LocalAuthStateStore(root),
    async stored() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && !path.relative(root, e.parentPath).startsWith('auth') && e.name !== 'jobs.json')
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
        .sort();
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}

async function openCloudKit(options: StoreKitOptions): Promise<StoreKit> {
  const gcs = await startGcsFake();
  const firestore = newTestFirestore();
  const records = new FirestoreRecordStore(firestore);
  return {
    kind: 'cloud',
    gcs,
    images: new CloudImageStore(newTestBucket(gcs, options.storageRetries ? { retries: true } : {})),
    records,
    authState: new FirestoreAuthStateStore(firestore),
    async stored() {
      const documents = (await Promise.all(['generations', 'uploads'].map((c) => firestore.collection(c).listDocuments()))).flat();
      return [...gcs.objects.keys(), ...documents.map((d) => d.path)].sort();
    },
    async close() {
      await gcs.close();
      await firestore.terminate();
    },
  };
}
