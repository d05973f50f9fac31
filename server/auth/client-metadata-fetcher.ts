/**
 * Fetches client metadata documents for client ids that are not pinned. The URL comes from
 * whoever starts an authorization, so the fetch is built to be safe against server-side
 * request forgery: every address the host resolves to must be public, the connection goes to
 * exactly the address that was checked (no second DNS lookup an attacker could rebind), no
 * redirects are followed, and time and size are bounded. Documents are cached by their
 * Cache-Control (within bounds) and failures briefly, so a bad URL cannot make us fetch
 * over and over.
 *
 * The cache is per instance and lost on restart; that costs one fetch per client id per
 * instance, which is what it is for.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Logger } from '../log.js';
import {
  checkClientIdUrl,
  clientIdRefusal,
  ClientMetadataError,
  parseClientMetadataDocument,
  type ClientMetadataDocument,
} from './client-metadata-document.js';
import { isPublicAddress } from './public-address.js';

/** Client metadata documents by client id; rejects with ClientMetadataError. */
export interface ClientMetadataSource {
  get(clientId: string): Promise<ClientMetadataDocument>;
}

export interface ClientMetadataFetcherOptions {
  /** The whole fetch: DNS, connect, TLS, headers and body. Default 5000. */
  readonly timeoutMs?: number;
  /** Largest body accepted. Default 5120 (the draft suggests 5 KB). */
  readonly maxBytes?: number;
  /** Cached client ids (documents and failures), least recently used evicted. Default 100. */
  readonly maxEntries?: number;
  /** Cache-Control is clamped to [minTtlSeconds, maxTtlSeconds]. Defaults 300 and 86400. */
  readonly minTtlSeconds?: number;
  readonly maxTtlSeconds?: number;
  /** How long a failure is remembered (and served) before the URL is fetched again. Default 60. */
  readonly failureTtlSeconds?: number;
  /** Gets the host and the reason of each fetch, never the body. */
  readonly logger?: Logger;
  /** Tests only: which resolved addresses may be connected to. Default isPublicAddress. */
  readonly isAllowedAddress?: (ip: string) => boolean;
  /** Tests only: a CA trusted besides the usual roots, for a self-signed local server. */
  readonly ca?: string | Buffer;
  /** Tests only: the clock, in milliseconds. */
  readonly now?: () => number;
  /**
   * Tests only: the port to connect to instead of 443. Client ids never name a port (see
   * checkClientIdUrl), and a test cannot listen on 443, so this is how a test reaches its
   * local server while the client id, the address check and the TLS checks stay as in
   * production. Production never sets it.
   */
  readonly connectPort?: number;
}

const USER_AGENT = 'image-studio-mcp (OAuth client metadata fetcher)';

/** Why a fetch failed, in words that complete "Could not read the client metadata document at URL: ". */
class FetchRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FetchRefusal';
  }
}

interface Fetched {
  readonly document: ClientMetadataDocument;
  readonly ttlSeconds: number;
}

interface CacheEntry {
  readonly result: Promise<ClientMetadataDocument>;
  /** Infinity while the fetch is under way; set when it settles. */
  expiresAt: number;
}

