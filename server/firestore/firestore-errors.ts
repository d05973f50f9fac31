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
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED: Firestore's own quotas, not the caller's
  10, // ABORTED: contention
  14, // UNAVAILABLE
]);

export function firestoreCodeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/** `what` names the store in messages, e.g. "record store", "sign-in store". */
export function firestoreError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const code = firestoreCodeOf(err);
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) {
    return new AppError('UNAVAILABLE', `The ${what} is unavailable. Please try again in a moment.`, { cause: err });
  }
  return new AppError('INTERNAL', `The ${what} failed. Please try again.`, { cause: err });
}
