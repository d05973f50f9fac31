/**
 * The /mcp endpoint over raw HTTP, where the SDK clients would hide what is on the wire:
 * both protocol eras, Claude.ai's mixed version header, Origin and Host checks, the
 * server's identity, and a result size every Claude client keeps whole.
 */
import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { CLAUDE_AI_HEADERS, messagesOf, type JsonRpcMessage } from '../support/mcp-clients.js';
import { startTestServer, type TestServer } from './harness.js';

const MODERN = '2026-07-28';
const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
};

interface Answer {
  readonly status: number;
  readonly messages: JsonRpcMessage[];
  readonly text: string;
}

async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, text, messages: type ? messagesOf(text, type) : [] };
}

const legacyToolsList = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
type ListedTool = { name: string; _meta?: { ui?: { visibility?: string[] } } };
/** The tools a model sees: hosts hide those only MCP Apps call (`_meta.ui.visibility: ["app"]`, see test/apps). */
const toolNames = (answer: Answer) =>
  ((answer.messages[0]?.result as { tools?: ListedTool[] } | undefined)?.tools ?? [])
    .filter((t) => t._meta?.ui?.visibility?.includes('model') ?? true)
    .map((t) => t.name)
    .sort();

describe('MCP endpoint', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  describe('protocol revisions', () => {
    for (const header of [...CLAUDE_AI_HEADERS, '2025-11-25', '2025-06-18', '2025-03-26']) {
      it(`serves a 2025-era request sent with MCP-Protocol-Version: ${header}`, async () => {
        const answer = await post(server, legacyToolsList, { 'mcp-protocol-version': header });
        expect(answer.status, answer.text).to.equal(200);
        expect(toolNames(answer)).to.deep.equal(['browse_images', 'generate_image', 'help', 'image_info', 'list_images', 'list_uploads', 'upload_reference']);
      });
    }

    it('serves a 2025-era request without the header (a 2025-03-26 client)', async () => {
      const answer = await post(server, legacyToolsList);
      expect(toolNames(answer), answer.text).to.deep.equal(['browse_images', 'generate_image', 'help', 'image_info', 'list_images', 'list_uploads', 'upload_reference']);
    });

    it('still refuses a header naming no revision it knows', async () => {
      for (const header of ['1999-01-01', 'latest']) {
        const answer = await post(server, legacyToolsList, { 'mcp-protocol-version': header });
        expect(answer.status, header).to.equal(400);
        expect(answer.text, header).to.match(/Unsupported protocol version|protocol revision/i);
      }
    });

    it('answers server/discover with 2026-07-28, the tools capability and its identity', async () => {
      const answer = await post(
        server,
        { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope } },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' },
      );
      expect(answer.status, answer.text).to.equal(200);
      const result = answer.messages[0]?.result as Record<string, unknown>;
      expect(result.supportedVersions).to.include(MODERN);
      expect(result.capabilities).to.have.property('tools');
      expect(result.resultType).to.equal('complete');
      const info = (result._meta as Record<string, Record<string, unknown>>)['io.modelcontextprotocol/serverInfo'];
      expect(info).to.include({ name: 'image-studio', title: 'Image Studio', websiteUrl: server.url });
    });

    it('serves a 2026-07-28 request with the comma-joined header Claude.ai sends', async () => {
      const answer = await post(
        server,
        { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope } },
        { 'mcp-protocol-version': `2025-11-25, ${MODERN}`, 'mcp-method': 'tools/list' },
      );
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.messages[0]?.result).to.include({ resultType: 'complete' }).and.to.have.keys('tools', 'resultType', 'ttlMs', 'cacheScope', '_meta');
    });

    it('refuses a 2026-07-28 request whose Mcp-Method header disagrees with its body', async () => {
      const answer = await post(
        server,
        { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: envelope } },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' },
      );
      expect(answer.status).to.equal(400);
      expect(answer.messages[0]?.error?.code).to.equal(-32020);
    });

    it('names itself in initialize with a title, website and icons', async () => {
      const answer = await post(server, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      const info = (answer.messages[0]?.result as { serverInfo: { title: string; websiteUrl: string; icons: { src: string }[] } }).serverInfo;
      expect(info).to.include({ title: 'Image Studio', websiteUrl: server.url });
      for (const icon of info.icons) expect((await fetch(icon.src)).status, icon.src).to.equal(200);
    });
  });

  describe('who may call', () => {
    const originCases: [string, number][] = [
      ['https://evil.example.com', 403],
      ['null', 403],
      ['http://localhost:9', 200], // loopback, where local browser tools run (local mode)
    ];
    for (const [origin, status] of originCases) {
      it(`answers a request from a page at Origin ${origin} with ${status}`, async () => {
        expect((await post(server, legacyToolsList, { origin })).status).to.equal(status);
      });
    }

    it('serves its own origin, and callers that send no Origin (servers, CLIs)', async () => {
      expect((await post(server, legacyToolsList, { origin: new URL(server.url).origin })).status).to.equal(200);
      expect((await post(server, legacyToolsList)).status).to.equal(200);
    });

    it('refuses requests whose Host is not local (DNS rebinding) in open mode', async () => {
      // fetch() does not let a caller set Host; node:http does, as a rebinding browser effectively would.
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${server.url}/mcp`, {
          method: 'POST',
          headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(legacyToolsList));
      });
      expect(status).to.equal(403);
    });
  });

  describe('bad requests', () => {
    it('answers GET and DELETE with 405: the endpoint is stateless', async () => {
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(`${server.url}/mcp`, { method, headers: { accept: 'text/event-stream' } });
        expect(res.status, method).to.equal(405);
      }
    });

    it('answers malformed JSON with a JSON-RPC parse error, not a stack trace', async () => {
      const res = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{"jsonrpc": "2.0", "method": ',
      });
      expect(res.status).to.equal(400);
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code).to.equal(-32700);
      expect(JSON.stringify(body)).to.not.match(/at .*\.ts:\d+/);
    });
  });
});

describe('generate_image results that every Claude client keeps whole', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ noisyImages: true });
  });
  after(async () => {
    await server.close();
  });

  // Claude.ai and Claude Desktop cut a tool result at about 150,000 characters; random pixels are the worst case for JPEG.
  for (const image_size of ['1K', '4K']) {
    it(`stays under 100,000 characters for a ${image_size} image of random pixels`, async () => {
      const answer = await post(
        server,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'generate_image', arguments: { prompt: 'static', image_size, model: 'pro' } } },
        { 'mcp-protocol-version': '2025-11-25' },
      );
      const result = answer.messages.find((m) => m.id === 7)?.result as { content: { type: string }[]; isError?: boolean };
      expect(result.isError, answer.text.slice(0, 300)).to.not.equal(true);
      expect(result.content.map((c) => c.type)).to.deep.equal(['text', 'image', 'resource_link']);
      expect(JSON.stringify(result).length).to.be.below(100_000);
    });
  }

  it('leaves the resource link out for clients older than 2025-06-18, which do not know it', async () => {
    const answer = await post(server, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'generate_image', arguments: { prompt: 'old client' } } });
    const result = answer.messages.find((m) => m.id === 8)?.result as { content: { type: string }[] };
    expect(result.content.map((c) => c.type)).to.deep.equal(['text', 'image']);
  });
});
