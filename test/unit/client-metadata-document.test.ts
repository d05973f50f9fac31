import { expect } from 'chai';
import {
  ClientMetadataError,
  parseClientIdUrl,
  parseClientMetadataDocument,
  type ClientMetadataDocument,
} from '../../server/auth/client-metadata-document.js';

const CLAUDE_AI_ID = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
const CLAUDE_CODE_ID = 'https://claude.ai/oauth/claude-code-client-metadata';

const claudeAi = () => ({
  client_id: CLAUDE_AI_ID,
  client_name: 'Claude',
  client_uri: 'https://claude.ai',
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

const claudeCode = () => ({
  client_id: CLAUDE_CODE_ID,
  client_name: 'Claude Code',
  client_uri: 'https://claude.ai',
  redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

/** The refusal for `json` as the document at `clientId`; fails the test if it is accepted. */
function refusal(json: unknown, clientId = CLAUDE_AI_ID): string {
  try {
    parseClientMetadataDocument(clientId, json);
  } catch (err) {
    expect(err).to.be.instanceOf(ClientMetadataError);
    return (err as Error).message;
  }
  expect.fail('expected the document to be refused');
}

describe('client id URLs', () => {
  it("accepts Claude's client ids and returns their URL", () => {
    expect(parseClientIdUrl(CLAUDE_AI_ID)?.href).to.equal(CLAUDE_AI_ID);
    expect(parseClientIdUrl(CLAUDE_CODE_ID)?.hostname).to.equal('claude.ai');
    expect(parseClientIdUrl('https://app.example.com/oauth/client.json')).to.be.instanceOf(URL);
  });

  it('refuses anything but a canonical https URL with a path, a domain name and the default port', () => {
    for (const bad of [
      '',
      'claude',
      '/oauth/client.json',
      'http://claude.ai/oauth/client',
      'https://claude.ai',
      'https://claude.ai/',
      'https://claude.ai/oauth/client#',
      'https://claude.ai/oauth/client#x',
      'https://claude.ai/oauth/client?',
      'https://claude.ai/oauth/client?v=1',
      'https://user@claude.ai/oauth/client',
      'https://user:pw@claude.ai/oauth/client',
      'https://claude.ai/oauth/./client',
      'https://claude.ai/oauth/../client',
      'https://claude.ai/oauth/%2e%2e/client',
      'https://claude.ai/oauth/client/..',
      'https://claude.ai:8443/oauth/client',
      'https://claude.ai:443/oauth/client',
      'https://Claude.AI/oauth/client',
      'https://claude.ai/oauth client',
      ' https://claude.ai/oauth/client',
      'https://127.0.0.1/oauth/client',
      'https://[::1]/oauth/client',
      'https://0x7f000001/oauth/client',
      `https://claude.ai/${'a'.repeat(500)}`,
    ]) {
      expect(parseClientIdUrl(bad), bad).to.equal(undefined);
    }
  });

  it('accepts a client id of exactly 512 characters', () => {
    const base = 'https://claude.ai/';
    expect(parseClientIdUrl(base + 'a'.repeat(512 - base.length))).to.be.instanceOf(URL);
    expect(parseClientIdUrl(base + 'a'.repeat(513 - base.length))).to.equal(undefined);
  });
});

describe('client metadata documents', () => {
  it("accepts Claude.ai's document and keeps its fields", () => {
    const document: ClientMetadataDocument = parseClientMetadataDocument(CLAUDE_AI_ID, claudeAi());
    expect(document).to.deep.equal(claudeAi());
    expect(Object.isFrozen(document)).to.equal(true);
    expect(Object.isFrozen(document.redirect_uris)).to.equal(true);
  });

  it("accepts Claude Code's document with port-less loopback redirect URIs", () => {
    expect(parseClientMetadataDocument(CLAUDE_CODE_ID, claudeCode())).to.deep.equal(claudeCode());
  });

  it('keeps only the fields we use and treats a missing auth method as "none"', () => {
    const document = parseClientMetadataDocument(CLAUDE_AI_ID, {
      client_id: CLAUDE_AI_ID,
      redirect_uris: ['https://claude.ai/cb', 'http://[::1]:8080/cb', 'http://127.0.0.1:33418/'],
      logo_uri: 'https://claude.ai/logo.png',
      jwks: { keys: [] },
      scope: 'mcp',
    });
    expect(document).to.deep.equal({
      client_id: CLAUDE_AI_ID,
      redirect_uris: ['https://claude.ai/cb', 'http://[::1]:8080/cb', 'http://127.0.0.1:33418/'],
      token_endpoint_auth_method: 'none',
    });
  });

  it('trims the client name and strips control and text-direction characters from it', () => {
    const document = parseClientMetadataDocument(CLAUDE_AI_ID, { ...claudeAi(), client_name: '  Clau\u0000de\u202e\n ' });
    expect(document.client_name).to.equal('Claude');
    const blank = parseClientMetadataDocument(CLAUDE_AI_ID, { ...claudeAi(), client_name: ' \t ' });
    expect(blank).to.not.have.property('client_name');
  });

  it('refuses what is not a JSON object', () => {
    for (const json of [null, 'text', 42, [claudeAi()]]) {
      expect(refusal(json)).to.equal(`The client metadata document at ${CLAUDE_AI_ID} is not accepted: it is not a JSON object.`);
    }
  });

  it('refuses a document whose client_id is not exactly its URL', () => {
    expect(refusal(claudeAi(), CLAUDE_CODE_ID)).to.include('its client_id is not exactly the URL it was read from');
    expect(refusal({ ...claudeAi(), client_id: `${CLAUDE_AI_ID}/` })).to.include('not exactly the URL');
    expect(refusal({ ...claudeAi(), client_id: CLAUDE_AI_ID.toUpperCase() })).to.include('not exactly the URL');
    expect(refusal({ ...claudeAi(), client_id: undefined })).to.include('client_id is missing');
    expect(refusal({ ...claudeAi(), client_id: 7 })).to.include('client_id must be a string');
  });

  it('refuses a client id it would not fetch, without quoting it', () => {
    const message = refusal(claudeAi(), 'http://claude.ai/oauth/mcp-oauth-client-metadata');
    expect(message).to.include('it does not use https');
    expect(message).to.not.include('http://claude.ai');
  });

  it('refuses missing, empty, too many or malformed redirect URI lists', () => {
    expect(refusal({ ...claudeAi(), redirect_uris: undefined })).to.include('redirect_uris is missing');
    expect(refusal({ ...claudeAi(), redirect_uris: [] })).to.include('redirect_uris must list at least one URI');
    expect(refusal({ ...claudeAi(), redirect_uris: 'https://claude.ai/cb' })).to.include('redirect_uris must be a list of URIs');
    const eleven = Array.from({ length: 11 }, (_, i) => `https://claude.ai/cb${i}`);
    expect(refusal({ ...claudeAi(), redirect_uris: eleven })).to.include('redirect_uris must list at most 10 URIs');
    expect(refusal({ ...claudeAi(), redirect_uris: ['https://claude.ai/cb', 5] })).to.include('redirect_uris[1] must be a string');
    const long = `https://claude.ai/${'a'.repeat(2048)}`;
    expect(refusal({ ...claudeAi(), redirect_uris: [long] })).to.include('redirect_uris[0] must be at most 2048 characters');
  });

  it('refuses redirect URIs off the client id host or off loopback, with fragments or user info', () => {
    const cases: Array<[string, RegExp]> = [
      ['https://evil.example/cb', /neither http on localhost, 127\.0\.0\.1 or \[::1\] \(any port\) nor https on claude\.ai/],
      ['https://claude.ai.evil.example/cb', /nor https on claude\.ai/],
      ['https://sub.claude.ai/cb', /nor https on claude\.ai/],
      ['https://claude.ai:8443/cb', /nor https on claude\.ai/],
      ['http://claude.ai/api/mcp/auth_callback', /nor https on claude\.ai/],
      ['http://10.0.0.1/cb', /neither http on localhost/],
      ['http://localhost.evil.example/cb', /neither http on localhost/],
      ['myapp://callback', /neither http on localhost/],
      ['https://claude.ai/cb#frag', /has a fragment/],
      ['https://claude.ai/cb#', /has a fragment/],
      ['http://user@localhost/cb', /has a user name or password/],
      ['/relative/cb', /is not an absolute URI/],
      ['https://claude.ai/c b', /contains spaces, backslashes or non-ASCII/],
      ['https://claude.ai\\@evil.example/cb', /contains spaces, backslashes or non-ASCII/],
    ];
    for (const [uri, expected] of cases) {
      const message = refusal({ ...claudeAi(), redirect_uris: ['https://claude.ai/ok', uri] });
      expect(message, uri).to.match(expected);
      expect(message, uri).to.include('redirect_uris[1]');
      expect(message, 'the message quotes the document').to.not.include(uri);
    }
  });

  it('refuses confidential clients: other auth methods and client secrets', () => {
    for (const method of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth']) {
      const message = refusal({ ...claudeAi(), token_endpoint_auth_method: method });
      expect(message, method).to.include('token_endpoint_auth_method must be "none" or absent: only public clients');
      expect(message).to.not.include(method);
    }
    expect(refusal({ ...claudeAi(), client_secret: 's3cret' })).to.include('it has a client_secret');
    expect(refusal({ ...claudeAi(), client_secret_expires_at: 0 })).to.include('it has a client_secret');
    expect(refusal({ ...claudeAi(), client_secret: 's3cret' })).to.not.include('s3cret');
  });

  it('refuses a client name that is not a string or too long', () => {
    expect(refusal({ ...claudeAi(), client_name: 7 })).to.include('client_name must be a string');
    expect(refusal({ ...claudeAi(), client_name: 'x'.repeat(201) })).to.include('client_name must be at most 200 characters');
    expect(parseClientMetadataDocument(CLAUDE_AI_ID, { ...claudeAi(), client_name: ` ${'x'.repeat(200)} ` }).client_name).to.have.length(200);
  });

  it('refuses a client_uri that is not an https URL', () => {
    for (const uri of ['http://claude.ai', 'claude.ai', 'javascript:alert(1)', 'https://u:p@claude.ai']) {
      expect(refusal({ ...claudeAi(), client_uri: uri }), uri).to.include('client_uri must be an https URL');
    }
    expect(refusal({ ...claudeAi(), client_uri: `https://claude.ai/${'a'.repeat(2048)}` })).to.include('client_uri must be at most 2048 characters');
  });

  it('refuses grant and response types without the authorization code flow', () => {
    expect(refusal({ ...claudeAi(), grant_types: ['client_credentials'] })).to.include('grant_types must include "authorization_code"');
    expect(refusal({ ...claudeAi(), grant_types: [] })).to.include('grant_types must include "authorization_code"');
    expect(refusal({ ...claudeAi(), grant_types: 'authorization_code' })).to.include('grant_types must be a list of strings');
    expect(refusal({ ...claudeAi(), response_types: ['token'] })).to.include('response_types must include "code"');
    expect(refusal({ ...claudeAi(), response_types: ['code', 1] })).to.include('response_types[1] must be a string');
    const many = ['authorization_code', ...Array.from({ length: 10 }, (_, i) => `urn:x:${i}`)];
    expect(refusal({ ...claudeAi(), grant_types: many })).to.include('grant_types must list at most 10 values');
  });
});
