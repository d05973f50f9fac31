/** Small statistics and timing helpers for the benchmark. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeMs<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** Runs `fn` `times` times one after another and returns the median duration in ms. */
export async function medianMs(times: number, fn: () => Promise<unknown>): Promise<number> {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) durations.push((await timeMs(fn))[0]);
  return median(durations);
}

export interface Figure {
  readonly figure: string;
  readonly measured: string;
  readonly floor: string;
  /** measured / floor (or the figure's own ratio); undefined where there is no floor. */
  readonly ratio?: number;
  readonly target: string;
  /** Undefined for figures shown for information, without a target. */
  readonly met?: boolean;
}
