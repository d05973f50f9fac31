/**
 * The Firestore client, as every Firestore adapter uses it. Loaded only with the cloud stores.
 *
 * Deadlines. Left to its defaults, the client (8.7) waits minutes on an unreachable or frozen
 * Firestore: a document read or query is a gRPC stream with a 300 s deadline, which gax
 * sends up to 3 times (retry-request, 2–3 s and 4–5 s apart), and that up to 5 times
 * (Firestore's own loop, `Firestore._retry`, 1 s × 1.5ⁿ apart): 40 s per read with the
 * server gone, over an hour with it frozen. The settings below bound every attempt the client
 * sends to `timeoutMs` (its gRPC deadline, so the server sees the call cancelled and no
 * stream is left hanging) and leave only Firestore's own loop of at most 5 attempts, which no
 * setting reaches. Nor does any setting reach commits: WriteBatch passes gax retry options
 * built from the library's built-in config (60 s per attempt, 600 s in all). So the adapters
 * also bound each whole call (`withinDeadline`); behind that bound the client stops by itself
 * a few deadlines later (reads), or retries a commit to an unreachable server for up to 600 s
 * (which is why a commit past its deadline may still land: WriteOutcomeUnknownError).
 */
import { Firestore } from '@google-cloud/firestore';

export interface FirestoreClientOptions {
  /** Unset on Cloud Run: the client reads it from the metadata server. */
  readonly projectId?: string;
  readonly databaseId?: string;
  /** The most one call may take, retries included. */
  readonly timeoutMs: number;
  /**
   * `HOST:PORT` of a Firestore emulator (tests): plain text, with admin rights, as the client
   * does by itself when FIRESTORE_EMULATOR_HOST is set (which, when set, wins over this).
   */
  readonly emulatorHost?: string;
}

const SERVICE = 'google.firestore.v1.Firestore';

/**
 * Every unary and server-streaming method; not Listen and Write, the long-lived streams of
 * snapshot listeners and bulk writes, which nothing here uses.
 */
const UNARY_METHODS = [
  'GetDocument',
  'ListDocuments',
  'CreateDocument',
  'UpdateDocument',
  'DeleteDocument',
  'BeginTransaction',
  'Commit',
  'Rollback',
  'ListCollectionIds',
  'BatchWrite',
] as const;
const STREAMING_METHODS = ['BatchGetDocuments', 'RunQuery', 'RunAggregationQuery', 'PartitionQuery', 'ExecutePipeline'] as const;

/** gax's per-method overrides of the library's `firestore_client_config.json`. */
function clientConfig(timeoutMs: number) {
  // A method's `timeout_millis` is its gRPC deadline; for unary methods gax also makes it the
  // total of its retries (CallSettings.merge).
  const methods: Record<string, { timeout_millis: number; retry_codes_name?: string }> = {};
  for (const method of UNARY_METHODS) methods[method] = { timeout_millis: timeoutMs };
  // Streams are not retried by gax: Firestore's own loop retries them (resuming a query
  // after the last document received), and a second loop inside it would multiply attempts.
  for (const method of STREAMING_METHODS) methods[method] = { timeout_millis: timeoutMs, retry_codes_name: 'none' };
  return { interfaces: { [SERVICE]: { retry_codes: { none: [] }, methods } } };
}

const deadlines = new WeakMap<Firestore, number>();

export function createFirestore(options: FirestoreClientOptions): Firestore {
  const db = new Firestore({
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.databaseId ? { databaseId: options.databaseId } : {}),
    ...(options.emulatorHost ? emulatorSettings(options.emulatorHost) : {}),
    ignoreUndefinedProperties: true,
    clientConfig: clientConfig(options.timeoutMs),
    // Server streams through gax's own retry loop, which follows clientConfig (here: no
    // retries), instead of retry-request's, which no setting reaches (3 attempts, 2–3 s and
    // 4–5 s apart, each with the full deadline).
    gaxServerStreamingRetries: true,
    // gRPC reconnects to a server that went away at growing intervals, up to 120 s by
    // default: after a long outage, calls would keep failing for up to two minutes after
    // Firestore is back. A connection attempt is cheap; make one at least every deadline.
    'grpc.max_reconnect_backoff_ms': options.timeoutMs,
  });
  deadlines.set(db, options.timeoutMs);
  return db;
}

/** The deadline `createFirestore` gave this client, for the adapters' bound on whole calls. */
export function callDeadlineMs(db: Firestore): number {
  const ms = deadlines.get(db);
  if (ms === undefined) throw new Error('This Firestore client has no deadlines: build it with createFirestore.');
  return ms;
}

function emulatorSettings(hostAndPort: string) {
  const [host, port] = hostAndPort.split(':');
  return { host, port: Number(port), ssl: false, customHeaders: { Authorization: 'Bearer owner' } };
}
