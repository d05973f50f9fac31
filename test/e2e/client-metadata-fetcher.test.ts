/**
 * The client metadata fetcher against a real local HTTPS server. Client ids are
 * https://localhost/<name>.json (no port, as production requires); the fetcher's test-only
 * `connectPort` sends the connection to this server's random port, `ca` trusts its
 * self-signed certificate (test/fixtures/cimd), and `isAllowedAddress` lets loopback through,
 * except in the test that checks the default refuses it.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { ClientMetadataError } from '../../server/auth/client-metadata-document.js';
import {
  checkedLookup,
  createClientMetadataFetcher,
  type ClientMetadataFetcherOptions,
  type ClientMetadataSource,
} from '../../server/auth/client-metadata-fetcher.js';
import { createLogger } from '../../server/log.js';

const FIXTURES = new URL('../fixtures/cimd/', import.meta.url);
const KEY = readFileSync(new URL('localhost-key.pem', FIXTURES));
const CERT = readFileSync(new URL('localhost-cert.pem', FIXTURES));
const LOOPBACK = (ip: string) => ip === '127.0.0.1' || ip === '::1';
/** In every body we serve; must never reach a message or a log line. */
const BODY_MARKER = 'body-marker-7f3a';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const idFor = (name: string) => `https://localhost/${name}.json`;

