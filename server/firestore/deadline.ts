/**
 * The adapters' bound on one whole Firestore call, retries included. The client's settings
 * bound each attempt it sends (firestore-client.ts), but not the loops around them that no
 * setting reaches: Firestore's own retry of reads (up to 5 attempts, seconds apart) and a
 * commit's retries (for up to 600 s). Past the deadline the caller gets an answer, and the
 * call's late result, if any, is dropped.
 */

/** gRPC's DEADLINE_EXCEEDED, so that firestoreError treats it as the client's own. */
const DEADLINE_EXCEEDED = 4;

export class FirestoreDeadlineError extends Error {
  readonly code = DEADLINE_EXCEEDED;

  constructor(ms: number) {
    super(`The Firestore call did not finish within ${ms} ms.`);
    this.name = 'FirestoreDeadlineError';
  }
}

/** `call()`'s outcome, or FirestoreDeadlineError once `ms` have passed without one. */
export async function withinDeadline<T>(ms: number, call: () => Promise<T>): Promise<T> {
  const work = call();
  // Settling after the deadline is nobody's business (but must not be an unhandled rejection).
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FirestoreDeadlineError(ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
