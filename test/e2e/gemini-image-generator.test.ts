import { expect } from 'chai';
import { OAuth2Client } from 'google-auth-library';
import sharp from 'sharp';
import { costFromUsage } from '../../server/core/cost.js';
import { buildCatalogue } from '../../server/core/models.js';
import { AppError } from '../../server/errors.js';
import { createLogger } from '../../server/log.js';
import { createGeminiImageGenerator, type GeminiImageGeneratorOptions } from '../../server/gemini/gemini-image-generator.js';
import { stopGeminiThread } from '../../server/gemini/gemini-thread-client.js';
import { BilledFailureError, billedUsageOf, ModelUnavailableError, type ImageRequest } from '../../server/gemini/image-generator.js';
import { startGeminiFake, type GeminiFake, type GeminiFault } from '../fakes/gemini-fake.js';
import { freePort } from '../support/free-ports.js';

const MODEL = 'gemini-3.1-flash-image';
const PROMPT = 'a red fox reading a newspaper, watercolour';

function imageRequest(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return { modelId: MODEL, prompt: PROMPT, aspectRatio: '1:1', imageSize: '1K', references: [], ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  expect.fail('expected the generation to fail');
}


describe('GeminiImageGenerator against the fake Gemini', () => {
  let fake: GeminiFake;
  let logLines: string[];
  let sleeps: number[];

  const generator = (overrides: Partial<GeminiImageGeneratorOptions> = {}) =>
    createGeminiImageGenerator({
      backend: { kind: 'api-key', apiKey: fake.apiKey },
      baseUrl: fake.url,
      timeoutMs: 5_000,
      maxRetries: 2,
      retryBaseDelayMs: 40,
      logger: createLogger((line) => logLines.push(line), {}, 'DEBUG'),
      sleep: async (ms) => void sleeps.push(ms),
      ...overrides,
    });

  before(async () => {
    fake = await startGeminiFake();
  });
  beforeEach(() => {
    fake.reset();
    logLines = [];
    sleeps = [];
  });
  after(async () => {
    await fake.close();
  });

  it('speaks to Vertex AI with the service identity’s access token instead of a key', async () => {
    const vertex = generator({ backend: { kind: 'vertex', project: 'demo-project', location: 'global', googleAuthOptions: fake.vertexCredentials() } });
    const image = await vertex.generate(imageRequest({ modelId: 'gemini-3-pro-image', imageSize: '2K' }));
    expect((await sharp(image.data).metadata()).width).to.equal(2048);
    expect(fake.requests).to.have.length(1);
    expect(fake.requests[0]!.vertex).to.deep.equal({ project: 'demo-project', location: 'global', tokenMatched: true });
    expect(fake.requests[0]!.model).to.equal('gemini-3-pro-image');
    expect(fake.requests[0]!.body.generationConfig?.imageConfig).to.deep.equal({ aspectRatio: '1:1', imageSize: '2K' });
  });

  it('reports a Vertex AI refusal of the service identity as a server problem', async () => {
    const vertex = generator({ backend: { kind: 'vertex', project: 'demo-project', location: 'global', googleAuthOptions: fake.vertexCredentials('someone-elses-token') } });
    const err = await rejection(vertex.generate(imageRequest()));
    expect(fake.requests[0]!.vertex?.tokenMatched).to.equal(false);
    expect(err.status).to.equal('INTERNAL');
    expect(err.publicMessage).to.not.include('someone-elses-token');
  });

  it('returns a PNG of the requested shape and size, with the token usage Gemini reported', async () => {
    const image = await generator().generate(imageRequest({ aspectRatio: '16:9', imageSize: '1K' }));
    expect(image.mimeType).to.equal('image/png');
    const meta = await sharp(image.data).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', 1024, 576]);
    const usage = fake.requests[0]?.answer?.usage;
    expect(usage).to.not.equal(undefined);
    const tokensOf = (details: { modality: string; tokenCount: number }[] | undefined, modality: string) => details?.find((d) => d.modality === modality)?.tokenCount;
    expect(image.usage).to.deep.equal({
      promptTokens: usage?.promptTokenCount,
      promptTextTokens: tokensOf(usage?.promptTokensDetails, 'TEXT'),
      promptImageTokens: 0,
      outputTokens: usage?.candidatesTokenCount,
      totalTokens: usage?.totalTokenCount,
      imageOutputTokens: tokensOf(usage?.candidatesTokensDetails, 'IMAGE'),
      textOutputTokens: tokensOf(usage?.candidatesTokensDetails, 'TEXT'),
      thinkingTokens: usage?.thoughtsTokenCount,
    });
    expect(image.text).to.equal('Here is your image.');
  });

  it('reports 3,000 image-output tokens on Nano Banana 2 so that they cost $0.18, not the $0.067 list price', async () => {
    const nanoBanana2 = buildCatalogue().flash.candidates.find((m) => m.id === 'gemini-3.1-flash-image')!;
    fake.nextUsage({ imageOutputTokens: 3000 });
    const image = await generator().generate(imageRequest({ modelId: nanoBanana2.id, imageSize: '1K' }));
    expect(image.usage.imageOutputTokens).to.equal(3000);
    expect(costFromUsage(nanoBanana2.tokenPricesUsdPerMillion, image.usage)).to.equal(0.18);
    expect(nanoBanana2.pricesUsd['1K']).to.equal(0.067);
    // Left to itself the fake answers as Gemini does: a 1K image, the prompt, a line of text and thinking, each at its rate.
    const usual = await generator().generate(imageRequest({ modelId: nanoBanana2.id, imageSize: '1K' }));
    const { promptTextTokens = 0, textOutputTokens = 0, thinkingTokens = 0 } = usual.usage;
    expect(usual.usage.imageOutputTokens).to.equal(1120);
    expect(costFromUsage(nanoBanana2.tokenPricesUsdPerMillion, usual.usage)).to.equal(Math.round(1120 * 60 + promptTextTokens * 0.5 + (textOutputTokens + thinkingTokens) * 3) / 1e6);
  });

  it('carries the tokens Gemini billed for an image-less answer on its error, across the Gemini thread; safety blocks carry none', async () => {
    const reference = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#654321' } }).png().toBuffer();
    const references = [{ name: 'ref.png', mimeType: 'image/png', data: reference }];
    for (const fault of [{ kind: 'prompt-blocked' }, { kind: 'image-safety' }, { kind: 'image-safety', finishReason: 'IMAGE_PROHIBITED_CONTENT' }] as const) {
      fake.reset();
      fake.failNext(fault);
      const err = await rejection(generator().generate(imageRequest({ modelId: 'gemini-3-pro-image', references })));
      expect(err, fault.kind).to.not.be.instanceOf(BilledFailureError);
      expect(billedUsageOf(err), fault.kind).to.equal(undefined);
      expect(err.publicMessage).to.match(/Nothing was stored or added to your spend/);
    }
    fake.reset();
    fake.failNext({ kind: 'no-image', text: 'I would rather describe it.' });
    const err = await rejection(generator().generate(imageRequest({ modelId: 'gemini-3-pro-image', references })));
    expect(err).to.be.instanceOf(BilledFailureError);
    const usage = billedUsageOf(err)!;
    expect(usage.promptImageTokens).to.equal(560);
    expect(err.publicMessage).to.match(/Gemini still billed the tokens it processed/);
    expect(costFromUsage(buildCatalogue().pro.candidates[0]!.tokenPricesUsdPerMillion, usage)).to.be.greaterThan(0);
    const declined = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.message === 'Gemini declined the request');
    expect(declined, "the refusal is logged").to.not.equal(undefined);
    expect(logLines.join('\n')).to.not.include(PROMPT);
  });

  it('carries no billed usage when Gemini answered nothing: an HTTP error or a timeout', async () => {
    fake.failNext({ kind: 'http', status: 429 });
    const limited = await rejection(generator({ maxRetries: 0 }).generate(imageRequest()));
    fake.failNext({ kind: 'http', status: 500 });
    const broken = await rejection(generator({ maxRetries: 0 }).generate(imageRequest()));
    fake.failNext({ kind: 'timeout' });
    const late = await rejection(generator({ timeoutMs: 200, maxRetries: 0 }).generate(imageRequest()));
    for (const err of [limited, broken, late]) {
      expect(err).to.not.be.instanceOf(BilledFailureError);
      expect(billedUsageOf(err)).to.equal(undefined);
    }
  });

  it('produces a portrait 2K image when asked for 3:4 at 2K', async () => {
    const image = await generator().generate(imageRequest({ aspectRatio: '3:4', imageSize: '2K' }));
    const meta = await sharp(image.data).metadata();
    expect([meta.width, meta.height]).to.deep.equal([1536, 2048]);
  });

  it('sends the prompt, each reference image byte for byte, and the image config to the model', async () => {
    const reference = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    await generator().generate(imageRequest({ aspectRatio: '4:5', imageSize: '2K', references: [{ name: 'ref.png', mimeType: 'image/png', data: reference }] }));
    const [sent] = fake.requests;
    expect(sent?.model).to.equal(MODEL);
    expect(sent?.apiKeyMatched).to.equal(true);
    const parts = sent?.body.contents?.[0]?.parts ?? [];
    expect(parts[0]?.text).to.equal(PROMPT);
    expect(parts[1]?.inlineData?.mimeType).to.equal('image/png');
    expect(Buffer.from(parts[1]?.inlineData?.data ?? '', 'base64').equals(reference)).to.equal(true);
    expect(sent?.body.generationConfig?.imageConfig).to.deep.equal({ aspectRatio: '4:5', imageSize: '2K' });
    expect(sent?.body.generationConfig?.responseModalities).to.include('IMAGE');
  });

  const faults: { name: string; fault: GeminiFault; status: AppError['status']; message: RegExp }[] = [
    { name: 'a 400', fault: { kind: 'http', status: 400, message: 'Unable to process input image.' }, status: 'INVALID_ARGUMENT', message: /rejected the request: Unable to process input image/ },
    { name: 'a 403', fault: { kind: 'http', status: 403 }, status: 'INTERNAL', message: /API key.*server configuration/ },
    { name: 'a 404', fault: { kind: 'http', status: 404 }, status: 'UNAVAILABLE', message: new RegExp(`does not serve the model "${MODEL.replace(/\./g, '\\.')}"`) },
    { name: 'a 429', fault: { kind: 'http', status: 429 }, status: 'RESOURCE_EXHAUSTED', message: /quota or rate limit.*try again/ },
    { name: 'a 500', fault: { kind: 'http', status: 500 }, status: 'UNAVAILABLE', message: /temporarily unavailable \(HTTP 500\)/ },
    { name: 'a blocked prompt', fault: { kind: 'prompt-blocked' }, status: 'INVALID_ARGUMENT', message: /blocked the prompt \(SAFETY: it tripped the safety filters\)/ },
    { name: 'a blocked image', fault: { kind: 'image-safety' }, status: 'INVALID_ARGUMENT', message: /withheld the image \(IMAGE_SAFETY.*HARM_CATEGORY_SEXUALLY_EXPLICIT/ },
    { name: 'a text-only answer', fault: { kind: 'no-image' }, status: 'INVALID_ARGUMENT', message: /no image \(STOP: the model answered with text only\)\. It said: "I can't draw that\."/ },
    { name: 'invalid JSON', fault: { kind: 'malformed' }, status: 'UNAVAILABLE', message: /could not be read/ },
    { name: 'empty candidates', fault: { kind: 'malformed', variant: 'empty-candidates' }, status: 'INVALID_ARGUMENT', message: /no image/ },
  ];
  it('throws ModelUnavailableError naming the model, without retrying, when Gemini has retired it', async () => {
    fake.retire(MODEL);
    const err = await rejection(generator().generate(imageRequest()));
    expect(err).to.be.instanceOf(ModelUnavailableError);
    expect((err as ModelUnavailableError).modelId).to.equal(MODEL);
    expect(fake.requests).to.have.length(1);
  });

  for (const { name, fault, status, message } of faults) {
    it(`fails with ${status} and a helpful message when Gemini answers ${name}`, async () => {
      fake.failNext(fault);
      const err = await rejection(generator({ maxRetries: 0 }).generate(imageRequest()));
      expect(err.status).to.equal(status);
      expect(err.publicMessage).to.match(message);
      expect(err.publicMessage).to.not.include(fake.apiKey);
      expect(fake.requests).to.have.length(1);
    });
  }

  it('blames the server configuration, without echoing it, when Gemini refuses the API key', async () => {
    const wrongKey = 'AIzaSyWRONGKEY0000000000000000000000000';
    const err = await rejection(generator({ backend: { kind: 'api-key', apiKey: wrongKey } }).generate(imageRequest()));
    expect(fake.requests[0]?.apiKeyMatched).to.equal(false);
    expect(err.status).to.equal('INTERNAL');
    expect(err.publicMessage).to.match(/refused the server's API key/);
    expect(err.publicMessage + logLines.join('\n')).to.not.include(wrongKey);
  });

  it('scrubs the API key when Gemini echoes it in an error message', async () => {
    fake.failNext({ kind: 'http', status: 400, message: `Request with key ${fake.apiKey} has a bad field` });
    const err = await rejection(generator().generate(imageRequest()));
    expect(err.publicMessage).to.match(/bad field/);
    expect(err.publicMessage + logLines.join('\n')).to.not.include(fake.apiKey);
  });

  it('succeeds after one retry when Gemini first answers 429, telling the caller it is retrying', async () => {
    fake.failNext({ kind: 'http', status: 429 });
    const retries: { attempt: number; delayMs: number; reason: string }[] = [];
    const image = await generator().generate(imageRequest(), { onRetry: (info) => retries.push(info) });
    expect((await sharp(image.data).metadata()).width).to.equal(1024);
    expect(fake.requests).to.have.length(2);
    expect(retries).to.have.length(1);
    expect(retries[0]?.attempt).to.equal(2);
    expect(retries[0]?.reason).to.match(/429/);
    expect(sleeps).to.have.length(1);
    expect(sleeps[0]).to.be.within(20, 40);
  });

  it('waits as long as Gemini asks in RetryInfo, and gives up at once when that is too long', async () => {
    fake.failNext({ kind: 'http', status: 429, retryAfterSeconds: 3 });
    await generator().generate(imageRequest());
    expect(sleeps).to.deep.equal([3000]);

    fake.reset();
    fake.failNext({ kind: 'http', status: 429, retryAfterSeconds: 60 });
    const err = await rejection(generator({ maxRetryDelayMs: 10_000 }).generate(imageRequest()));
    expect(err.status).to.equal('RESOURCE_EXHAUSTED');
    expect(err.publicMessage).to.match(/in 60 s/);
    expect(fake.requests).to.have.length(1);
  });

  it('gives up after maxRetries + 1 attempts when Gemini stays unavailable, logging each failure safely', async () => {
    fake.failNext({ kind: 'http', status: 503 }, 10);
    const retries: number[] = [];
    const options = { maxRetries: 2, random: () => 0.5 };
    const err = await rejection(generator(options).generate(imageRequest(), { onRetry: (info) => retries.push(info.attempt) }));
    expect(err.status).to.equal('UNAVAILABLE');
    expect(fake.requests).to.have.length(3);
    expect(retries).to.deep.equal([2, 3]);
    // Base 40 ms doubling (40, 80), each with jitter over its upper half; random 0.5 → 30, 60.
    expect(sleeps).to.deep.equal([30, 60]);
    const warnings = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.severity === 'WARNING');
    expect(warnings.map((w) => w.httpStatus)).to.deep.equal([503, 503, 503]);
    expect(logLines.join('\n')).to.not.include(fake.apiKey).and.not.include(PROMPT);
  });

  it('fails with DEADLINE_EXCEEDED, quickly and without retrying, when Gemini never answers', async () => {
    fake.failNext({ kind: 'timeout' }, 3);
    const started = Date.now();
    const err = await rejection(generator({ timeoutMs: 200, maxRetries: 2 }).generate(imageRequest()));
    expect(Date.now() - started).to.be.lessThan(2_000);
    expect(err.status).to.equal('DEADLINE_EXCEEDED');
    expect(err.publicMessage).to.match(/did not answer within/);
    expect(fake.requests).to.have.length(1);
    // The abort reached the wire: the fake saw its connection closed before it answered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests[0]?.closedBeforeAnswer).to.equal(true);
  });

  it('also times out when Gemini stalls halfway through its answer', async () => {
    fake.failNext({ kind: 'timeout', midBody: true });
    const err = await rejection(generator({ timeoutMs: 200 }).generate(imageRequest()));
    expect(err.status).to.equal('DEADLINE_EXCEEDED');
    expect(fake.requests).to.have.length(1);
  });

  it('waits for a slow answer that arrives within the timeout', async () => {
    fake.failNext({ kind: 'delay', ms: 300 });
    const image = await generator({ timeoutMs: 3_000 }).generate(imageRequest());
    expect(image.data.length).to.be.greaterThan(0);
  });

  it('fails a call in flight with INTERNAL when the Gemini thread dies, and the next call starts a new thread', async () => {
    fake.failNext({ kind: 'delay', ms: 2_000 });
    const inFlight = rejection(generator().generate(imageRequest()));
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await stopGeminiThread();
    const err = await inFlight;
    expect(err.status).to.equal('INTERNAL');
    expect(err.publicMessage).to.match(/Something went wrong while calling Gemini/);
    expect(logLines.map((line) => (JSON.parse(line) as { message: string }).message)).to.include('the Gemini thread failed');
    const image = await generator().generate(imageRequest());
    expect(image.mimeType).to.equal('image/png');
    expect(fake.requests).to.have.length(2);
  });

  it('fails with INTERNAL without sending anything when the backend options are not plain data, and the next call still works', async () => {
    // An auth client object cannot cross to the Gemini thread; Application Default Credentials or plain credentials can.
    const vertex = generator({ backend: { kind: 'vertex', project: 'demo-project', location: 'global', googleAuthOptions: { authClient: new OAuth2Client() } } });
    const err = await rejection(vertex.generate(imageRequest()));
    expect(err.status).to.equal('INTERNAL');
    expect(fake.requests).to.have.length(0);
    expect(logLines.join('\n')).to.match(/the Gemini thread failed.*could not be cloned/);
    // The thread is still there for the next call.
    expect((await generator().generate(imageRequest())).mimeType).to.equal('image/png');
  });

  it('retries a dropped connection and succeeds', async () => {
    fake.failNext({ kind: 'network' });
    const image = await generator().generate(imageRequest());
    expect(image.mimeType).to.equal('image/png');
    expect(fake.requests).to.have.length(2);
  });

  it('fails with UNAVAILABLE after retrying when nothing listens at the Gemini address', async () => {
    const retries: number[] = [];
    const err = await rejection(
      generator({ baseUrl: `http://127.0.0.1:${await freePort()}`, maxRetries: 1 }).generate(imageRequest(), { onRetry: (i) => retries.push(i.attempt) }),
    );
    expect(err.status).to.equal('UNAVAILABLE');
    expect(err.publicMessage).to.match(/Could not reach Gemini/);
    expect(retries).to.deep.equal([2]);
  });
});