function documentFor(clientId: string) {
  return {
    client_id: clientId,
    client_name: 'Local Test Client',
    client_uri: 'https://localhost',
    redirect_uris: ['https://localhost/callback', 'http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    logo_uri: `https://localhost/${BODY_MARKER}.png`,
  };
}

/** Serves `body` as JSON with the given status and headers. */
const json =
  (body: unknown, headers: Record<string, string> = {}, status = 200): Route =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('client metadata fetcher (against a local HTTPS server)', () => {
  let server: Server;
  let port: number;
  let routes: Map<string, Route>;
  let requests: Map<string, IncomingMessage[]>;
  let logLines: string[];
  let clock: number;

  const requestCount = (name: string) => requests.get(`/${name}.json`)?.length ?? 0;
  const totalRequests = () => [...requests.values()].reduce((sum, list) => sum + list.length, 0);
  const serve = (name: string, route: Route) => routes.set(`/${name}.json`, route);
  const serveDocument = (name: string, headers: Record<string, string> = {}) => serve(name, json(documentFor(idFor(name)), headers));

  const fetcher = (overrides: ClientMetadataFetcherOptions = {}): ClientMetadataSource =>
    createClientMetadataFetcher({
      ca: CERT,
      connectPort: port,
      isAllowedAddress: LOOPBACK,
      now: () => clock,
      logger: createLogger((line) => logLines.push(line), {}, 'DEBUG'),
      ...overrides,
    });

  async function refusal(promise: Promise<unknown>): Promise<string> {
    let caught: unknown;
    try {
      await promise;
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected the fetch to be refused').to.be.instanceOf(ClientMetadataError);
    const message = (caught as Error).message;
    expect([message, ...logLines].join('\n')).to.not.include(BODY_MARKER);
    return message;
  }

  before(async () => {
    server = createServer({ key: KEY, cert: CERT }, (req, res) => {
      const path = req.url ?? '';
      requests.set(path, [...(requests.get(path) ?? []), req]);
      const route = routes.get(path);
      if (route) return route(req, res);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: BODY_MARKER }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    routes = new Map();
    requests = new Map();
    logLines = [];
    clock = 1_000_000;
  });
  // Hanging routes keep their connections open; end them so each test starts clean.
  afterEach(() => server.closeAllConnections());

  it('fetches a document and keeps only the fields we use', async () => {
    serveDocument('app');
    const document = await fetcher().get(idFor('app'));
    expect(document).to.deep.equal({
      client_id: idFor('app'),
      client_name: 'Local Test Client',
      client_uri: 'https://localhost',
      redirect_uris: ['https://localhost/callback', 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const [req] = requests.get('/app.json') ?? [];
    expect(req?.method).to.equal('GET');
    expect(req?.headers.accept).to.equal('application/json');
    expect(req?.headers['user-agent']).to.include('image-studio-mcp');
    expect(req?.headers.cookie).to.equal(undefined);
    expect(logLines.join('\n')).to.include('client metadata document fetched').and.include('localhost');
  });

  it('serves a document from its cache for its max-age, then fetches it again', async () => {
    serveDocument('app', { 'cache-control': 'public, max-age=600, s-maxage=5' });
    const source = fetcher();
    const first = await source.get(idFor('app'));
    clock += 599_000;
    expect(await source.get(idFor('app'))).to.equal(first);
    expect(requestCount('app')).to.equal(1);
    clock += 2_000;
    await source.get(idFor('app'));
    expect(requestCount('app')).to.equal(2);
  });

  it('keeps a document at least minTtlSeconds and at most maxTtlSeconds', async () => {
    serveDocument('short', { 'cache-control': 'max-age=5' });
    serveDocument('nostore', { 'cache-control': 'no-store' });
    serveDocument('plain');
    serveDocument('long', { 'cache-control': 'max-age=31536000' });
    const source = fetcher({ minTtlSeconds: 300, maxTtlSeconds: 3600 });
    const names = ['short', 'nostore', 'plain', 'long'];
    for (const name of names) await source.get(idFor(name));
    clock += 299_000;
    for (const name of names) await source.get(idFor(name));
    expect(names.map(requestCount)).to.deep.equal([1, 1, 1, 1]);
    clock += 2_000;
    for (const name of names) await source.get(idFor(name));
    expect(names.map(requestCount)).to.deep.equal([2, 2, 2, 1]);
    clock += 3600_000;
    await source.get(idFor('long'));
    expect(requestCount('long')).to.equal(2);
  });

  it('evicts the least recently used client id beyond maxEntries', async () => {
    for (const name of ['a', 'b', 'c']) serveDocument(name);
    const source = fetcher({ maxEntries: 2 });
    await source.get(idFor('a'));
    await source.get(idFor('b'));
    await source.get(idFor('a')); // a is now the most recently used
    await source.get(idFor('c')); // evicts b
    await source.get(idFor('a'));
    expect(requestCount('a')).to.equal(1);
    await source.get(idFor('b'));
    expect(requestCount('b')).to.equal(2);
  });

  it('shares one fetch between concurrent gets of one client id', async () => {
    serve('slow', (req, res) => void sleep(150).then(() => json(documentFor(idFor('slow')))(req, res)));
    const source = fetcher();
    const documents = await Promise.all(Array.from({ length: 5 }, () => source.get(idFor('slow'))));
    expect(requestCount('slow')).to.equal(1);
    for (const document of documents) expect(document).to.equal(documents[0]);
  });

  it('remembers a failure for failureTtlSeconds, then tries again', async () => {
    serve('broken', json({ error: BODY_MARKER }, {}, 500));
    const source = fetcher({ failureTtlSeconds: 60 });
    const first = await refusal(source.get(idFor('broken')));
    expect(first).to.equal(`Could not read the client metadata document at ${idFor('broken')}: the server answered 500.`);
    clock += 59_000;
    expect(await refusal(source.get(idFor('broken')))).to.equal(first);
    expect(requestCount('broken')).to.equal(1);
    clock += 2_000;
    serveDocument('broken');
    expect((await source.get(idFor('broken'))).client_id).to.equal(idFor('broken'));
    expect(requestCount('broken')).to.equal(2);
  });

  it('refuses a host that resolves to a non-public address without connecting (the default check)', async () => {
    serveDocument('app');
    const message = await refusal(fetcher({ isAllowedAddress: undefined }).get(idFor('app')));
    expect(message).to.match(/^Could not read the client metadata document at https:\/\/localhost\/app\.json: its address (127\.0\.0\.1|::1) is not public\.$/);
    expect(totalRequests()).to.equal(0);
    expect(logLines.join('\n')).to.include('client metadata document refused').and.include('is not public');
  });

  it('refuses a client id it does not accept without any request', async () => {
    serveDocument('app');
    for (const clientId of [`https://localhost:${port}/app.json`, 'http://localhost/app.json', 'https://127.0.0.1/app.json', 'https://localhost/app.json#x']) {
      expect(await refusal(fetcher().get(clientId)), clientId).to.match(/^The client_id is not a client metadata document URL we accept: /);
    }
    expect(totalRequests()).to.equal(0);
  });

  it('refuses a redirect without following it', async () => {
    serveDocument('target');
    serve('moved', (_req, res) => {
      res.writeHead(302, { location: idFor('target') });
      res.end();
    });
    const message = await refusal(fetcher().get(idFor('moved')));
    expect(message).to.equal(`Could not read the client metadata document at ${idFor('moved')}: the server answered 302, a redirect, and redirects are not followed.`);
    expect(requestCount('target')).to.equal(0);
  });

  it('refuses a 404', async () => {
    expect(await refusal(fetcher().get(idFor('missing')))).to.equal(
      `Could not read the client metadata document at ${idFor('missing')}: the server answered 404.`,
    );
  });

  it('explains a 403 HTML page as bot protection', async () => {
    serve('challenge', (_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html; charset=UTF-8' });
      res.end(`<html><title>Just a moment...</title>${BODY_MARKER}</html>`);
    });
    const message = await refusal(fetcher().get(idFor('challenge')));
    expect(message).to.include('the server answered 403 with an HTML page instead of the JSON document');
    expect(message).to.include("Cloudflare's challenge");
  });

  it('refuses a 200 that is not JSON, naming its content type', async () => {
    serve('html', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<p>${BODY_MARKER}</p>`);
    });
    serve('untyped', (_req, res) => res.end(JSON.stringify(documentFor(idFor('untyped')))));
    expect(await refusal(fetcher().get(idFor('html')))).to.equal(
      `Could not read the client metadata document at ${idFor('html')}: it is not JSON (content type text/html).`,
    );
    expect(await refusal(fetcher().get(idFor('untyped')))).to.include('it is not JSON (content type missing)');
  });

  it('accepts application/*+json with parameters', async () => {
    serveDocument('typed', { 'content-type': 'application/vnd.example+json; charset=utf-8' });
    expect((await fetcher().get(idFor('typed'))).client_id).to.equal(idFor('typed'));
  });

  it('refuses a body over maxBytes as soon as Content-Length announces it', async () => {
    // Only the headers arrive: counting bytes would wait for the deadline; the header says enough.
    serve('big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 6000 });
      res.write('{');
    });
    const started = Date.now();
    expect(await refusal(fetcher({ timeoutMs: 10_000 }).get(idFor('big')))).to.equal(
      `Could not read the client metadata document at ${idFor('big')}: it is larger than 5120 bytes.`,
    );
    expect(Date.now() - started).to.be.below(2000);
  });

  it('stops reading a chunked body once it passes maxBytes, even one that never ends', async () => {
    let written = 0;
    serve('endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"padding":"');
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        written += 1024;
        res.write('x'.repeat(1024));
      }, 5);
    });
    const started = Date.now();
    const message = await refusal(fetcher({ maxBytes: 4096, timeoutMs: 10_000 }).get(idFor('endless')));
    expect(message).to.include('it is larger than 4096 bytes');
    expect(Date.now() - started).to.be.below(2000);
    await sleep(100);
    expect(written, 'the server kept writing long after the refusal').to.be.below(64 * 1024);
  });

  it('gives up on a server that does not answer within timeoutMs', async () => {
    serve('silent', () => {});
    const started = Date.now();
    const message = await refusal(fetcher({ timeoutMs: 300 }).get(idFor('silent')));
    expect(message).to.equal(`Could not read the client metadata document at ${idFor('silent')}: it took longer than 0.3 s.`);
    expect(Date.now() - started).to.be.within(250, 1500);
  });

  it('counts the body against the same deadline', async () => {
    serve('trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"client_id":');
    });
    const started = Date.now();
    expect(await refusal(fetcher({ timeoutMs: 300 }).get(idFor('trickle')))).to.include('it took longer than 0.3 s');
    expect(Date.now() - started).to.be.below(1500);
  });

  it('refuses a document whose client_id is not its URL', async () => {
    serve('other', json(documentFor(idFor('app'))));
    expect(await refusal(fetcher().get(idFor('other')))).to.equal(
      `The client metadata document at ${idFor('other')} is not accepted: its client_id is not exactly the URL it was read from.`,
    );
  });

  it('refuses a body that is not valid JSON', async () => {
    serve('garbled', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"client_id": ${BODY_MARKER}`);
    });
    expect(await refusal(fetcher().get(idFor('garbled')))).to.equal(
      `Could not read the client metadata document at ${idFor('garbled')}: it is not valid JSON.`,
    );
  });

  it('refuses a server whose certificate it does not trust', async () => {
    serveDocument('app');
    expect(await refusal(fetcher({ ca: undefined }).get(idFor('app')))).to.match(/: its TLS certificate is not valid \([A-Z_]+\)\.$/);
    expect(totalRequests()).to.equal(0);
  });
});

describe('checked lookup (the DNS step of the fetch)', () => {
  const lookUp = (isAllowed: (ip: string) => boolean, options: { all?: boolean; family?: number }) =>
    new Promise<{ err: Error | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
      checkedLookup(isAllowed)('localhost', options, (err, address, family) => resolve({ err, address, family })),
    );

  it('answers with a list when Node asks for all addresses, and with one address otherwise', async () => {
    const all = await lookUp(LOOPBACK, { all: true });
    expect(all.err).to.equal(null);
    expect(all.address).to.be.an('array').that.deep.includes({ address: '127.0.0.1', family: 4 });
    const one = await lookUp(LOOPBACK, { family: 4 });
    expect(one).to.deep.equal({ err: null, address: '127.0.0.1', family: 4 });
  });

  it('refuses when any resolved address is not allowed', async () => {
    const refused = await lookUp(() => false, { all: true });
    expect(refused.err?.message).to.match(/its address (127\.0\.0\.1|::1) is not public/);
    const single = await lookUp((ip) => ip !== '127.0.0.1', {});
    expect(single.err?.message).to.equal('its address 127.0.0.1 is not public');
  });
});
