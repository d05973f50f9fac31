import { expect } from 'chai';
import { ApiError } from '@google/genai';
import { AppError } from '../../server/errors.js';
import {
  buildGenerateContentParams,
  describeFailure,
  interpretResponse,
  isRetryable,
  mapGeminiError,
  retryDelayMsFromError,
  toTokenUsage,
  type GeminiAnswer,
} from '../../server/gemini/gemini-mapping.js';
import { BilledFailureError, billedUsageOf, type ImageRequest } from '../../server/gemini/image-generator.js';

const KEY = 'AIzaSyUNITTESTKEY000000000000000000000';
const context = { modelId: 'gemini-3-pro-image-preview', timeoutMs: 180_000, apiKey: KEY };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function apiError(status: number, message: string, details?: unknown[]): ApiError {
  const body = { error: { code: status, message, status: 'X', ...(details ? { details } : {}) } };
  return new ApiError({ status, message: JSON.stringify(body) });
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  expect.fail('expected an AppError');
}

describe('buildGenerateContentParams', () => {
  const request: ImageRequest = {
    modelId: 'gemini-3.1-flash-image-preview',
    prompt: 'a lighthouse at dusk',
    aspectRatio: '16:9',
    imageSize: '2K',
    references: [
      { name: 'a.png', mimeType: 'image/png', data: png },
      { name: 'b.jpg', mimeType: 'image/jpeg', data: Buffer.from('jpeg-bytes') },
    ],
  };

  it('sends the prompt first, then each reference as base64 inlineData, in order', () => {
    const params = buildGenerateContentParams(request);
    expect(params.model).to.equal('gemini-3.1-flash-image-preview');
    expect(params.contents).to.deep.equal([
      {
        role: 'user',
        parts: [
          { text: 'a lighthouse at dusk' },
          { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
          { inlineData: { mimeType: 'image/jpeg', data: Buffer.from('jpeg-bytes').toString('base64') } },
        ],
      },
    ]);
  });

  it('asks for text and image output at the requested aspect ratio and size', () => {
    const { config } = buildGenerateContentParams(request);
    expect(config?.responseModalities).to.deep.equal(['TEXT', 'IMAGE']);
    expect(config?.imageConfig).to.deep.equal({ aspectRatio: '16:9', imageSize: '2K' });
  });
});

describe('interpretResponse', () => {
  const imagePart = { inlineData: { mimeType: 'image/png', data: png.toString('base64') } };

  it('returns the decoded image, the text and the token usage when Gemini answers with an image', () => {
    const image = interpretResponse({
      candidates: [{ content: { parts: [{ text: ' Here it is. ' }, imagePart] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1120, totalTokenCount: 1132 },
    });
    expect(image.mimeType).to.equal('image/png');
    expect(image.data.equals(png)).to.equal(true);
    expect(image.text).to.equal('Here it is.');
    expect(image.usage).to.deep.equal({ promptTokens: 12, promptTextTokens: 12, outputTokens: 1120, totalTokens: 1132, textOutputTokens: 1120 });
  });

  it('skips thought parts, so an interim draft image is not returned as the result', () => {
    const draft = { thought: true, inlineData: { mimeType: 'image/png', data: Buffer.from('draft').toString('base64') } };
    const image = interpretResponse({ candidates: [{ content: { parts: [{ text: 'planning', thought: true }, draft, imagePart] } }] });
    expect(image.data.equals(png)).to.equal(true);
    expect(image.text).to.equal(undefined);
    expect(image.usage).to.deep.equal({});
  });

  it('rejects a blocked prompt as INVALID_ARGUMENT naming the reason and Gemini message', () => {
    const err = thrown(() => interpretResponse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'Policy 4.' } }));
    expect(err.status).to.equal('INVALID_ARGUMENT');
    expect(err.publicMessage).to.match(/blocked the prompt/).and.match(/PROHIBITED_CONTENT/).and.match(/Policy 4\./).and.match(/Rephrase/);
  });

  it('rejects a blocked image as INVALID_ARGUMENT naming the finish reason and the flagged categories', () => {
    const answer: GeminiAnswer = {
      candidates: [
        {
          content: { parts: [] },
          finishReason: 'IMAGE_SAFETY',
          safetyRatings: [
            { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', blocked: true },
            { category: 'HARM_CATEGORY_HARASSMENT', blocked: false },
          ],
        },
      ],
    };
    const err = thrown(() => interpretResponse(answer));
    expect(err.status).to.equal('INVALID_ARGUMENT');
    expect(err.publicMessage).to.match(/withheld the image/).and.match(/IMAGE_SAFETY/).and.match(/HARM_CATEGORY_DANGEROUS_CONTENT/).and.match(/Nothing was stored or added to your spend/);
    expect(err.publicMessage).to.not.match(/HARASSMENT/);
    expect(err).to.not.be.instanceOf(BilledFailureError);
    expect(billedUsageOf(err)).to.equal(undefined);
  });

  it('carries the tokens Gemini billed on an image-less answer, and says they count toward the spend; a safety block costs nothing', () => {
    const promptUsage = { promptTokenCount: 565, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }, { modality: 'IMAGE', tokenCount: 560 }], totalTokenCount: 565 };
    const billed = { promptTokens: 565, promptTextTokens: 5, promptImageTokens: 560, totalTokens: 565 };
    const blocks: GeminiAnswer[] = [
      { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: promptUsage },
      { candidates: [{ content: { parts: [] }, finishReason: 'IMAGE_SAFETY' }], usageMetadata: promptUsage },
    ];
    for (const answer of blocks) {
      const err = thrown(() => interpretResponse(answer));
      expect(err).to.not.be.instanceOf(BilledFailureError);
      expect(billedUsageOf(err)).to.equal(undefined);
      expect(err.publicMessage).to.include('Nothing was stored or added to your spend');
    }
    const answers: GeminiAnswer[] = [{ candidates: [{ finishReason: 'NO_IMAGE' }], usageMetadata: promptUsage }];
    for (const answer of answers) {
      const err = thrown(() => interpretResponse(answer));
      expect(err).to.be.instanceOf(BilledFailureError);
      expect(err.status).to.equal('INVALID_ARGUMENT');
      expect((err as BilledFailureError).usage).to.deep.equal(billed);
      expect(billedUsageOf(err)).to.deep.equal(billed);
      expect(err.publicMessage).to.include('Gemini still billed the tokens it processed').and.not.include('or added to your spend');
    }
    const text = thrown(() =>
      interpretResponse({
        candidates: [{ content: { parts: [{ text: 'No.' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 2 }], thoughtsTokenCount: 90, totalTokenCount: 97 },
      }),
    );
    expect(billedUsageOf(text)).to.deep.equal({ promptTokens: 5, promptTextTokens: 5, outputTokens: 2, totalTokens: 97, textOutputTokens: 2, thinkingTokens: 90 });
    // A failure before any answer bills nothing.
    expect(billedUsageOf(mapGeminiError(apiError(500, 'boom'), context))).to.equal(undefined);
  });

  it('rejects an answer without an image, quoting what the model said, trimmed', () => {
    const err = thrown(() => interpretResponse({ candidates: [{ content: { parts: [{ text: "I can't draw that. " + 'x'.repeat(2000) }] }, finishReason: 'STOP' }] }));
    expect(err.status).to.equal('INVALID_ARGUMENT');
    expect(err.publicMessage).to.match(/returned no image \(STOP: the model answered with text only\)\. It said: "I can't draw that\./);
    expect(err.publicMessage.length).to.be.lessThan(700);
  });

  it('says the model gave no explanation when there are no candidates at all', () => {
    const err = thrown(() => interpretResponse({ candidates: [] }));
    expect(err.publicMessage).to.match(/no image/).and.match(/no explanation/);
  });

  it('gives each way Gemini declines a distinct message, naming the reason', () => {
    const messages = new Map<string, string>();
    for (const finishReason of ['IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_OTHER', 'NO_IMAGE', 'MAX_TOKENS', 'LANGUAGE', 'OTHER']) {
      const err = thrown(() => interpretResponse({ candidates: [{ content: { parts: [] }, finishReason }] }));
      expect(err.status, finishReason).to.equal('INVALID_ARGUMENT');
      expect(err.publicMessage, finishReason).to.include(`(${finishReason}: `).and.include('Rephrase');
      messages.set(finishReason, err.publicMessage);
    }
    expect(new Set(messages.values()).size).to.equal(messages.size);
    expect(messages.get('NO_IMAGE')).to.match(/returned no image \(NO_IMAGE: the model answered without drawing an image\)/);
    expect(messages.get('IMAGE_OTHER')).to.match(/image generation stopped for a reason Gemini did not name/);
  });

  it('names an unknown finish reason as it is, and blocks of the prompt by their reason', () => {
    expect(thrown(() => interpretResponse({ candidates: [{ finishReason: 'SOMETHING_NEW' }] })).publicMessage).to.match(/no image \(SOMETHING_NEW\)/);
    const blocked = thrown(() => interpretResponse({ promptFeedback: { blockReason: 'IMAGE_SAFETY' } }));
    expect(blocked.status).to.equal('INVALID_ARGUMENT');
    expect(blocked.publicMessage).to.match(/^Gemini blocked the prompt \(IMAGE_SAFETY: the reference images or the image asked for tripped/);
  });

  it('sends an account block to the administrator and a malformed answer back as retryable later', () => {
    const account = thrown(() => interpretResponse({ candidates: [{ finishReason: 'PUP_LIMITED_DISABLED' }] }));
    expect(account.status).to.equal('INTERNAL');
    expect(account.publicMessage).to.match(/administrator/);
    const malformed = thrown(() => interpretResponse({ candidates: [{ finishReason: 'MALFORMED_RESPONSE' }] }));
    expect(malformed.status).to.equal('UNAVAILABLE');
    expect(malformed.publicMessage).to.match(/Try again in a minute/);
  });

  it('takes the last of several images, and reads image and thinking tokens from usage', () => {
    const image = interpretResponse({
      candidates: [
        {
          content: {
            parts: [
              { inlineData: { mimeType: 'image/png', data: Buffer.from('earlier').toString('base64') } },
              { inlineData: { mimeType: 'image/png', data: Buffer.from('final').toString('base64') } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 1125,
        candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }, { modality: 'TEXT', tokenCount: 5 }],
        thoughtsTokenCount: 196,
        totalTokenCount: 1331,
      },
    });
    expect(image.data.toString()).to.equal('final');
    expect(image.usage).to.deep.equal({ promptTokens: 10, promptTextTokens: 10, outputTokens: 1125, totalTokens: 1331, imageOutputTokens: 1120, textOutputTokens: 5, thinkingTokens: 196 });
  });
});

describe('toTokenUsage', () => {
  it('splits prompt and output tokens by modality, as Gemini reports them', () => {
    expect(
      toTokenUsage({
        promptTokenCount: 1125,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }, { modality: 'IMAGE', tokenCount: 1120 }],
        candidatesTokenCount: 3785,
        candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 3780 }, { modality: 'TEXT', tokenCount: 5 }],
        thoughtsTokenCount: 196,
        totalTokenCount: 5106,
      }),
    ).to.deep.equal({
      promptTokens: 1125,
      promptTextTokens: 5,
      promptImageTokens: 1120,
      outputTokens: 3785,
      totalTokens: 5106,
      imageOutputTokens: 3780,
      textOutputTokens: 5,
      thinkingTokens: 196,
    });
  });

  it('counts a text-only prompt as no image tokens, and an unspecified modality as text', () => {
    const usage = toTokenUsage({
      promptTokenCount: 9,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }, { modality: 'MODALITY_UNSPECIFIED', tokenCount: 4 }],
      candidatesTokenCount: 1120,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
    });
    expect(usage).to.deep.equal({ promptTokens: 9, promptTextTokens: 9, promptImageTokens: 0, outputTokens: 1120, imageOutputTokens: 1120, textOutputTokens: 0 });
  });

  it('without details, takes every prompt token as text and every output token as text', () => {
    expect(toTokenUsage({ promptTokenCount: 12, candidatesTokenCount: 30, totalTokenCount: 42 })).to.deep.equal({
      promptTokens: 12,
      promptTextTokens: 12,
      outputTokens: 30,
      totalTokens: 42,
      textOutputTokens: 30,
    });
    expect(toTokenUsage({ promptTokenCount: 12, promptTokensDetails: [], candidatesTokensDetails: [] })).to.deep.equal({ promptTokens: 12, promptTextTokens: 12 });
  });

  it('is empty when Gemini reported no usage', () => {
    expect(toTokenUsage(undefined)).to.deep.equal({});
    expect(toTokenUsage({})).to.deep.equal({});
  });
});

