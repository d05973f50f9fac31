/** Every way a sign-in or a token can be wrong is refused with the RFC 6749 shape, and nothing is issued. */
import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { CLIENT_REDIRECT, SIGNING_KEY, challengeOf, form, mcpList, TestOAuthClient, approveInBrowser, connectWithSignIn, startOAuthServers, type OAuthTestServer } from './oauth-harness.js';

describe('sign-in refuses bad input', () => {
  let server: OAuthTestServer;
  let client: { client_id: string; client_secret: string };
  const verifier = 'v'.repeat(64);

  before(async () => {
    server = await startOAuthServers({ instances: 1 });
    const registered = await fetch(`${server.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback', CLIENT_REDIRECT], token_endpoint_auth_method: 'client_secret_post' }),
    });
    expect(registered.status).to.equal(201);
    client = (await registered.json()) as typeof client;
  });
  after(async () => server.close());

  const authorizeUrl = (params: Record<string, string> = {}) =>
    new URL(
      `${server.url}/authorize?` +
        new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: CLIENT_REDIRECT, code_challenge: challengeOf(verifier), code_challenge_method: 'S256', state: 'st', resource: `${server.url}/mcp`, ...params }).toString(),
    );
  const codeFor = async () => (await approveInBrowser(authorizeUrl())).searchParams.get('code')!;
  const token = (params: Record<string, string>) =>
    fetch(`${server.url}/token`, form({ grant_type: 'authorization_code', client_id: client.client_id, client_secret: client.client_secret, redirect_uri: CLIENT_REDIRECT, code_verifier: verifier, ...params }));

  it('publishes resource metadata at both well-known paths, and answers an anonymous POST /mcp with 401 pointing to it', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const meta = (await (await fetch(`${server.url}${path}`)).json()) as { resource: string };
      expect(meta.resource, path).to.equal(`${server.url}/mcp`);
    }
    const anonymous = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.include(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    expect((await fetch(`${server.url}/mcp`)).status, 'GET').to.equal(401); // the token check comes before anything else
  });

  it('answers sign-in and MCP only under the public host or loopback (DNS rebinding)', async () => {
    const statusWithHost = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${server.url}${path}`, { method: 'GET', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusWithHost('/.well-known/oauth-authorization-server', 'evil.example.com')).to.equal(403);
    expect(await statusWithHost('/authorize', 'evil.example.com')).to.equal(403);
    expect(await statusWithHost('/.well-known/oauth-authorization-server', new URL(server.url).host)).to.equal(200);
  });

  it('registers Claude’s callback without an expiring secret, and refuses any other redirect URI', async () => {
    expect(client).to.include({ client_secret_expires_at: 0 });
    for (const uri of ['https://evil.example.com/cb', 'http://evil.example.com/cb', 'https://claude.ai.evil.com/api/mcp/auth_callback', 'javascript:alert(1)']) {
      const res = await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [uri] }) });
      expect(res.status, uri).to.equal(400);
      expect(((await res.json()) as { error: string }).error).to.equal('invalid_client_metadata');
    }
  });

  it('shows a consent page naming the client and where it goes before anything is sent to Google', async () => {
    const page = await fetch(authorizeUrl());
    const html = await page.text();
    expect(html).to.include('Claude').and.include(CLIENT_REDIRECT);
    expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    expect(server.google.requests).to.have.length(0);
  });

  it('never redirects to an unregistered URI, and refuses unknown clients', async () => {
    const evil = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example.com/cb' }), { redirect: 'manual' });
    expect(evil.status).to.equal(400);
    expect(evil.headers.get('location')).to.equal(null);
    const unknown = await fetch(authorizeUrl({ client_id: 'nobody' }), { redirect: 'manual' });
    expect(unknown.status).to.equal(400);
    expect(((await unknown.json()) as { error: string }).error).to.equal('invalid_client');
  });

  it('refuses plain PKCE and a resource other than this server', async () => {
    const cases: Record<string, string>[] = [{ code_challenge_method: 'plain' }, { resource: 'https://other.example.com/mcp' }];
    for (const params of cases) {
      const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
      const location = new URL(res.headers.get('location') ?? 'http://x/');
      expect(location.href.startsWith(CLIENT_REDIRECT), JSON.stringify(params)).to.equal(true);
      expect(location.searchParams.get('error')).to.be.oneOf(['invalid_request', 'invalid_target']);
    }
  });

  it('refuses a tampered consent ticket', async () => {
    const res = await fetch(`${server.url}/authorize/consent`, { ...form({ ticket: 'eyJhbGciOiJIUzI1NiJ9.e30.bad', decision: 'approve' }), redirect: 'manual' });
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
  });

  it('sends the user back with access_denied when they cancel, or when Google has not verified their email', async () => {
    const denied = await approveInBrowser(authorizeUrl(), 'deny');
    expect(denied.searchParams.get('error')).to.equal('access_denied');
    expect(denied.searchParams.get('state')).to.equal('st');
    server.google.nextIdentity({ email: 'ada@example.com', emailVerified: false });
    const unverified = await approveInBrowser(authorizeUrl());
    expect(unverified.searchParams.get('error')).to.equal('access_denied');
    expect(unverified.searchParams.get('error_description')).to.include('not verified');
    expect(unverified.searchParams.get('code')).to.equal(null);
  });

  it('refuses a wrong PKCE verifier, a wrong redirect URI and a replayed code', async () => {
    const wrongVerifier = await token({ code: await codeFor(), code_verifier: 'w'.repeat(64) });
    expect(wrongVerifier.status).to.equal(400);
    expect(((await wrongVerifier.json()) as { error: string }).error).to.equal('invalid_grant');

    const wrongRedirect = await token({ code: await codeFor(), redirect_uri: 'https://claude.ai/api/mcp/auth_callback' });
    expect(((await wrongRedirect.json()) as { error: string }).error).to.equal('invalid_grant');

    const code = await codeFor();
    expect((await token({ code })).status).to.equal(200);
    const replay = await token({ code });
    expect(replay.status).to.equal(400);
    expect(((await replay.json()) as { error: string }).error).to.equal('invalid_grant');
  });

  it('refuses access tokens that are not ours: another audience, tampered, expired, or signed by someone else', async () => {
    const key = new TextEncoder().encode(SIGNING_KEY);
    const claims = { email: 'ada@example.com', client_id: client.client_id, grant: 'g', scope: '' };
    const sign = (audience: string, expires: string | number, signingKey = key) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setIssuer(server.url).setAudience(audience).setExpirationTime(expires).sign(signingKey);
    const { provider } = await connectWithSignIn(server.url, new TestOAuthClient());
    const good = provider.saved!.access_token;
    expect((await mcpList(server.url, good)).status).to.equal(200);

    const bad = [
      await sign('https://other.example.com/mcp', '1h'),
      `${good.slice(0, -4)}AAAA`,
      await sign(`${server.url}/mcp`, Math.floor(Date.now() / 1000) - 60),
      await sign(`${server.url}/mcp`, '1h', new TextEncoder().encode('another-key-another-key-another-key!!')),
      'ya29.a-google-access-token',
    ];
    for (const token of bad) expect((await mcpList(server.url, token)).status, token.slice(0, 30)).to.equal(401);
  });
});

describe('the allow-list is checked on every request', () => {
  it('cuts off a signed-in user as soon as their address leaves the list, without signing in again', async () => {
    const allowed = ['ada@example.com'];
    const server = await startOAuthServers({ instances: 1, allowed });
    try {
      server.google.nextIdentity({ email: 'ada@example.com' });
      const { client } = await connectWithSignIn(server.url);
      const call = async () => (await client.callTool({ name: 'help', arguments: {} })) as { isError?: boolean; content: { type: string; text?: string }[] };
      expect((await call()).isError).to.not.equal(true);
      allowed.pop(); // what a redeploy with a new IMG_ALLOWED_EMAILS does to every instance
      const refused = await call();
      expect(refused.isError).to.equal(true);
      expect(refused.content[0]?.text).to.include('signed in as ada@example.com, which is not on');
      await client.close();
    } finally {
      await server.close();
    }
  });
});
