/**
 * The findings of a black-box attack run against sign-in, each as the attacker would try it:
 * a sign-in finished in someone else's browser, rate limits dodged with X-Forwarded-For,
 * another client spoiling the owner's refresh token, a replayed code, a user removed from the
 * list still refreshing, missing HSTS/nosniff, oversized and immortal registrations.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../../server/app.js';
import { AuthRecords } from '../../server/auth/auth-records.js';
import { AppError } from '../../server/errors.js';
import { silentLogger } from '../../server/log.js';
import { everyModelServed } from '../support/models.js';
import { openStoreKit } from '../support/store-kits.js';
import { ALLOWED, CLIENT_REDIRECT, TestBrowser, challengeOf, form, mcpList, connectWithSignIn, consentTicket, followToClient, startOAuthServers, submitConsent, type OAuthTestServer } from './oauth-harness.js';

const VERIFIER = 'v'.repeat(64);

interface Registered {
  client_id: string;
  client_secret: string;
}

async function register(url: string, body: object = {}): Promise<Response> {
  return fetch(`${url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Test', redirect_uris: [CLIENT_REDIRECT], token_endpoint_auth_method: 'client_secret_post', ...body }),
  });
}

describe('sign-in is bound to the browser that approved it', () => {
  let server: OAuthTestServer;
  let client: Registered;
  before(async () => {
    server = await startOAuthServers();
    client = (await (await register(server.url)).json()) as Registered;
  });
  after(async () => server.close());

  const authorizeUrl = () =>
    new URL(
      `${server.url}/authorize?` +
        new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: CLIENT_REDIRECT, code_challenge: challengeOf(VERIFIER), code_challenge_method: 'S256', state: 'st' }).toString(),
    );

  it('sets an HttpOnly, SameSite=Lax cookie with the consent page (plain name on loopback http)', async () => {
    const page = await fetch(authorizeUrl());
    const cookie = page.headers.getSetCookie().find((line) => line.startsWith('image-studio-sign-in='));
    expect(cookie).to.be.a('string');
    expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Path=\//);
    expect(cookie).to.not.match(/Secure/i);
  });

  it('refuses a consent form submitted from another site, and leaves its ticket usable', async () => {
    const browser = new TestBrowser(server.url);
    const ticket = await consentTicket(await browser.fetch(authorizeUrl()));
    const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of crossSite) {
      const res = await submitConsent(browser, ticket, 'approve', headers);
      expect(res.status, JSON.stringify(headers)).to.equal(403);
      expect(res.headers.get('location'), JSON.stringify(headers)).to.equal(null);
    }
    // The user's own approval, from the page itself, still goes through.
    const back = await followToClient(browser, await submitConsent(browser, ticket, 'approve', { origin: server.url, 'sec-fetch-site': 'same-origin' }));
    expect(back.searchParams.get('code')).to.be.a('string');
  });

  it("refuses a consent ticket submitted from a browser other than the one shown the page (an attacker's ticket in the victim's browser)", async () => {
    const attacker = new TestBrowser(server.url);
    const victim = new TestBrowser(server.url);
    const ticket = await consentTicket(await attacker.fetch(authorizeUrl()));
    await victim.fetch(authorizeUrl()); // the victim has a cookie of their own
    const res = await submitConsent(victim, ticket, 'approve');
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(await res.text()).to.include('another browser');
  });

  it('approves once per consent page', async () => {
    const browser = new TestBrowser(server.url);
    const ticket = await consentTicket(await browser.fetch(authorizeUrl()));
    expect((await submitConsent(browser, ticket, 'approve')).status).to.equal(303);
    const again = await submitConsent(browser, ticket, 'approve');
    expect(again.status).to.equal(400);
    expect(again.headers.get('location')).to.equal(null);
  });

  it("completes Google's callback only in the browser that approved: a state carried to another browser issues no code", async () => {
    const attacker = new TestBrowser(server.url);
    const ticket = await consentTicket(await attacker.fetch(authorizeUrl()));
    const toGoogle = (await submitConsent(attacker, ticket, 'approve')).headers.get('location')!;
    expect(new URL(toGoogle).searchParams.get('state')).to.be.a('string');

    // The attacker sends Google's URL to the victim, who signs in there.
    server.google.nextIdentity({ email: ALLOWED });
    const victim = new TestBrowser(server.url);
    const fromGoogle = await victim.fetch(toGoogle);
    const callback = await victim.fetch(new URL(fromGoogle.headers.get('location')!));
    expect(callback.status).to.equal(400);
    expect(callback.headers.get('location'), 'no code goes to the attacker’s client').to.equal(null);
    expect(await callback.text()).to.include('another browser');
  });
});

describe('rate limits and X-Forwarded-For', () => {
  const tokenAttempts = async (url: string, spoof: boolean) => {
    let status = 0;
    for (let i = 0; i < 51; i++) {
      const res = await fetch(`${url}/token`, form({ grant_type: 'authorization_code', client_id: 'nobody', code: 'x', code_verifier: VERIFIER }, spoof ? { 'x-forwarded-for': `203.0.113.${i}` } : {}));
      status = res.status;
    }
    return status;
  };

  it('ignores X-Forwarded-For when no proxy is configured: a client cannot reset its limit by sending one', async () => {
    const server = await startOAuthServers({ instances: 1 });
    try {
      expect(await tokenAttempts(server.url, true)).to.equal(429);
    } finally {
      await server.close();
    }
  });

  it('reads the client address from X-Forwarded-For with IMG_TRUSTED_PROXIES set (as on Cloud Run)', async () => {
    const server = await startOAuthServers({ instances: 1, trustedProxies: 1 });
    try {
      expect(await tokenAttempts(server.url, true), 'each address has its own limit').to.equal(400);
    } finally {
      await server.close();
    }
  });
});

describe('token hygiene', () => {
  let server: OAuthTestServer;
  const allowed = [ALLOWED];
  before(async () => {
    server = await startOAuthServers({ instances: 2, allowed });
  });
  after(async () => server.close());
  beforeEach(() => server.google.nextIdentity({ email: ALLOWED }));

  const refresh = (client: Registered, refreshToken: string) =>
    fetch(`${server.url}/token`, form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, client_secret: client.client_secret }));
  const signIn = async () => {
    const { client, provider } = await connectWithSignIn(server.url);
    await client.close();
    return { registered: provider.client as Registered, tokens: provider.saved! };
  };

  it("leaves the owner's refresh token working when another client tries it", async () => {
    const { registered, tokens } = await signIn();
    const other = (await (await register(server.url, { client_name: 'Other' })).json()) as Registered;
    const stolen = await refresh(other, tokens.refresh_token!);
    expect(stolen.status).to.equal(400);
    expect(((await stolen.json()) as { error: string }).error).to.equal('invalid_grant');
    const owner = await refresh(registered, tokens.refresh_token!);
    expect(owner.status, await owner.clone().text()).to.equal(200);
    expect((await mcpList(server.url, ((await owner.json()) as { access_token: string }).access_token)).status).to.equal(200);
  });

  it('revokes the tokens issued from a code when the code is replayed', async () => {
    const registered = (await (await register(server.url)).json()) as Registered;
    const url = new URL(
      `${server.url}/authorize?` +
        new URLSearchParams({ response_type: 'code', client_id: registered.client_id, redirect_uri: CLIENT_REDIRECT, code_challenge: challengeOf(VERIFIER), code_challenge_method: 'S256' }).toString(),
    );
    const browser = new TestBrowser(server.url);
    const back = await followToClient(browser, await submitConsent(browser, await consentTicket(await browser.fetch(url)), 'approve'));
    const exchange = () =>
      fetch(
        `${server.url}/token`,
        form({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, client_id: registered.client_id, client_secret: registered.client_secret, redirect_uri: CLIENT_REDIRECT, code_verifier: VERIFIER }),
      );
    const first = await exchange();
    expect(first.status).to.equal(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    expect((await mcpList(server.url, tokens.access_token)).status).to.equal(200);

    const replay = await exchange();
    expect(replay.status).to.equal(400);
    expect(((await replay.json()) as { error_description: string }).error_description).to.include('revoked');
    expect((await mcpList(server.url, tokens.access_token)).status, 'the access token is revoked').to.equal(401);
    expect((await refresh(registered, tokens.refresh_token)).status, 'so is the refresh token').to.equal(400);
  });

  it('refuses to refresh for a user removed from the allow-list, and refreshes again once they are back', async () => {
    const { registered, tokens } = await signIn();
    allowed.pop(); // what a redeploy with a new IMG_ALLOWED_EMAILS does to every instance
    try {
      const refused = await refresh(registered, tokens.refresh_token!);
      expect(refused.status).to.equal(400);
      expect(((await refused.json()) as { error_description: string }).error_description).to.include(`${ALLOWED} is not on this server's allow-list`);
    } finally {
      allowed.push(ALLOWED);
    }
    expect((await refresh(registered, tokens.refresh_token!)).status, 'the refusal changed nothing').to.equal(200);
  });
});

describe('registrations are bounded', () => {
  let server: OAuthTestServer;
  let logLines: string[];
  before(async () => {
    logLines = [];
    server = await startOAuthServers({ instances: 1, logLines });
  });
  after(async () => server.close());

  const storedClients = async () => {
    const text = await readFile(path.join(server.kit.root!, 'auth', 'client.json'), 'utf8').catch(() => '{"entries":[]}');
    return (JSON.parse(text) as { entries: { value: Record<string, unknown>; expiresAt: string | null }[] }).entries;
  };

  it('refuses a registration over 8 KB, a long name or too many redirect URIs, storing nothing', async () => {
    const before = (await storedClients()).length;
    const huge = await register(server.url, { client_name: 'Big', logo_uri: `https://example.com/${'a'.repeat(9000)}` });
    expect(huge.status).to.equal(400);
    expect(((await huge.json()) as { error: string }).error).to.equal('invalid_client_metadata');
    const longName = await register(server.url, { client_name: 'n'.repeat(201) });
    expect(longName.status).to.equal(400);
    const manyUris = await register(server.url, { redirect_uris: Array.from({ length: 11 }, (_, i) => `http://localhost:${4000 + i}/cb`) });
    expect(manyUris.status).to.equal(400);
    expect((await storedClients()).length).to.equal(before);
  });

  it('keeps only what the flow uses, logs a bounded name, and forgets an unused registration after a day', async () => {
    const name = `Tool\n${'x'.repeat(150)}`;
    const res = await register(server.url, { client_name: name, logo_uri: 'https://example.com/logo.png', contacts: ['a@example.com'] });
    expect(res.status).to.equal(201);
    const registered = (await res.json()) as Registered & Record<string, unknown>;
    expect(registered).to.not.have.property('logo_uri');
    const stored = (await storedClients()).find((entry) => entry.value.client_id === registered.client_id)!;
    expect(stored.value).to.not.have.property('contacts');
    const lifetime = Date.parse(stored.expiresAt!) - Date.now();
    expect(lifetime).to.be.within(23 * 3600_000, 24 * 3600_000 + 60_000);

    const line = logLines.find((l) => l.includes('OAuth client registered') && l.includes(registered.client_id.slice(0, 8)))!;
    const logged = (JSON.parse(line) as { clientName: string }).clientName;
    expect(logged.length).to.be.at.most(81);
    expect(logged).to.not.include('\n');
  });

  it('keeps a registration in use as long as its refresh tokens', async () => {
    server.google.nextIdentity({ email: ALLOWED });
    const { client, provider } = await connectWithSignIn(server.url);
    await client.close();
    const stored = (await storedClients()).find((entry) => entry.value.client_id === provider.client!.client_id)!;
    expect(Date.parse(stored.expiresAt!) - Date.now()).to.be.greaterThan(89 * 24 * 3600_000);
  });
});

describe('security headers', () => {
  const appAt = async (publicUrl: string) => {
    const kit = await openStoreKit('local');
    const app = createApp({ auth: { kind: 'disabled' }, publicUrl, ...everyModelServed(), images: kit.images, records: kit.records, generator: { generate: () => Promise.reject(new Error('unused')) }, logger: silentLogger });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    return {
      get: (p: string) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { host: 'localhost' } }),
      close: async () => {
        server.close();
        await kit.close();
      },
    };
  };

  it('sends nosniff on every answer, and HSTS only when the public URL is https', async () => {
    const secure = await appAt('https://images.example.com');
    const plain = await appAt('http://localhost:8766');
    try {
      for (const p of ['/health', '/nothing-here', '/api/me', '/i/00000000000000000000000000000000.png']) {
        const res = await secure.get(p);
        expect(res.headers.get('x-content-type-options'), p).to.equal('nosniff');
        expect(res.headers.get('strict-transport-security'), p).to.equal('max-age=31536000');
        const local = await plain.get(p);
        expect(local.headers.get('x-content-type-options'), p).to.equal('nosniff');
        expect(local.headers.get('strict-transport-security'), p).to.equal(null);
      }
    } finally {
      await secure.close();
      await plain.close();
    }
  });
});

describe('typed sign-in state', () => {
  it('refuses an entry of an unexpected shape instead of using it', async () => {
    const kit = await openStoreKit('local');
    try {
      const store = kit.authState;
      await store.put('code', 'k1', { clientId: 42 });
      await store.put('grant', 'k2', { revoked: 'no' });
      const records = new AuthRecords(store);
      for (const read of [() => records.get('code', 'k1'), () => records.take('grant', 'k2')]) {
        const err = await read().then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(AppError);
        expect((err as AppError).status).to.equal('INTERNAL');
      }
    } finally {
      await kit.close();
    }
  });
});
