/**
 * One log line per request (method, path without its query, status, latency), tied to the
 * request's Cloud Trace so that the lines a request causes group under it. Query strings are
 * never logged: OAuth callbacks carry codes in them. `/health` is logged at DEBUG only: it is
 * polled, and must stay cheap. Upload links (`/upload/{token}`) are logged without their token.
 */
import type { NextFunction, Request, Response } from 'express';
import { withLogContext, type LogFields, type Logger } from '../log.js';

export function requestLog(logger: Logger, projectId: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const { method } = req;
    // Routers rewrite req.url on the way down. An upload link's path is its credential: never logged.
    const path = req.path.startsWith('/upload/') ? '/upload/{token}' : req.path;
    const context = traceFields(req, projectId);
    res.on('finish', () => {
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = {
        ...context,
        httpRequest: { requestMethod: method, requestUrl: path, status: res.statusCode, latency: `${(latencyMs / 1000).toFixed(3)}s`, userAgent: req.get('user-agent')?.slice(0, 200) },
      };
      if (path === '/health') logger.debug('request', fields);
      else logger.info(`${method} ${path} ${res.statusCode}`, fields);
    });
    withLogContext(context, next);
  };
}

/**
 * Cloud Run's front end sends `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1` (and W3C
 * `traceparent`); Cloud Logging links a line to the trace through these fields.
 */
function traceFields(req: Pick<Request, 'get'>, projectId: string | undefined): LogFields {
  if (!projectId) return {};
  const cloud = /^([0-9a-f]{32})(?:\/(\d+))?/i.exec(req.get('x-cloud-trace-context') ?? '');
  const w3c = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-/i.exec(req.get('traceparent') ?? '');
  const traceId = cloud?.[1] ?? w3c?.[1];
  if (!traceId) return {};
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${traceId.toLowerCase()}`,
    ...(w3c?.[2] ? { 'logging.googleapis.com/spanId': w3c[2] } : {}),
  };
}
