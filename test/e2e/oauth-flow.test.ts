import { expect } from 'chai';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_KINDS, connectMcp } from '../support/mcp-clients.js';
import { STORE_KINDS } from '../support/store-kits.js';
import { ALLOWED, connectWithSignIn, startOAuthServers, type OAuthTestServer } from './oauth-harness.js';

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

for (const store of STORE_KINDS) {
  describe(`sign-in for MCP clients, two instances on the ${store} stores`, () => {
    let server: OAuthTestServer;
    beforeEach(async () => {
      server = await startOAuthServers({ store });
    });
    afterEach(async () => server.close());

    it('takes an allow-listed user from the first 401 to a generated image, and records it as theirs', async () => {
      server.google.nextIdentity({ email: 'Ada@Example.com' });
      const { client } = await connectWithSignIn(server.url);
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'a signed-in fox' } })) as CallToolResult;
      await client.close();
      expect(result.isError, text(result)).to.not.equal(true);
      const name = /"([0-9a-f]{32}\.png)"/.exec(text(result))?.[1];
      expect((await server.kit.records.get(name as never))?.email).to.equal(ALLOWED);
      expect(server.served.every((n) => n > 3), `requests per instance: ${server.served.join(', ')}`).to.equal(true);
    });

    it("serves each of today's clients with the signed-in token, across both instances", async () => {
      server.google.nextIdentity({ email: ALLOWED });
      const { client: signedIn, provider } = await connectWithSignIn(server.url);
      await signedIn.close();
      const headers = { authorization: `Bearer ${provider.saved?.access_token}` };
      const before = [...server.served];
      for (const kind of CLIENT_KINDS) {
        const client = await connectMcp(kind, `${server.url}/mcp`, { headers });
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name), kind).to.include('generate_image');
        const result = await client.callTool({ name: 'generate_image', arguments: { prompt: `a fox for ${kind}` } });
        await client.close();
        expect(result.isError, `${kind}: ${text(result)}`).to.not.equal(true);
        const name = /"([0-9a-f]{32}\.png)"/.exec(text(result))?.[1];
        expect((await server.kit.records.get(name as never))?.email, kind).to.equal(ALLOWED);
      }
      expect(server.served.every((n, i) => n - (before[i] ?? 0) >= 3), `requests per instance: ${server.served.join(', ')}`).to.equal(true);
    });

    it('tells a signed-in user who is not on the allow-list so, naming their email', async () => {
      server.google.nextIdentity({ email: 'mallory@example.com' });
      const { client } = await connectWithSignIn(server.url);
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt: 'x' } })) as CallToolResult;
      await client.close();
      expect(result.isError).to.equal(true);
      expect(text(result)).to.include('signed in as mallory@example.com, which is not on this Image Studio server').and.include('allow-list');
      expect(server.gemini.requests).to.have.length(0);
    });

    it('refreshes the access token, rotating the refresh token, and revokes the grant when an old one is reused', async () => {
      server.google.nextIdentity({ email: ALLOWED });
      const { client, provider } = await connectWithSignIn(server.url);
      await client.close();
      const clientInfo = provider.client as { client_id: string; client_secret?: string };
      const refresh = async (refreshToken: string) =>
        fetch(`${server.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientInfo.client_id, client_secret: clientInfo.client_secret ?? '' }),
        });
      const first = provider.saved!;
      const renewed = await refresh(first.refresh_token!);
      expect(renewed.status, await renewed.clone().text()).to.equal(200);
      const tokens = (await renewed.json()) as { access_token: string; refresh_token: string };
      expect(tokens.refresh_token).to.not.equal(first.refresh_token);

      const mcpWith = (token: string) =>
        fetch(`${server.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      expect((await mcpWith(tokens.access_token)).status).to.equal(200);

      const reused = await refresh(first.refresh_token!);
      expect(reused.status).to.equal(400);
      expect(((await reused.json()) as { error: string }).error).to.equal('invalid_grant');
      // The whole grant is gone: the newest refresh token and its access token no longer work.
      expect((await refresh(tokens.refresh_token)).status).to.equal(400);
      expect((await mcpWith(tokens.access_token)).status).to.equal(401);
    });
  });
}

describe('sign-in logs and revocation', () => {
  it('logs each OAuth request without any token, code or secret, and /revoke ends the grant', async () => {
    const logLines: string[] = [];
    const server = await startOAuthServers({ instances: 1, logLines });
    try {
      const { client, provider } = await connectWithSignIn(server.url);
      await client.close();
      const tokens = provider.saved!;
      const clientInfo = provider.client as { client_id: string; client_secret: string };

      const revoked = await fetch(`${server.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refresh_token!, client_id: clientInfo.client_id, client_secret: clientInfo.client_secret }),
      });
      expect(revoked.status).to.equal(200);
      const mcp = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status).to.equal(401);

      const logged = logLines.join('\n');
      const paths = logLines.map((l) => (JSON.parse(l) as { httpRequest?: { requestUrl?: string } }).httpRequest?.requestUrl).filter(Boolean);
      expect(paths).to.include.members(['/register', '/authorize', '/authorize/consent', '/auth/callback', '/token', '/revoke']);
      for (const secret of [tokens.access_token, tokens.refresh_token!, clientInfo.client_secret, server.google.clientSecret]) {
        expect(logged).to.not.include(secret);
      }
      expect(logged).to.not.match(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT of any kind
    } finally {
      await server.close();
    }
  });
});