export function createClientMetadataFetcher(options: ClientMetadataFetcherOptions = {}): ClientMetadataSource {
  const settings = {
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 5120,
    minTtlSeconds: options.minTtlSeconds ?? 300,
    maxTtlSeconds: options.maxTtlSeconds ?? 86400,
    isAllowedAddress: options.isAllowedAddress ?? isPublicAddress,
    ca: options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()],
    connectPort: options.connectPort ?? 443,
  };
  const maxEntries = options.maxEntries ?? 100;
  const failureTtlSeconds = options.failureTtlSeconds ?? 60;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  // A Map iterates in insertion order; re-inserting on every hit keeps the least recently
  // used entry first.
  const cache = new Map<string, CacheEntry>();

  async function load(url: URL, clientId: string): Promise<Fetched> {
    try {
      const fetched = await fetchDocument(url, clientId, settings);
      logger?.info('client metadata document fetched', { host: url.host, ttlSeconds: fetched.ttlSeconds });
      return fetched;
    } catch (err) {
      const refusal = asClientMetadataError(err, clientId);
      if (err instanceof FetchRefusal || err instanceof ClientMetadataError) {
        logger?.warn('client metadata document refused', { host: url.host, reason: err instanceof FetchRefusal ? err.reason : refusal.message });
      } else {
        logger?.error('client metadata document fetch failed unexpectedly', { host: url.host, error: err });
      }
      throw refusal;
    }
  }

  return {
    async get(clientId) {
      const checked = checkClientIdUrl(clientId);
      if ('problem' in checked) throw new ClientMetadataError(clientIdRefusal(checked.problem));

      const cached = cache.get(clientId);
      if (cached) cache.delete(clientId);
      if (cached && cached.expiresAt > now()) {
        cache.set(clientId, cached);
        return cached.result;
      }
      const entry: CacheEntry = {
        result: load(checked.url, clientId).then(
          (fetched) => {
            entry.expiresAt = now() + fetched.ttlSeconds * 1000;
            return fetched.document;
          },
          (err: unknown) => {
            entry.expiresAt = now() + failureTtlSeconds * 1000;
            throw err;
          },
        ),
        expiresAt: Infinity,
      };
      cache.set(clientId, entry);
      for (const oldest of cache.keys()) {
        if (cache.size <= maxEntries) break;
        cache.delete(oldest);
      }
      return entry.result;
    },
  };
}

function asClientMetadataError(err: unknown, clientId: string): ClientMetadataError {
  if (err instanceof ClientMetadataError) return err;
  const reason = err instanceof FetchRefusal ? err.reason : 'something unexpected went wrong on our side';
  return new ClientMetadataError(`Could not read the client metadata document at ${clientId}: ${reason}.`);
}

interface FetchSettings {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly minTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly isAllowedAddress: (ip: string) => boolean;
  readonly ca: string[] | undefined;
  readonly connectPort: number;
}

