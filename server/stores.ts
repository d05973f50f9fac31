/**
 * Builds the image and record stores the configuration names. Cloud clients are imported
 * only when used, so local start-up does not pay for loading them.
 */
import type { StoreConfig } from './config.js';
import type { AuthStateStore } from './auth/auth-state-store.js';
import type { ImageStore } from './images/image-store.js';
import type { RecordStore } from './records/record-store.js';

export interface Stores {
  readonly images: ImageStore;
  readonly records: RecordStore;
  /** Sign-in state (clients, codes, refresh grants), beside the records. */
  readonly authState: AuthStateStore;
  /** For the start-up log line, e.g. "local directory /srv/images". */
  readonly description: string;
  /** Releases client connections (Firestore keeps gRPC channels open). */
  close(): Promise<void>;
}

export async function openStores(config: StoreConfig): Promise<Stores> {
  if (config.kind === 'local') {
    const [{ LocalImageStore }, { LocalRecordStore }, { LocalAuthStateStore }] = await Promise.all([
      import('./images/local-image-store.js'),
      import('./records/local-record-store.js'),
      import('./auth/local-auth-state-store.js'),
    ]);
    return {
      images: new LocalImageStore(config.root),
      records: new LocalRecordStore(config.root),
      authState: new LocalAuthStateStore(config.root),
      description: `local directory ${config.root}`,
      close: async () => {},
    };
  }
  const [{ createStorage }, { createFirestore }, { CloudImageStore }, { FirestoreRecordStore }, { FirestoreAuthStateStore }] = await Promise.all([
    import('./images/storage-client.js'),
    import('./firestore/firestore-client.js'),
    import('./images/cloud-image-store.js'),
    import('./records/firestore-record-store.js'),
    import('./auth/firestore-auth-state-store.js'),
  ]);
  // Credentials come from the environment: the service identity on Cloud Run, never a key file.
  const projectId = config.projectId;
  const storage = createStorage({ ...(projectId ? { projectId } : {}), timeoutMs: config.storageTimeoutMs });
  const firestore = createFirestore({
    ...(projectId ? { projectId } : {}),
    ...(config.firestoreDatabase ? { databaseId: config.firestoreDatabase } : {}),
    timeoutMs: config.firestoreTimeoutMs,
  });
  return {
    images: new CloudImageStore(storage.bucket(config.bucket)),
    records: new FirestoreRecordStore(firestore),
    authState: new FirestoreAuthStateStore(firestore),
    description: `Cloud Storage bucket ${config.bucket} and Firestore${config.firestoreDatabase ? ` database ${config.firestoreDatabase}` : ''}`,
    close: () => firestore.terminate(),
  };
}
