/**
 * The MCP endpoint over HTTP: the SDK's `createMcpHandler` (see mcp-server.ts) behind the
 * checks that are ours to make — a foreign browser Origin, the bearer token, the body size,
 * and Claude.ai's mixed protocol-version header (version-header.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { uiSupportOf, type UiSupport } from './apps/ui-support.js';
import { once } from '../lazy.js';
import { buildMcpServer, loadMcpSdk, type McpServerDeps } from './mcp-server.js';
import { tolerableVersionHeader, type ProtocolVersions } from './version-header.js';

/** Tool arguments are a prompt and a few names; nothing legitimate comes close to this. */
const MAX_BODY = '256kb';

export interface McpRouteDeps extends McpServerDeps {
  /** Runs before each request: the bearer-token check when sign-in is on. */
  readonly authenticate?: RequestHandler;
  /** Runs first: refuses requests from web pages of other origins (DNS rebinding, cross-site calls). */
  readonly checkOrigin: RequestHandler;
}

function jsonRpcError(res: Response, httpStatus: number, code: number, message: string): void {
  res.status(httpStatus).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

export function mcpRoutes(deps: McpRouteDeps): express.Router {
  const router = express.Router();
  const logger = deps.tools.logger;
  // What the request's body says about MCP Apps, for the server factory, which sees no body.
  const requestUi = new AsyncLocalStorage<UiSupport>();

  const endpoint = once(async () => {
    const [{ createMcpHandler, SUPPORTED_PROTOCOL_VERSIONS, PROTOCOL_VERSION_META_KEY }, { toNodeHandler }] = await loadMcpSdk();
    const onerror = (err: Error) => logger.warn('MCP request refused or failed', { error: err.message });
    const handler = createMcpHandler((request) => buildMcpServer(deps, request, requestUi.getStore() ?? 'unknown'), { legacy: 'stateless', onerror });
    const versions: ProtocolVersions = { legacy: SUPPORTED_PROTOCOL_VERSIONS, claimKey: PROTOCOL_VERSION_META_KEY };
    return { serve: toNodeHandler(handler, { onerror }), versions };
  });

  const authenticate: RequestHandler = deps.authenticate ?? ((_req, _res, next) => next());
  router.all('/mcp', deps.checkOrigin, authenticate, express.json({ limit: MAX_BODY }), async (req, res) => {
    try {
      const { serve, versions } = await endpoint();
      const header = req.headers['mcp-protocol-version'];
      const tolerated = typeof header === 'string' ? tolerableVersionHeader(header, req.body, versions) : undefined;
      if (tolerated !== undefined) req.headers['mcp-protocol-version'] = tolerated;
      await requestUi.run(uiSupportOf(req.body), () => serve(req, res, req.body));
    } catch (err) {
      logger.error('MCP request failed', { err });
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
    }
  });

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
