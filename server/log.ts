/**
 * JSON lines that Cloud Logging parses (`severity`, `message`, extra fields as
 * jsonPayload). Never pass tokens, keys or image bytes as fields.
 *
 * Lines written while a request is handled carry that request's fields (its Cloud Trace id,
 * set by `withLogContext`), so Cloud Logging groups a request's lines under its trace
 * without every module passing a per-request logger around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const requestFields = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every line logged inside it (including async work it starts). */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  return requestFields.run(fields, fn);
}
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    const cause: unknown = (value as { cause?: unknown }).cause;
    return { name: value.name, message: value.message, stack: value.stack, ...(cause ? { cause: errorFields(cause) } : {}) };
  }
  return value;
}

export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  base: LogFields = {},
  minSeverity: Severity = 'INFO',
): Logger {
  const order: Severity[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];
  const min = order.indexOf(minSeverity);
  const emit = (severity: Severity, message: string, fields: LogFields = {}) => {
    if (order.indexOf(severity) < min) return;
    const entry: LogFields = { severity, message, time: new Date().toISOString(), ...requestFields.getStore(), ...base };
    for (const [key, value] of Object.entries(fields)) entry[key] = errorFields(value);
    write(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (fields) => createLogger(write, { ...base, ...fields }, minSeverity),
  };
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger(() => {}, {}, 'ERROR');
