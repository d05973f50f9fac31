import { expect } from 'chai';
import { ApiError, GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import sharp from 'sharp';
import { FAKE_LINEUP, FAKE_RETIRED_IDS, startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';

const PROMPT = 'a lighthouse at dusk'; // 20 characters: 5 text tokens

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  expect.fail('expected the SDK to throw an ApiError');
}

/** The SDK puts Gemini's JSON error body in the message. */
function errorBody(err: ApiError): { code: number; message: string; status: string } {
  return (JSON.parse(err.message) as { error: { code: number; message: string; status: string } }).error;
}

/** The image part; reading `.data` would also work, but warns about the text and signature parts. */
function imageOf(answer: GenerateContentResponse): string | undefined {
  return answer.candidates?.[0]?.content?.parts?.find((p) => p.inlineData)?.inlineData?.data;
}

describe('Gemini fake, driven by the real @google/genai client', () => {
  let fake: GeminiFake;
  let referencePng: string;

  const gemini = (apiVersion?: string, apiKey = fake.apiKey) =>
    new GoogleGenAI({ apiKey, vertexai: false, httpOptions: { baseUrl: fake.url, ...(apiVersion ? { apiVersion } : {}) } });
  const vertex = (refreshToken?: string) =>
    new GoogleGenAI({ vertexai: true, project: 'demo-project', location: 'global', httpOptions: { baseUrl: fake.url }, googleAuthOptions: fake.vertexCredentials(refreshToken) });
  const draw = (ai: GoogleGenAI, model: string, imageConfig: { aspectRatio?: string; imageSize?: string }, images = 0): Promise<GenerateContentResponse> =>
    ai.models.generateContent({
      model,
      contents: [{ role: 'user', parts: [{ text: PROMPT }, ...Array.from({ length: images }, () => ({ inlineData: { mimeType: 'image/png', data: referencePng } }))] }],
      config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig },
    });
  const listIds = async (ai: GoogleGenAI, pageSize?: number) => {
    const ids: string[] = [];
    for await (const model of await ai.models.list(pageSize ? { config: { pageSize } } : {})) ids.push(model.name?.replace(/^(models|publishers\/google\/models)\//, '') ?? '');
    return ids;
  };

  before(async () => {
    fake = await startGeminiFake();
    referencePng = (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#080' } }).png().toBuffer()).toString('base64');
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await fake.close();
  });

  describe('the Gemini API', () => {
    it('walks every page of the line-up when the client lists two models a page', async () => {
      expect(await listIds(gemini(), 2)).to.deep.equal(FAKE_LINEUP.map((m) => m.id));
      expect(fake.lookups).to.have.length(Math.ceil(FAKE_LINEUP.length / 2));
      expect(fake.lookups.every((l) => l.method === 'GET' && l.path === '/v1/models' && l.model === undefined)).to.be.true;
    });

    it('describes a model as Google does when the client gets it, with or without the models/ prefix', async () => {
      for (const name of ['gemini-nano-banana-2.1', 'models/gemini-nano-banana-2.1']) {
        const model = await gemini().models.get({ model: name });
        expect(model.name).to.equal('models/gemini-nano-banana-2.1');
        expect(model.displayName).to.equal('Nano Banana 2.1');
        expect(model.thinking).to.equal(true);
        expect(model.supportedActions).to.deep.equal(['generateContent', 'countTokens', 'batchGenerateContent']);
      }
      expect(fake.lookups.map((l) => [l.path, l.model])).to.deep.equal([
        ['/v1/models/gemini-nano-banana-2.1', 'gemini-nano-banana-2.1'],
        ['/v1/models/gemini-nano-banana-2.1', 'gemini-nano-banana-2.1'],
      ]);
    });

    it('lists a text-only model that refuses to draw when asked for an image', async () => {
      const text = await gemini().models.get({ model: 'gemini-3.5-flash' });
      expect(text.supportedActions).to.deep.equal(['generateContent', 'countTokens']);
      const err = await apiError(draw(gemini(), 'gemini-3.5-flash', {}));
      expect(err.status).to.equal(400);
      expect(err.message).to.match(/does not support the requested response modalities: image/);
    });

    it('answers on /v1beta too when the client asks for that version', async () => {
      const model = await gemini('v1beta').models.get({ model: 'gemini-3-pro-image' });
      expect(model.displayName).to.equal('Nano Banana Pro');
      const answer = await draw(gemini('v1beta'), 'gemini-3-pro-image', { imageSize: '2K' });
      expect(answer.modelVersion).to.equal('gemini-3-pro-image');
      expect(fake.requests[0]?.path).to.equal('/v1beta/models/gemini-3-pro-image:generateContent');
    });

    it('answers 404 NOT_FOUND for retired and unknown ids, on get and on generateContent', async () => {
      for (const id of [...FAKE_RETIRED_IDS, 'gemini-9-pro']) {
        const onGet = await apiError(gemini().models.get({ model: id }));
        expect(onGet.status).to.equal(404);
        expect(onGet.message).to.include(`models/${id} is not found for API version v1, or is not supported for getModel. Call ListModels`);
        const onGenerate = await apiError(draw(gemini(), id, { imageSize: '1K' }));
        expect(onGenerate.status).to.equal(404);
        expect(onGenerate.message).to.include(`models/${id} is not found for API version v1, or is not supported for generateContent.`);
        expect(onGenerate.message).to.include('NOT_FOUND');
      }
    });

    it('stops serving a model retired while running and serves it again when restored', async () => {
      fake.retire('gemini-nano-banana-2.1');
      expect(await listIds(gemini())).to.not.include('gemini-nano-banana-2.1');
      expect((await apiError(gemini().models.get({ model: 'gemini-nano-banana-2.1' }))).status).to.equal(404);
      expect((await apiError(draw(gemini(), 'gemini-nano-banana-2.1', {}))).status).to.equal(404);
      fake.restore('gemini-nano-banana-2.1');
      expect(await listIds(gemini())).to.include('gemini-nano-banana-2.1');
      expect(imageOf(await draw(gemini(), 'gemini-nano-banana-2.1', {}))).to.be.a('string');
      fake.retire('gemini-3-pro-image');
      fake.reset();
      expect(await listIds(gemini())).to.deep.equal(FAKE_LINEUP.map((m) => m.id));
    });

    it('refuses with 400 INVALID_ARGUMENT what a model does not accept', async () => {
      const cases = [
        { model: 'gemini-nano-banana-2.1', imageConfig: { imageSize: '512' }, message: 'Unsupported image size "512" for model gemini-nano-banana-2.1. Supported: 1K, 2K, 4K.' },
        { model: 'gemini-3.1-flash-image', imageConfig: { imageSize: '1k' }, message: 'Unsupported image size "1k"' },
        { model: 'gemini-3-pro-image', imageConfig: { aspectRatio: '1:8' }, message: 'Unsupported aspect ratio "1:8" for model gemini-3-pro-image.' },
        { model: 'gemini-3.1-flash-lite-image', imageConfig: { imageSize: '2K' }, message: 'Supported: 1K.' },
      ];
      for (const { model, imageConfig, message } of cases) {
        const err = await apiError(draw(gemini(), model, imageConfig));
        expect(err.status).to.equal(400);
        expect(errorBody(err)).to.include({ code: 400, status: 'INVALID_ARGUMENT' });
        expect(errorBody(err).message).to.include(message);
      }
      const tooMany = await apiError(draw(gemini(), 'gemini-nano-banana-2.1', {}, 15));
      expect(tooMany.status).to.equal(400);
      expect(tooMany.message).to.include('15 sent, at most 14');
      expect(fake.requests.every((r) => r.answer === undefined)).to.be.true;
    });

    it('draws what a model accepts: 512 and 1:8 on Nano Banana 2, 14 images on Nano Banana 2.1', async () => {
      const small = await draw(gemini(), 'gemini-3.1-flash-image', { imageSize: '512', aspectRatio: '1:8' });
      const meta = await sharp(Buffer.from(imageOf(small) ?? '', 'base64')).metadata();
      expect([meta.width, meta.height]).to.deep.equal([64, 512]);
      expect(small.usageMetadata?.candidatesTokensDetails?.[0]).to.deep.equal({ modality: 'IMAGE', tokenCount: 747 });
      await draw(gemini(), 'gemini-nano-banana-2.1', { imageSize: '1K' }, 14);
      expect(fake.requests[1]?.answer?.width).to.equal(1024);
    });

    it('reports usage as Gemini does today when a thinking model draws from a reference image', async () => {
      const answer = await draw(gemini(), 'gemini-nano-banana-2.1', { imageSize: '4K', aspectRatio: '16:9' }, 1);
      const usage = answer.usageMetadata;
      expect(usage?.promptTokenCount).to.equal(5 + 1120);
      expect(usage?.promptTokensDetails).to.deep.equal([
        { modality: 'TEXT', tokenCount: 5 },
        { modality: 'IMAGE', tokenCount: 1120 },
      ]);
      expect(usage?.candidatesTokensDetails).to.deep.equal([
        { modality: 'IMAGE', tokenCount: 3780 },
        { modality: 'TEXT', tokenCount: 5 },
      ]);
      expect(usage?.candidatesTokenCount).to.equal(3785);
      expect(usage?.thoughtsTokenCount).to.be.within(100, 300);
      expect(usage?.totalTokenCount).to.equal(1125 + 3785 + usage!.thoughtsTokenCount!);
      expect(answer.modelVersion).to.equal('gemini-nano-banana-2.1');
      expect(fake.requests[0]?.answer?.usage).to.deep.equal(JSON.parse(JSON.stringify(usage)));
      expect(fake.requests[0]?.answer).to.include({ width: 4096, height: 2304 });
    });

    it('bills only prompt tokens when the image is blocked, whatever the finish reason', async () => {
      for (const finishReason of ['IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION', 'IMAGE_OTHER', 'PROHIBITED_CONTENT', 'SPII']) {
        fake.failNext({ kind: 'image-safety', finishReason });
        const answer = await draw(gemini(), 'gemini-3-pro-image', {});
        expect(answer.candidates?.[0]?.finishReason).to.equal(finishReason);
        expect(answer.candidates?.[0]?.content?.parts).to.deep.equal([]);
        expect(answer.usageMetadata).to.deep.equal({ promptTokenCount: 5, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }], totalTokenCount: 5 });
      }
    });

    it('bills the prompt of a blocked request with reference images, each at the model\'s image-input count', async () => {
      fake.failNext({ kind: 'prompt-blocked', reason: 'SAFETY' });
      const blocked = await draw(gemini(), 'gemini-3-pro-image', {}, 2);
      expect(blocked.promptFeedback?.blockReason).to.equal('SAFETY');
      expect(blocked.candidates).to.equal(undefined);
      expect(blocked.usageMetadata).to.deep.equal({
        promptTokenCount: 5 + 2 * 560,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 5 },
          { modality: 'IMAGE', tokenCount: 2 * 560 },
        ],
        totalTokenCount: 5 + 2 * 560,
      });
      fake.failNext({ kind: 'image-safety' });
      const withheld = await draw(gemini(), 'gemini-3.1-flash-image', {}, 1);
      expect(withheld.usageMetadata?.promptTokensDetails).to.deep.equal([
        { modality: 'TEXT', tokenCount: 5 },
        { modality: 'IMAGE', tokenCount: 1120 },
      ]);
      expect(withheld.usageMetadata?.candidatesTokenCount).to.equal(undefined);
    });

    it('reports exactly the token counts a test set for the next image, then its own again', async () => {
      fake.nextUsage({ imageOutputTokens: 3000 });
      const set = await draw(gemini(), 'gemini-3.1-flash-image', { imageSize: '1K' });
      expect(set.usageMetadata).to.deep.equal({
        promptTokenCount: 0,
        candidatesTokenCount: 3000,
        totalTokenCount: 3000,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 0 }],
        candidatesTokensDetails: [
          { modality: 'IMAGE', tokenCount: 3000 },
          { modality: 'TEXT', tokenCount: 0 },
        ],
        thoughtsTokenCount: 0,
      });
      expect(fake.requests[0]?.answer?.usage.candidatesTokenCount).to.equal(3000);
      fake.nextUsage({ promptTextTokens: 7, promptImageTokens: 560, imageOutputTokens: 2000, textOutputTokens: 3, thoughtsTokens: 50 });
      const full = await draw(gemini(), 'gemini-3-pro-image', { imageSize: '4K' });
      expect(full.usageMetadata).to.include({ promptTokenCount: 567, candidatesTokenCount: 2003, thoughtsTokenCount: 50, totalTokenCount: 2620 });
      const usual = await draw(gemini(), 'gemini-3.1-flash-image', { imageSize: '1K' });
      expect(usual.usageMetadata?.candidatesTokensDetails?.[0]).to.deep.equal({ modality: 'IMAGE', tokenCount: 1120 });
      expect(usual.usageMetadata?.promptTokenCount).to.equal(5);
    });

    it('answers text with the finish reason it was told when it draws no image', async () => {
      fake.failNext({ kind: 'no-image', text: 'No.', finishReason: 'NO_IMAGE' });
      const answer = await draw(gemini(), 'gemini-3-pro-image', {});
      expect(answer.candidates?.[0]?.finishReason).to.equal('NO_IMAGE');
      expect(answer.text).to.equal('No.');
      expect(imageOf(answer)).to.equal(undefined);
    });

    it('refuses a bad API key on lookups with 400 API_KEY_INVALID', async () => {
      const err = await apiError(gemini(undefined, 'AIza-wrong').models.get({ model: 'gemini-3-pro-image' }));
      expect(err.status).to.equal(400);
      expect(err.message).to.include('API_KEY_INVALID');
      expect(fake.lookups).to.have.length(1);
    });

    it('refuses a page token it did not issue', async () => {
      const err = await apiError(gemini().models.list({ config: { pageToken: 'not-a-token' } }));
      expect(err.status).to.equal(400);
      expect(err.message).to.include('INVALID_ARGUMENT');
    });

    it('leaves queued faults for generateContent when the client looks models up', async () => {
      fake.failNext({ kind: 'http', status: 503 });
      await gemini().models.get({ model: 'gemini-3-pro-image' });
      expect((await apiError(draw(gemini(), 'gemini-3-pro-image', {}))).status).to.equal(503);
    });
  });

  describe('Vertex AI', () => {
    it('lists publisher models, page by page, with the service identity’s token', async () => {
      expect(await listIds(vertex(), 2)).to.deep.equal(FAKE_LINEUP.map((m) => m.id));
      expect(fake.lookups.map((l) => l.path)).to.deep.equal(['/v1beta1/publishers/google/models', '/v1beta1/publishers/google/models', '/v1beta1/publishers/google/models']);
    });

    it('gets a publisher model, and answers 404 for a retired one on get and on generateContent', async () => {
      const model = await vertex().models.get({ model: 'gemini-3-pro-image' });
      expect(model.name).to.equal('publishers/google/models/gemini-3-pro-image');
      expect(model.version).to.equal('001');
      expect(fake.lookups[0]).to.deep.equal({ method: 'GET', path: '/v1beta1/publishers/google/models/gemini-3-pro-image', model: 'gemini-3-pro-image' });
      expect((await apiError(vertex().models.get({ model: 'gemini-3-pro-image-preview' }))).status).to.equal(404);
      const onGenerate = await apiError(draw(vertex(), 'gemini-3-pro-image-preview', {}));
      expect(onGenerate.status).to.equal(404);
      expect(onGenerate.message).to.include('Publisher Model `projects/demo-project/locations/global/publishers/google/models/gemini-3-pro-image-preview` was not found');
      expect(fake.requests[0]?.vertex).to.deep.equal({ project: 'demo-project', location: 'global', tokenMatched: true });
    });

    it('answers the project-scoped get path as well', async () => {
      const model = await vertex().models.get({ model: 'projects/demo-project/locations/global/publishers/google/models/gemini-3.1-flash-image' });
      expect(model.name).to.equal('publishers/google/models/gemini-3.1-flash-image');
      expect(fake.lookups[0]?.path).to.equal('/v1beta1/projects/demo-project/locations/global/publishers/google/models/gemini-3.1-flash-image');
    });

    it('refuses lookups without the expected access token with 401', async () => {
      const err = await apiError(vertex('someone-elses-token').models.list());
      expect(err.status).to.equal(401);
    });

    it('applies the same per-model refusals to Vertex generateContent', async () => {
      const err = await apiError(draw(vertex(), 'gemini-nano-banana-2.1', { imageSize: '512' }));
      expect(err.status).to.equal(400);
      expect(imageOf(await draw(vertex(), 'gemini-nano-banana-2.1', { imageSize: '2K' }))).to.be.a('string');
    });
  });
});
