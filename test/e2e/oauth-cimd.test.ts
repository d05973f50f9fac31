/**
 * Sign-in as Claude's clients do it now: a client metadata document URL as client id (CIMD),
 * Claude.ai's and Claude Code's answered from our pinned copies (no network), other documents
 * from a source the test controls; RFC 9207's `iss` on every authorization response, compared
 * as Claude's clients compare it (string equality with the metadata's `issuer`; the v2 SDK
 * client's `finishAuth` checks it in every flow here).
 */
import { expect } from 'chai';
import { ClientMetadataError, parseClientMetadataDocument } from '../../server/auth/client-metadata-document.js';
import type { ClientMetadataSource } from '../../server/auth/client-metadata-fetcher.js';
import { withPinnedClients } from '../../server/auth/pinned-clients.js';
import { ALLOWED, TestBrowser, challengeOf, TestOAuthClient, approveInBrowser, connectWithSignIn, startOAuthServers, type OAuthTestServer } from './oauth-harness.js';

const CLAUDE_AI = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
const CLAUDE_AI_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
const CLAUDE_CODE = 'https://claude.ai/oauth/claude-code-client-metadata';
const OTHER_APP = 'https://app.example.net/oauth/client.json';
const OTHER_APP_CALLBACK = 'https://app.example.net/oauth/callback';
const UNREACHABLE = 'https://unreachable.example.net/client.json';

/**
 * What the server would fetch, for the documents it has no pinned copy of: one third-party
 * app, and one URL that cannot be read. Every request is counted, so a test can show that
 * Claude's documents never leave the pinned copies.
 */
function testDocuments(): ClientMetadataSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async get(clientId) {
      asked.push(clientId);
      if (clientId === OTHER_APP) {
        return parseClientMetadataDocument(clientId, { client_id: OTHER_APP, client_name: 'Other App', redirect_uris: [OTHER_APP_CALLBACK], token_endpoint_auth_method: 'none' });
      }
      throw new ClientMetadataError(`Could not read the client metadata document at ${clientId}: the server answered 403`);
    },
  };
}

