/**
 * The one place a @google/genai client is built, for the Gemini thread's generations
 * (gemini-attempt.ts) and for reading the model line-up (gemini-model-directory.ts).
 */
import { GoogleGenAI } from '@google/genai';
import type { GoogleAuthOptions } from 'google-auth-library';

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

export function createGenAI({ backend, baseUrl }: GeminiClientConfig): GoogleGenAI {
  // No retryOptions: the SDK would then retry on its own, unlogged and unbounded by us.
  const httpOptions = baseUrl ? { baseUrl } : {};
  // `vertexai` is always explicit, so GOOGLE_GENAI_USE_VERTEXAI / GOOGLE_GENAI_USE_ENTERPRISE in
  // the environment cannot switch backends. `apiVersion` too: @google/genai 3.x moved the Gemini
  // API's default from v1beta to v1 and lets GOOGLE_GENAI_API_VERSION pick one; we stay on
  // v1beta (v1beta1 on Vertex AI), where Google documents image generation's options.
  return backend.kind === 'api-key'
    ? new GoogleGenAI({ apiKey: backend.apiKey, vertexai: false, apiVersion: 'v1beta', httpOptions })
    : new GoogleGenAI({
        vertexai: true,
        project: backend.project,
        location: backend.location,
        apiVersion: 'v1beta1',
        httpOptions,
        ...(backend.googleAuthOptions ? { googleAuthOptions: backend.googleAuthOptions } : {}),
      });
}
