/**
 * One error type for the whole server. `publicMessage` is safe to show to a caller;
 * `cause` and anything else stays in the log. Each boundary (MCP tools, HTTP routes)
 * maps `status` once, so vendor exceptions never reach a client verbatim.
 */
export type ErrorStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'INTERNAL';

const HTTP_STATUS: Record<ErrorStatus, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  // The caller went away (nginx's "client closed request"): nobody reads the answer.
  CANCELLED: 499,
  INTERNAL: 500,
};

export class AppError extends Error {
  readonly status: ErrorStatus;
  readonly publicMessage: string;
  /**
   * What logs say instead of the public message, when that quotes Gemini (whose words can
   * echo the prompt, which logs never hold).
   */
  readonly logMessage?: string;

  constructor(status: ErrorStatus, publicMessage: string, options?: { cause?: unknown; logMessage?: string }) {
    super(publicMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.publicMessage = publicMessage;
    if (options?.logMessage !== undefined) this.logMessage = options.logMessage;
  }
}

export const invalidArgument = (message: string) => new AppError('INVALID_ARGUMENT', message);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);

/** Any thrown value as an AppError; unknown errors become a generic INTERNAL one. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'Something went wrong on the server. Please try again.', { cause: err });
}

export function httpStatusOf(err: AppError): number {
  return HTTP_STATUS[err.status];
}

/** express.json()/urlencoded() failures (malformed or oversized bodies), as AppErrors; else undefined. */
export function requestBodyError(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return invalidArgument('The request body is not valid JSON.');
  if (type === 'entity.too.large') return invalidArgument('The request body is too large.');
  return undefined;
}