/** One GET of the document; rejects with FetchRefusal or ClientMetadataError. */
function fetchDocument(url: URL, clientId: string, settings: FetchSettings): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      outcome();
    };
    const fail = (reason: string) => settle(() => reject(new FetchRefusal(reason)));

    const req = request({
      method: 'GET',
      hostname: url.hostname,
      port: settings.connectPort,
      path: url.pathname,
      headers: { accept: 'application/json', 'accept-encoding': 'identity', 'user-agent': USER_AGENT },
      // A fresh connection each time: nothing pooled, and every connection goes through the
      // address check.
      agent: false,
      lookup: checkedLookup(settings.isAllowedAddress),
      ...(settings.ca ? { ca: settings.ca } : {}),
    });
    // One deadline for everything, DNS included: destroying the request aborts whichever step is under way.
    const timer = setTimeout(() => fail(`it took longer than ${settings.timeoutMs / 1000} s`), settings.timeoutMs);

    req.on('error', (err) => fail(err instanceof FetchRefusal ? err.reason : connectionProblem(err)));
    req.on('response', (res) => {
      const problem = responseProblem(res, settings.maxBytes);
      if (problem !== undefined) return fail(problem);
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > settings.maxBytes) return fail(`it is larger than ${settings.maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('error', () => fail('the connection broke off before the document was complete'));
      res.on('end', () => {
        if (!res.complete) return fail('the connection broke off before the document was complete');
        let json: unknown;
        try {
          // fatal: a body that is not UTF-8 is refused rather than read with replacement characters.
          json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
        } catch {
          return fail('it is not valid JSON');
        }
        try {
          const document = parseClientMetadataDocument(clientId, json);
          const ttlSeconds = cacheTtlSeconds(res.headers['cache-control'], settings.minTtlSeconds, settings.maxTtlSeconds);
          settle(() => resolve({ document, ttlSeconds }));
        } catch (err) {
          // A ClientMetadataError, whose message already says what is wrong with the document.
          settle(() => reject(err instanceof Error ? err : new Error(String(err))));
        }
      });
    });
    req.end();
  });
}

/** Why the status or headers of a response rule it out before its body is read, or undefined. */
function responseProblem(res: IncomingMessage, maxBytes: number): string | undefined {
  const status = res.statusCode ?? 0;
  const type = mediaType(res.headers['content-type']);
  if (status >= 300 && status < 400) return `the server answered ${status}, a redirect, and redirects are not followed`;
  if (status !== 200) {
    // Bot protection (Cloudflare's challenge, for one) answers servers with an HTML page.
    if (type === 'text/html') {
      return `the server answered ${status} with an HTML page instead of the JSON document, as bot protection (such as Cloudflare's challenge) does; the document must be served to servers, not only to browsers`;
    }
    return `the server answered ${status}`;
  }
  if (type === undefined || !(type === 'application/json' || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(type))) {
    return `it is not JSON (content type ${type === undefined ? 'missing' : describeType(type)})`;
  }
  const length = Number(res.headers['content-length'] ?? 0);
  if (length > maxBytes) return `it is larger than ${maxBytes} bytes`;
  return undefined;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** A content type as the message may quote it: the server chose it, so only a plain token pair. */
function describeType(type: string): string {
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(type) ? type : 'not a recognisable media type';
}

function connectionProblem(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'its host name does not resolve';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ECONNRESET') return 'the connection was reset';
  if (code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return 'its server could not be reached';
  if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/.test(code)) return `its TLS certificate is not valid (${code})`;
  if (/^ERR_SSL|^ERR_TLS|^EPROTO$/.test(code)) return `the TLS connection failed (${code})`;
  return /^[A-Z0-9_]{1,64}$/.test(code) ? `the connection failed (${code})` : 'the connection failed';
}

/**
 * How long to keep a document: its max-age, within [min, max]. s-maxage (for shared caches)
 * is ignored; no-store and no-cache get the minimum, because a document we refetched on every
 * authorization would let anyone make us fetch as often as they like.
 */
function cacheTtlSeconds(header: string | undefined, min: number, max: number): number {
  const directives = (header ?? '').toLowerCase().split(',').map((directive) => directive.trim());
  if (directives.some((directive) => /^no-(store|cache)\b/.test(directive))) return min;
  const maxAge = directives.map((directive) => /^max-age\s*=\s*"?(\d+)"?$/.exec(directive)?.[1]).find((value) => value !== undefined);
  if (maxAge === undefined) return min;
  return Math.min(max, Math.max(min, Number(maxAge)));
}

/**
 * A `lookup` for net/tls: resolves every address of the host, refuses them all unless each one
 * is allowed, and hands back checked addresses only, so the socket connects to an address that
 * was checked. Node calls it in two shapes: with `all: true` (when it tries several addresses,
 * as autoSelectFamily does by default) it wants a list, otherwise one address and its family.
 */
export function checkedLookup(isAllowedAddress: (ip: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    // Always every family: a host with a public A record and a private AAAA one is refused
    // even if this connection only asked for IPv4.
    dnsLookup(hostname, { all: true, family: 0 }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      const refused = addresses.find((address) => !isAllowedAddress(address.address));
      if (refused) return callback(new FetchRefusal(`its address ${refused.address} is not public`), '');
      const family = familyNumber(options.family);
      const usable = family === 0 ? addresses : addresses.filter((address) => address.family === family);
      const first = usable[0];
      if (first === undefined) {
        const none: NodeJS.ErrnoException = new Error(`no usable address for ${hostname}`);
        none.code = 'ENOTFOUND';
        return callback(none, '');
      }
      if (options.all) return callback(null, usable);
      return callback(null, first.address, first.family);
    });
  };
}

function familyNumber(family: number | 'IPv4' | 'IPv6' | undefined): number {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family ?? 0;
}
