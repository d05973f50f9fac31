/** Heavy modules load at first use, not at start-up (docs/performance.md): one shared load per module. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
