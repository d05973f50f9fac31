/**
 * The MCP endpoint: Streamable HTTP in stateless mode. Each POST gets a fresh server and
 * transport, so any instance can answer any request and nothing outlives the request.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Caller } from '../core/access.js';
import { buildMcpServer, loadMcpSdk } from './mcp-server.js';
import type { ToolDeps } from './tool-deps.js';

/** Tool arguments are a prompt and a few names; nothing legitimate comes close to this. */
const MAX_BODY = '256kb';

export interface McpRouteDeps {
  readonly tools: ToolDeps;
  /** Runs before each POST: the bearer-token check when sign-in is on. */
  readonly authenticate?: RequestHandler;
  /** Who is calling (after `authenticate`). */
  readonly resolveCaller: (req: Request) => Caller;
}

function jsonRpcError(res: Response, httpStatus: number, code: number, message: string): void {
  res.status(httpStatus).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

export function mcpRoutes(deps: McpRouteDeps): express.Router {
  const router = express.Router();
  const logger = deps.tools.logger;

  const authenticate: RequestHandler = deps.authenticate ?? ((_req, _res, next) => next());
  router.post('/mcp', authenticate, express.json({ limit: MAX_BODY }), async (req, res) => {
    try {
      const [, { StreamableHTTPServerTransport }] = await loadMcpSdk();
      const server = await buildMcpServer(deps.tools, deps.resolveCaller(req));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      logger.error('MCP request failed', { err });
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
    }
  });

  const notAllowed = (_req: Request, res: Response) => {
    res.set('Allow', 'POST');
    jsonRpcError(res, 405, -32000, 'Method not allowed: this server is stateless; send JSON-RPC messages with POST.');
  };
  router.get('/mcp', notAllowed);
  router.delete('/mcp', notAllowed);

  // Malformed or oversized bodies: a JSON-RPC error, never express's HTML page or a stack trace.
  router.use('/mcp', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number; type?: string }).status;
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return jsonRpcError(res, 413, -32600, `Request body too large: at most ${MAX_BODY}.`);
    if (status === 400) return jsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
    next(err);
  });
  return router;
}
