/**
 * Firestore failures as AppErrors, shared by every Firestore adapter: transient failures
 * become UNAVAILABLE, anything else a generic INTERNAL. The vendor's message stays in
 * `cause`, for the log only.
 */
import { AppError } from '../errors.js';

/** gRPC status codes (the client's `GrpcStatus` enum is not an ES module export). */
export const NOT_FOUND = 5;
export const ALREADY_EXISTS = 6;
export const FAILED_PRECONDITION = 9;
const TRANSIENT_CODES = new Set([
  4, // DEADLINE_EXCEEDED, also the adapters' own deadline (deadline.ts)
  8, // RESOURCE_EXHAUSTED: Firestore's own quotas, not the caller's
  10, // ABORTED: contention
  14, // UNAVAILABLE
]);
/**
 * Codes with which Firestore refuses a write it did not apply. Any other failure of a sent
 * write (DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, UNKNOWN, INTERNAL, no code at all) leaves
 * its outcome unknown: the server may have applied it before the answer was lost.
 */
export const WRITE_REFUSED_CODES: ReadonlySet<number> = new Set([
  3, // INVALID_ARGUMENT
  NOT_FOUND,
  ALREADY_EXISTS,
  7, // PERMISSION_DENIED
  8, // RESOURCE_EXHAUSTED
  FAILED_PRECONDITION,
  10, // ABORTED
  11, // OUT_OF_RANGE
  12, // UNIMPLEMENTED
  16, // UNAUTHENTICATED
]);

export function firestoreCodeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/** `what` names the store in messages, e.g. "record store", "sign-in store". */
export function firestoreError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const code = firestoreCodeOf(err);
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) {
    return new AppError('UNAVAILABLE', `The ${what} is temporarily unavailable. Please try again in a moment.`, { cause: err });
  }
  return new AppError('INTERNAL', `The ${what} failed. Please try again.`, { cause: err });
}
