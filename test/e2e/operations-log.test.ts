/** What operators see in Cloud Logging: one line per request and per generation, tied to the request's trace, without secrets. */
import { expect } from 'chai';
import { billedFor } from '../support/models.js';
import { startTestServer, type TestServer } from './harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('operations log', () => {
  let server: TestServer;
  const lines: string[] = [];
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  before(async () => {
    server = await startTestServer({ logLines: lines, traceProject: 'demo-project' });
  });
  after(() => server.close());
  beforeEach(() => {
    lines.length = 0;
  });

  it('logs each generation once with who, model, size, latency, cost and outcome, under the request’s trace', async () => {
    const client = await server.connect({ headers: { 'x-cloud-trace-context': `${TRACE_ID}/1;o=1` } });
    await client.callTool({ name: 'generate_image', arguments: { prompt: 'a trace of smoke', image_size: '2K', model: 'pro' } });
    const trace = `projects/demo-project/traces/${TRACE_ID}`;
    const generated = entries().filter((e) => e.message === 'image generated');
    expect(generated).to.have.length(1);
    expect(generated[0]).to.include({ severity: 'INFO', email: 'local@localhost', model: 'pro', imageSize: '2K', costUsd: billedFor(server.fake.requests.at(-1)!), outcome: 'OK', 'logging.googleapis.com/trace': trace });
    expect(generated[0]!.latencyMs).to.be.a('number');
    const requests = entries().filter((e) => (e.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/mcp');
    expect(requests.length).to.be.greaterThan(0);
    expect(requests.every((e) => e['logging.googleapis.com/trace'] === trace)).to.equal(true);
    expect(requests.map((e) => (e.httpRequest as { status: number }).status)).to.include(200);
  });

  it('logs a failed generation with its outcome', async () => {
    server.fake.failNext({ kind: 'image-safety' });
    const client = await server.connect();
    await client.callTool({ name: 'generate_image', arguments: { prompt: 'something Gemini will not draw' } });
    const failed = entries().filter((e) => e.message === 'image generation failed');
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ email: 'local@localhost', model: 'flash', imageSize: '1K' });
    expect(failed[0]!.outcome).to.be.a('string').and.not.equal('OK');
    expect(entries().filter((e) => e.message === 'image generated')).to.have.length(0);
  });

  it('never logs the prompt, even when Gemini quotes it back in a refusal or an error', async () => {
    const prompt = 'a portrait of Mx Confidential Example';
    server.fake.failNext({ kind: 'no-image', text: `I will not draw ${prompt}.` });
    server.fake.failNext({ kind: 'http', status: 400, message: `Request about "${prompt}" is invalid.` });
    const client = await server.connect();
    for (let i = 0; i < 2; i++) {
      const result = (await client.callTool({ name: 'generate_image', arguments: { prompt } })) as { isError?: boolean; content: { text?: string }[] };
      expect(result.isError).to.equal(true);
      expect(result.content.map((c) => c.text ?? '').join('')).to.include('Confidential'); // the user is told what Gemini said
    }
    expect(entries().filter((e) => e.message === 'tool generate_image failed')).to.have.length(2);
    expect(lines.join('\n')).to.not.include('Confidential');
  });

  it('never logs query strings, and keeps health checks out of the INFO log', async () => {
    await fetch(`${server.url}/i/${'a'.repeat(32)}.png?code=secret-oauth-code`);
    await fetch(`${server.url}/health`);
    const text = lines.join('\n');
    expect(text).to.include(`/i/${'a'.repeat(32)}.png`);
    expect(text).to.not.include('secret-oauth-code');
    expect(entries().filter((e) => (e.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === '/health').map((e) => e.severity)).to.deep.equal(['DEBUG']);
  });
});