for (const store of ['local', 'cloud'] as const) {
  describe(`sign-in with client metadata documents, two instances on the ${store} stores`, () => {
    let server: OAuthTestServer;
    let documents: ReturnType<typeof testDocuments>;
    before(async () => {
      documents = testDocuments();
      server = await startOAuthServers({ store, clientMetadata: withPinnedClients(documents) });
    });
    after(async () => server.close());
    beforeEach(() => {
      documents.asked.length = 0;
      server.google.nextIdentity({ email: ALLOWED });
    });

    const authorizeUrl = (clientId: string, redirectUri: string, params: Record<string, string> = {}) =>
      new URL(
        `${server.url}/authorize?` +
          new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challengeOf('v'.repeat(64)), code_challenge_method: 'S256', state: 'st', ...params }).toString(),
      );
    const metadata = async () => (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;

    it('advertises client metadata documents the way Claude requires, beside registration and RFC 9207', async () => {
      const meta = await metadata();
      expect(meta.client_id_metadata_document_supported).to.equal(true);
      expect(meta.token_endpoint_auth_methods_supported).to.include('none');
      expect(meta.authorization_response_iss_parameter_supported).to.equal(true);
      expect(meta.registration_endpoint).to.equal(`${server.url}/register`);
      expect(meta.issuer).to.equal(`${server.url}/`);
    });

    it("signs Claude.ai in with its metadata document URL, from the pinned copy, and serves it tools", async () => {
      const provider = new TestOAuthClient({ clientMetadataUrl: CLAUDE_AI, redirectUrl: CLAUDE_AI_CALLBACK });
      const { client } = await connectWithSignIn(server.url, provider);
      expect(provider.client?.client_id, 'the URL is the client id: nothing was registered').to.equal(CLAUDE_AI);
      expect(provider.authorizationUrl?.searchParams.get('client_id')).to.equal(CLAUDE_AI);
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).to.include('generate_image');
      await client.close();
      expect(documents.asked, 'Claude.ai’s document is never fetched').to.deep.equal([]);

      // The public client refreshes without a secret.
      const refreshed = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: provider.saved!.refresh_token!, client_id: CLAUDE_AI }),
      });
      expect(refreshed.status, await refreshed.clone().text()).to.equal(200);
    });

    it("signs Claude Code in on whatever loopback port it listens on, and refuses other paths", async () => {
      for (const port of [3118, 49152 + Math.floor(Math.random() * 10000)]) {
        const provider = new TestOAuthClient({ clientMetadataUrl: CLAUDE_CODE, redirectUrl: `http://localhost:${port}/callback` });
        const { client } = await connectWithSignIn(server.url, provider);
        expect((await client.listTools()).tools.length).to.be.greaterThan(0);
        await client.close();
      }
      const otherPath = await fetch(authorizeUrl(CLAUDE_CODE, 'http://localhost:3118/elsewhere'), { redirect: 'manual' });
      expect(otherPath.status).to.equal(400);
      expect(otherPath.headers.get('location')).to.equal(null);
      expect(documents.asked).to.deep.equal([]);
    });

    it('shows the client’s name, who publishes its document and where the user goes next on the consent page', async () => {
      const page = await (await fetch(authorizeUrl(CLAUDE_AI, CLAUDE_AI_CALLBACK))).text();
      expect(page).to.include('Connect “Claude” to Image Studio?').and.include('published by <code>claude.ai</code>').and.include(CLAUDE_AI_CALLBACK);
    });

    it('never redirects to a URI the document does not list', async () => {
      for (const redirect of ['https://evil.example/callback', 'https://claude.ai/api/mcp/other', 'http://attacker.example:3118/callback']) {
        const res = await fetch(authorizeUrl(CLAUDE_AI, redirect), { redirect: 'manual' });
        expect(res.status, redirect).to.equal(400);
        expect(res.headers.get('location'), redirect).to.equal(null);
      }
    });

    it('reads other clients’ documents through the metadata source, and refuses one it cannot read, saying why', async () => {
      const browser = new TestBrowser(server.url);
      const back = await approveInBrowser(authorizeUrl(OTHER_APP, OTHER_APP_CALLBACK), 'approve', { redirectPrefix: OTHER_APP_CALLBACK, browser });
      const code = back.searchParams.get('code');
      expect(code).to.be.a('string');
      const tokens = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, client_id: OTHER_APP, redirect_uri: OTHER_APP_CALLBACK, code_verifier: 'v'.repeat(64) }),
      });
      expect(tokens.status, await tokens.clone().text()).to.equal(200);
      expect(documents.asked).to.include(OTHER_APP);

      const unreadable = await fetch(authorizeUrl(UNREACHABLE, 'https://unreachable.example.net/cb'), { redirect: 'manual' });
      expect(unreadable.status).to.equal(400);
      const body = (await unreadable.json()) as { error: string; error_description: string };
      expect(body.error).to.equal('invalid_client');
      expect(body.error_description).to.include('Could not read the client metadata document').and.include('403');
    });

    it('puts iss, equal to the metadata’s issuer, on every authorization response: code, cancel, Google failure, refusal', async () => {
      const { issuer } = await metadata();
      const codeBack = await approveInBrowser(authorizeUrl(CLAUDE_AI, CLAUDE_AI_CALLBACK), 'approve', { redirectPrefix: CLAUDE_AI_CALLBACK });
      const denied = await approveInBrowser(authorizeUrl(CLAUDE_AI, CLAUDE_AI_CALLBACK), 'deny', { redirectPrefix: CLAUDE_AI_CALLBACK });
      server.google.failNext('token', 503, { count: 4 });
      const googleDown = await approveInBrowser(authorizeUrl(CLAUDE_AI, CLAUDE_AI_CALLBACK), 'approve', { redirectPrefix: CLAUDE_AI_CALLBACK });
      const foreignResource = await fetch(authorizeUrl(CLAUDE_AI, CLAUDE_AI_CALLBACK, { resource: 'https://other.example.com/mcp' }), { redirect: 'manual' });
      const refused = new URL(foreignResource.headers.get('location') ?? 'about:blank');

      expect(codeBack.searchParams.get('code')).to.be.a('string');
      expect(denied.searchParams.get('error')).to.equal('access_denied');
      expect(googleDown.searchParams.get('error')).to.equal('temporarily_unavailable');
      expect(refused.searchParams.get('error')).to.equal('invalid_target');
      for (const [name, url] of Object.entries({ codeBack, denied, googleDown, refused })) {
        expect(url.searchParams.getAll('iss'), name).to.deep.equal([issuer]);
        expect(url.searchParams.get('state'), name).to.equal('st');
      }
    });
  });
}
