/**
 * One generateContent call on @google/genai, bounded by its own timeout, its result or failure
 * returned as plain data (an AttemptOutcome), never thrown: it runs on the Gemini thread
 * (gemini-thread.ts), and only plain data crosses between threads.
 */
import { GoogleGenAI } from '@google/genai';
import type { GoogleAuthOptions } from 'google-auth-library';
import { buildGenerateContentParams, describeFailure, interpretResponse, type AttemptFailure } from './gemini-mapping.js';
import type { GeneratedImage, ImageRequest } from './image-generator.js';

/**
 * Which Gemini: the Gemini API with a key from Google AI Studio, or Vertex AI, where the
 * service's own identity (Application Default Credentials; on Cloud Run, its service account
 * with roles/aiplatform.user) is the credential and no key exists. Plain data: it is sent to
 * the Gemini thread, so `googleAuthOptions` must not hold a client object.
 */
export type GeminiBackend =
  | { readonly kind: 'api-key'; readonly apiKey: string }
  | { readonly kind: 'vertex'; readonly project: string; readonly location: string; readonly googleAuthOptions?: GoogleAuthOptions };

export interface GeminiClientConfig {
  readonly backend: GeminiBackend;
  /** Override Gemini's endpoint (tests point it at a local fake). */
  readonly baseUrl?: string;
}

export type AttemptOutcome = { readonly ok: true; readonly image: GeneratedImage } | { readonly ok: false; readonly failure: AttemptFailure };

export type Attempt = (request: ImageRequest, timeoutMs: number) => Promise<AttemptOutcome>;

export function createAttempt({ backend, baseUrl }: GeminiClientConfig): Attempt {
  // No retryOptions: the SDK would then retry on its own, unlogged and unbounded by us.
  const httpOptions = baseUrl ? { baseUrl } : {};
  // `vertexai` is always explicit, so GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch backends.
  const genai =
    backend.kind === 'api-key'
      ? new GoogleGenAI({ apiKey: backend.apiKey, vertexai: false, httpOptions })
      : new GoogleGenAI({
          vertexai: true,
          project: backend.project,
          location: backend.location,
          httpOptions,
          ...(backend.googleAuthOptions ? { googleAuthOptions: backend.googleAuthOptions } : {}),
        });
  const apiKey = backend.kind === 'api-key' ? backend.apiKey : undefined;

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