describe('mapGeminiError', () => {
  it('maps a 400 to INVALID_ARGUMENT with Gemini message, capped and without the API key', () => {
    const err = mapGeminiError(apiError(400, `Bad image for key ${KEY}. ` + 'y'.repeat(1000)), context);
    expect(err.status).to.equal('INVALID_ARGUMENT');
    expect(err.publicMessage).to.match(/^Gemini rejected the request: Bad image/);
    expect(err.publicMessage).to.not.include(KEY);
    expect(err.publicMessage.length).to.be.at.most(340);
  });

  it('treats a 400 API_KEY_INVALID as a server configuration problem, not the user fault', () => {
    const err = mapGeminiError(apiError(400, 'API key not valid.', [{ reason: 'API_KEY_INVALID' }]), context);
    expect(err.status).to.equal('INTERNAL');
    expect(err.publicMessage).to.match(/API key/).and.match(/server configuration/);
  });

  for (const status of [401, 403]) {
    it(`maps a ${status} to INTERNAL saying the server key was refused`, () => {
      const err = mapGeminiError(apiError(status, 'denied'), context);
      expect(err.status).to.equal('INTERNAL');
      expect(err.publicMessage).to.match(/refused the server's API key/);
    });
  }

  it('maps a 404 to a model Gemini does not serve, naming it, and marks the failure so another model is tried', () => {
    const err = mapGeminiError(apiError(404, 'models/x is not found'), context);
    expect(err.publicMessage).to.include('does not serve the model "gemini-3-pro-image-preview"');
    expect(describeFailure(apiError(404, 'models/x is not found'), context)).to.include({ modelUnavailable: true, retryable: false });
  });

  it('maps a 429 to RESOURCE_EXHAUSTED and uses the delay Gemini asked for when present', () => {
    expect(mapGeminiError(apiError(429, 'quota'), context).publicMessage).to.match(/quota or rate limit.*in a minute/);
    const withDelay = mapGeminiError(apiError(429, 'quota', [{ retryDelay: '37s' }]), context);
    expect(withDelay.status).to.equal('RESOURCE_EXHAUSTED');
    expect(withDelay.publicMessage).to.match(/in 37 s/);
  });

  for (const status of [500, 502, 503, 504]) {
    it(`maps a ${status} to UNAVAILABLE`, () => {
      const err = mapGeminiError(apiError(status, 'The model is overloaded.'), context);
      expect(err.status).to.equal('UNAVAILABLE');
      expect(err.publicMessage).to.include(`HTTP ${status}`).and.include('overloaded');
    });
  }

  it('maps an abort to DEADLINE_EXCEEDED stating the timeout in seconds', () => {
    const err = mapGeminiError(new DOMException('This operation was aborted', 'AbortError'), context);
    expect(err.status).to.equal('DEADLINE_EXCEEDED');
    expect(err.publicMessage).to.match(/within 180 s/);
  });

  it('maps a network failure to UNAVAILABLE naming the network error', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const err = mapGeminiError(new TypeError('fetch failed', { cause }), context);
    expect(err.status).to.equal('UNAVAILABLE');
    expect(err.publicMessage).to.include('ECONNREFUSED');
  });

  it('maps an unreadable answer to UNAVAILABLE and anything unknown to a generic INTERNAL', () => {
    expect(mapGeminiError(new SyntaxError('Unexpected end of JSON input'), context).status).to.equal('UNAVAILABLE');
    const unknown = mapGeminiError(new Error(`secret ${KEY}`), context);
    expect(unknown.status).to.equal('INTERNAL');
    expect(unknown.publicMessage).to.not.include(KEY);
  });

  it('passes an AppError through unchanged', () => {
    const original = new AppError('INVALID_ARGUMENT', 'blocked');
    expect(mapGeminiError(original, context)).to.equal(original);
  });
});

