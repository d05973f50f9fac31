/**
 * One generateContent call on @google/genai, bounded by its own timeout, its result or failure
 * returned as plain data (an AttemptOutcome), never thrown: it runs on the Gemini thread
 * (gemini-thread.ts), and only plain data crosses between threads.
 */
import { createGenAI, type GeminiClientConfig } from './gemini-client.js';
import { buildGenerateContentParams, describeFailure, interpretResponse, type AttemptFailure } from './gemini-mapping.js';
import type { GeneratedImage, ImageRequest } from './image-generator.js';

export type AttemptOutcome = { readonly ok: true; readonly image: GeneratedImage } | { readonly ok: false; readonly failure: AttemptFailure };

export type Attempt = (request: ImageRequest, timeoutMs: number) => Promise<AttemptOutcome>;

export function createAttempt(client: GeminiClientConfig): Attempt {
  const genai = createGenAI(client);
  const apiKey = client.backend.kind === 'api-key' ? client.backend.apiKey : undefined;

  return async (request, timeoutMs) => {
    // config.abortSignal reaches fetch and also cuts off a body still being read; the SDK
    // would do the same for httpOptions.timeout, but then we could not tell our timeout apart.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const params = buildGenerateContentParams(request);
      const response = await genai.models.generateContent({ ...params, config: { ...params.config, abortSignal: controller.signal } });
      return { ok: true, image: interpretResponse(response) };
    } catch (err) {
      return { ok: false, failure: describeFailure(err, { modelId: request.modelId, timeoutMs, ...(apiKey ? { apiKey } : {}) }) };
    } finally {
      clearTimeout(timer);
    }
  };
}
