/**
 * The catalogue and a model resolver for tests that never reach Gemini (the dashboard API,
 * sign-in, image_info): Gemini is taken to serve every candidate. Tests of the generation path
 * use the real directory against the Gemini fake instead (test/e2e/harness.ts).
 */
import { MODEL_ALIASES, buildCatalogue, type Catalogue } from '../../server/core/models.js';
import { createModelResolver, type ModelResolver } from '../../server/generation/model-resolver.js';
import { silentLogger } from '../../server/log.js';

export function everyModelServed(catalogue: Catalogue = buildCatalogue()): { catalogue: Catalogue; models: ModelResolver } {
  const ids = new Set(MODEL_ALIASES.flatMap((alias) => catalogue[alias].candidates.map((m) => m.id)));
  return { catalogue, models: createModelResolver({ catalogue, directory: { listModelIds: async () => ids }, logger: silentLogger }) };
}
