import type { RequestHandler } from 'express';

/** Heavy modules load at first use, not at start-up (docs/performance.md): one shared load per module. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** Express middleware whose module loads at the first request that needs it. */
export function lazyMiddleware(load: () => Promise<RequestHandler>): RequestHandler {
  const handler = once(load);
  return (req, res, next) => {
    handler().then((h) => h(req, res, next), next);
  };
}
