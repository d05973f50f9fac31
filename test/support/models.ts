/**
 * The catalogue and a model resolver for tests that never reach Gemini (the dashboard API,
 * sign-in, image_info): Gemini is taken to serve every candidate. Tests of the generation path
 * use the real directory against the Gemini fake instead (test/e2e/harness.ts).
 */
import { imageCostUsd } from '../../server/core/cost.js';
import { MODEL_ALIASES, buildCatalogue, type Catalogue } from '../../server/core/models.js';
import type { ImageSize } from '../../server/core/options.js';
import { addUsd } from '../../server/core/totals.js';
import { toTokenUsage } from '../../server/gemini/gemini-mapping.js';
import type { RecordedRequest } from '../fakes/gemini-fake.js';
import { createModelResolver, type ModelResolver } from '../../server/generation/model-resolver.js';
import { silentLogger } from '../../server/log.js';

export function everyModelServed(catalogue: Catalogue = buildCatalogue()): { catalogue: Catalogue; models: ModelResolver } {
  const ids = new Set(MODEL_ALIASES.flatMap((alias) => catalogue[alias].candidates.map((m) => m.id)));
  return { catalogue, models: createModelResolver({ catalogue, directory: { listModelIds: async () => ids }, logger: silentLogger }) };
}

/**
 * What the server should record for one image the Gemini fake answered: the tokens the fake
 * reported (in Gemini's wire shape) at the catalogue's rates for that model, as Gemini bills.
 */
export function billedFor(request: RecordedRequest, catalogue: Catalogue = buildCatalogue()): number {
  if (!request.answer) throw new Error(`the fake answered ${request.model} without an image`);
  const model = MODEL_ALIASES.flatMap((alias) => catalogue[alias].candidates).find((m) => m.id === request.model);
  if (!model) throw new Error(`no model ${request.model} in the catalogue`);
  const size = request.body.generationConfig?.imageConfig?.imageSize ?? '1K';
  return imageCostUsd(model, size as ImageSize, toTokenUsage(request.answer.usage));
}

/** The sum of what the server should record for these answers, to a millionth of a dollar. */
export function billedForAll(requests: readonly RecordedRequest[]): number {
  return requests.reduce((sum, request) => addUsd(sum, billedFor(request)), 0);
}
