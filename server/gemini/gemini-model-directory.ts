/**
 * ModelDirectory on @google/genai: the ids Gemini serves this server, from its models list
 * (the Gemini API's `models.list`, Vertex AI's publisher models). The SDK loads at first use,
 * on this thread: the list is a few kilobytes, unlike a generation's answer.
 */
import type { ModelDirectory } from '../generation/model-resolver.js';
import type { GeminiClientConfig } from './gemini-client.js';

/** The list is a page or two; more means something is wrong. */
const MAX_PAGES = 20;

export function createGeminiModelDirectory(client: GeminiClientConfig, timeoutMs = 15_000): ModelDirectory {
  return {
    async listModelIds() {
      const { createGenAI } = await import('./gemini-client.js');
      const genai = createGenAI(client);
      const abortSignal = AbortSignal.timeout(timeoutMs);
      const ids = new Set<string>();
      const pager = await genai.models.list({ config: { pageSize: 1000, abortSignal } });
      for (let page = 1, models = pager.page; ; page++, models = await pager.nextPage()) {
        for (const model of models) {
          // "models/x" on the Gemini API, "publishers/google/models/x" on Vertex AI.
          const id = model.name?.split('/').pop();
          const generates = model.supportedActions === undefined || model.supportedActions.includes('generateContent');
          if (id && generates) ids.add(id);
        }
        if (!pager.hasNextPage() || page >= MAX_PAGES) return ids;
      }
    },
  };
}