describe('isRetryable', () => {
  it('retries rate limits, server errors and network failures', () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isRetryable(apiError(status, 'x')), String(status)).to.equal(true);
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(isRetryable(reset)).to.equal(true);
  });

  it('does not retry timeouts, other client errors, blocks or unreadable answers', () => {
    for (const status of [400, 401, 403, 404, 408]) expect(isRetryable(apiError(status, 'x')), String(status)).to.equal(false);
    expect(isRetryable(new DOMException('aborted', 'AbortError'))).to.equal(false);
    expect(isRetryable(new AppError('INVALID_ARGUMENT', 'blocked'))).to.equal(false);
    expect(isRetryable(new SyntaxError('bad json'))).to.equal(false);
  });
});

describe('retryDelayMsFromError', () => {
  it('reads google.rpc.RetryInfo from the error body, and nothing otherwise', () => {
    expect(retryDelayMsFromError(apiError(429, 'q', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }]))).to.equal(1500);
    expect(retryDelayMsFromError(apiError(429, 'q'))).to.equal(undefined);
    expect(retryDelayMsFromError(new Error('x'))).to.equal(undefined);
  });
});

describe('describeFailure', () => {
  it('describes a rate limit as retryable after the delay Gemini asked for, with its HTTP status and a reason for the user', () => {
    const failure = describeFailure(apiError(429, 'quota', [{ retryDelay: '7s' }]), context);
    expect(failure).to.deep.equal({
      status: 'RESOURCE_EXHAUSTED',
      publicMessage: "Gemini's quota or rate limit was reached; try again in 7 s.",
      declined: false,
      modelUnavailable: false,
      retryable: true,
      retryDelayMs: 7000,
      httpStatus: 429,
      retryReason: 'Gemini is rate-limiting requests (HTTP 429)',
    });
  });

  it('marks a refusal by the model as declined and not retryable', () => {
    const failure = describeFailure(new AppError('INVALID_ARGUMENT', 'Gemini blocked the prompt'), context);
    expect([failure.declined, failure.retryable, failure.httpStatus, failure.publicMessage]).to.deep.equal([true, false, undefined, 'Gemini blocked the prompt']);
    expect(failure.usage).to.equal(undefined);
  });

  it('carries the billed usage of a refusal as plain data, and none for a failure without an answer', () => {
    const usage = { promptTokens: 565, promptTextTokens: 5, promptImageTokens: 560, totalTokens: 565 };
    const failure = describeFailure(new BilledFailureError('INVALID_ARGUMENT', 'Gemini blocked the prompt', usage), context);
    expect(failure).to.include({ declined: true, retryable: false });
    expect(failure.usage).to.deep.equal(usage);
    expect(structuredClone(failure)).to.deep.equal(failure);
    expect(describeFailure(apiError(429, 'quota'), context).usage).to.equal(undefined);
  });

  it('describes a dropped connection as retryable because Gemini could not be reached', () => {
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    const failure = describeFailure(reset, context);
    expect([failure.status, failure.retryable, failure.declined, failure.retryReason]).to.deep.equal(['UNAVAILABLE', true, false, 'Gemini could not be reached']);
  });

  it('is plain data that survives a structured clone (it crosses from the Gemini thread)', () => {
    const failure = describeFailure(apiError(503, `overloaded, key ${KEY}`), context);
    expect(structuredClone(failure)).to.deep.equal(failure);
    expect(JSON.stringify(failure)).to.not.include(KEY);
  });
});
