/**
 * What both emulator fixtures need around a child process: it is killed if this test run
 * ends without its teardown (an uncaught error, a signal), the tail of its output is kept
 * for error messages, and its end (or failure to start) is one promise.
 */
import type { ChildProcess } from 'node:child_process';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SupervisedChild {
  /** Settles when the child has exited or could not be spawned. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  spawnError(): Error | undefined;
  /** The last few kilobytes of its stdout and stderr. */
  output(): string;
}

export function supervise(child: ChildProcess, kill: () => void): SupervisedChild {
  const killOnExit = () => kill();
  const killOnSignal = (signal: NodeJS.Signals) => {
    kill();
    process.kill(process.pid, signal); // the handler is gone (once), so this ends the process
  };
  process.on('exit', killOnExit);
  for (const signal of STOP_SIGNALS) process.once(signal, killOnSignal);

  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let spawnError: Error | undefined;
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.once('exit', () => resolve());
  }).finally(() => {
    hasExited = true;
    process.off('exit', killOnExit);
    for (const signal of STOP_SIGNALS) process.off(signal, killOnSignal);
  });
  return { exited, hasExited: () => hasExited, spawnError: () => spawnError, output: () => output };
}
