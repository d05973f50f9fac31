/** What every dashboard API route shares: the caller the auth middleware found, and async handlers. */
import type { NextFunction, Request, Response } from 'express';
import type { Caller } from '../core/access.js';

/** The caller of this request, set by apiRoutes' auth middleware before any route runs. */
export function callerIn(res: Response): Caller {
  return res.locals.caller as Caller;
}

/** Express 5 passes rejected promises to the error handler; this only adds `next()` on success for middleware. */
export function asyncHandler(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).then(() => {
      if (!res.headersSent) next();
    }, next);
  };
}
