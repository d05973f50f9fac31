/**
 * Sign-in bound to the browser that approved it. The consent page sets a cookie holding a
 * random browser id; the consent ticket and the pending sign-in store its hash, and the consent
 * POST and Google's callback complete only when the same cookie comes back. So a consent ticket
 * or a Google `state` handed to someone else's browser is worthless there: an attacker cannot
 * make a victim approve the attacker's request, nor finish a sign-in the victim started
 * (the class of FastMCP advisory GHSA-rww4-4w9c-7733).
 *
 * The cookie is HttpOnly and SameSite=Lax: sent on the top-level GET with which Google sends
 * the user back, never on a cross-site POST. On https its name has the `__Host-` prefix (Secure,
 * Path=/, no Domain: no other host, not even a subdomain, can set it); on loopback http, where a
 * Secure cookie cannot be set, a plain name.
 */
import type { Request, Response } from 'express';
import { hashOf, randomToken } from './tokens.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface BrowserBinding {
  /**
   * The hash of this browser's id, to store with a consent ticket: the id from the cookie if
   * the browser has one (parallel sign-ins in one browser share it), else a new one, set now.
   */
  bind(req: Request, res: Response): string;
  /** Whether the request comes from the browser whose id hashes to `browserHash`. */
  matches(req: Request, browserHash: string): boolean;
  /**
   * Whether a form POST comes from another site: a browser says so in `Sec-Fetch-Site`, or by
   * an `Origin` other than ours. Requests without either (not from a browser) pass.
   */
  isCrossSite(req: Request): boolean;
}

export function browserBinding(publicUrl: string, lifetimeSeconds: number): BrowserBinding {
  const url = new URL(publicUrl);
  const secure = url.protocol === 'https:';
  const name = secure ? '__Host-image-studio-sign-in' : 'image-studio-sign-in';
  const idOf = (req: Request): string | undefined => {
    const id = cookieValue(req.headers.cookie, name);
    return id !== undefined && ID_PATTERN.test(id) ? id : undefined;
  };
  return {
    bind(req, res) {
      const id = idOf(req) ?? randomToken();
      res.cookie(name, id, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: lifetimeSeconds * 1000 });
      return hashOf(id);
    },
    matches(req, browserHash) {
      const id = idOf(req);
      return id !== undefined && hashOf(id) === browserHash;
    },
    isCrossSite(req) {
      const site = req.get('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin') return true;
      const origin = req.get('origin');
      return origin !== undefined && origin !== url.origin;
    },
  };
}

/** One cookie's value from a Cookie header (RFC 6265 `name=value; name=value`); the first wins. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
