/**
 * The catalogue as this server runs it (catalogue.ts with the operator's overrides applied),
 * and the pure decisions over it: which alias a name means, which model a generation asks
 * for, whether that model accepts the options, what an image costs. Which candidate Gemini
 * still serves is decided at run time (generation/model-resolver.ts).
 */
import { invalidArgument } from '../errors.js';
import { ALIAS_SPECS, FALLBACK_MODEL, MODEL_ALIASES, MODEL_SPECS, specOf, specOfAnyId, type ModelAlias, type ModelSpec, type PriceList, type TokenPrices } from './catalogue.js';
import type { AspectRatio, ImageSize } from './options.js';

export { FALLBACK_MODEL, MODEL_ALIASES, type ModelAlias, type PriceList, type TokenPrices } from './catalogue.js';

/**
 * A model id as one alias uses it, with the operator's prices: `pricesUsd` (the estimate per
 * image) and `tokenPricesUsdPerMillion` (what the recorded cost is computed with, core/cost.ts).
 */
export interface ImageModel extends ModelSpec {
  readonly alias: ModelAlias;
}

export interface AliasEntry {
  readonly alias: ModelAlias;
  readonly useFor: string;
  /** Best first; never empty. */
  readonly candidates: readonly ImageModel[];
  readonly formerNames: readonly string[];
  /** The variable that sets the candidates. */
  readonly envVar: string;
}

export type Catalogue = Readonly<Record<ModelAlias, AliasEntry>>;

export interface CatalogueOverrides {
  /** Candidate ids per alias, best first (IMG_MODEL_FLASH=a,b). */
  readonly ids?: Partial<Record<ModelAlias, readonly string[]>>;
  /** Per-image prices per alias, whichever candidate serves it (IMG_COST_FLASH_1K). */
  readonly prices?: Partial<Record<ModelAlias, PriceList>>;
  /** Token prices per alias, whichever candidate serves it (IMG_TOKEN_PRICES_FLASH). */
  readonly tokenPrices?: Partial<Record<ModelAlias, TokenPrices>>;
}

export function buildCatalogue(overrides: CatalogueOverrides = {}): Catalogue {
  const entry = (alias: ModelAlias): AliasEntry => {
    const spec = ALIAS_SPECS[alias];
    const ids = overrides.ids?.[alias]?.length ? overrides.ids[alias] : spec.candidates;
    const candidates = ids.map((id) => {
      // An id the catalogue does not know (a model newer than this code) is taken to accept
      // and cost what the alias's own first model does; IMG_COST_* and IMG_TOKEN_PRICES_*
      // correct the prices.
      const known = specOf(id) ?? { ...specOrThrow(spec.candidates[0]), id, label: id };
      const prices = Object.fromEntries(known.imageSizes.map((size) => [size, overrides.prices?.[alias]?.[size] ?? known.pricesUsd[size]]));
      const tokenPrices = overrides.tokenPrices?.[alias] ?? known.tokenPricesUsdPerMillion;
      return Object.freeze({ ...known, alias, pricesUsd: Object.freeze(prices), tokenPricesUsdPerMillion: Object.freeze({ ...tokenPrices }) });
    });
    return Object.freeze({ alias, useFor: spec.useFor, candidates: Object.freeze(candidates), formerNames: spec.formerNames, envVar: `IMG_MODEL_${alias.toUpperCase()}` });
  };
  return Object.freeze(Object.fromEntries(MODEL_ALIASES.map((alias) => [alias, entry(alias)])) as Record<ModelAlias, AliasEntry>);
}

function specOrThrow(id: string | undefined): ModelSpec {
  const spec = id === undefined ? undefined : specOf(id);
  if (!spec) throw new Error(`catalogue: no spec for ${String(id)}`);
  return spec;
}

/** What a generation asks for: an alias, and perhaps the one model of it the caller named. */
export interface ModelChoice {
  readonly alias: ModelAlias;
  /** Tried first when Gemini serves it; otherwise the alias's first available candidate is used. */
  readonly preferredId?: string;
}

/** "Nano Banana Pro", "nano_banana pro" and "nano-banana-pro" are one name. */
function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

/**
 * Every name that means an alias: its own; its candidates' ids and product names, which name
 * that model; and, naming the alias only, default candidates the operator replaced, retired ids
 * and former names.
 */
function namesOf(entry: AliasEntry): { name: string; preferredId?: string }[] {
  const defaults = MODEL_SPECS.filter((spec) => ALIAS_SPECS[entry.alias].candidates.includes(spec.id));
  const aliasOnly = [
    ...defaults.flatMap((spec) => [spec.id, spec.label]),
    ...[...entry.candidates, ...defaults].flatMap((spec) => spec.formerIds ?? []),
    ...entry.formerNames,
  ];
  return [
    { name: entry.alias },
    ...entry.candidates.flatMap((m) => [{ name: m.id, preferredId: m.id }, { name: m.label, preferredId: m.id }]),
    ...aliasOnly.map((name) => ({ name })),
  ];
}

/** The alias (and perhaps model) a name means, case- and spacing-insensitive; undefined if none. */
export function findModelChoice(catalogue: Catalogue, name: string): ModelChoice | undefined {
  const wanted = normalize(name);
  for (const alias of MODEL_ALIASES) {
    const match = namesOf(catalogue[alias]).find((n) => normalize(n.name) === wanted);
    if (match) return match.preferredId ? { alias, preferredId: match.preferredId } : { alias };
  }
  return undefined;
}

/** Every name the `model` parameter accepts, for error messages and docs. */
export function acceptedModelNames(catalogue: Catalogue): string[] {
  return [...new Set(MODEL_ALIASES.flatMap((alias) => namesOf(catalogue[alias]).map((n) => n.name)))];
}

/**
 * Which model a generation asks for: the one the caller named, else the user's saved
 * default, else flash. A saved default that no longer names anything falls back to flash.
 */
export function chooseModel(catalogue: Catalogue, requested: string | undefined, userDefault: string | undefined): ModelChoice {
  if (requested !== undefined) {
    const choice = findModelChoice(catalogue, requested);
    if (!choice) {
      throw invalidArgument(
        `Unknown model "${requested.slice(0, 80)}". Accepted: ${acceptedModelNames(catalogue).join(', ')}. ` +
          'Leave it out unless the user asked for a specific model.',
      );
    }
    return choice;
  }
  const saved = userDefault === undefined ? undefined : findModelChoice(catalogue, userDefault);
  return { alias: saved?.alias ?? FALLBACK_MODEL };
}

export interface ImageOptions {
  readonly imageSize: ImageSize;
  readonly aspectRatio: AspectRatio;
  readonly referenceCount: number;
}

/** What the model does not take of these options, naming what it does take; undefined if it takes them all. */
function optionsProblem(model: ImageModel, options: ImageOptions): string | undefined {
  const name = `${model.alias} (${model.label}, ${model.id})`;
  if (!model.imageSizes.includes(options.imageSize)) {
    return `image_size ${options.imageSize} is not available with ${name}; it makes ${model.imageSizes.join(', ')}.`;
  }
  if (!model.aspectRatios.includes(options.aspectRatio)) {
    return `aspect_ratio ${options.aspectRatio} is not available with ${name}; it takes ${model.aspectRatios.join(', ')}.`;
  }
  if (options.referenceCount > model.maxReferenceImages) {
    return `Too many reference images for ${name}: ${options.referenceCount}; it takes at most ${model.maxReferenceImages}.`;
  }
  return undefined;
}

export function acceptsOptions(model: ImageModel, options: ImageOptions): boolean {
  return optionsProblem(model, options) === undefined;
}

/** Refuses options the model does not take, naming what it does take. */
export function checkOptions(model: ImageModel, options: ImageOptions): void {
  const problem = optionsProblem(model, options);
  if (problem) throw invalidArgument(problem);
}

export function priceUsd(model: ImageModel, size: ImageSize): number {
  const price = model.pricesUsd[size];
  if (price === undefined) throw new Error(`${model.id} has no price for ${size}: checkOptions comes first`);
  return price;
}

/**
 * The list price of an image recorded as made by `modelId` (a current or former id) at `size`,
 * else by the first of the alias's models that makes that size. For records without a cost.
 */
export function recordedPriceUsd(catalogue: Catalogue, alias: ModelAlias, modelId: string | undefined, size: ImageSize): number | undefined {
  const recorded = modelId === undefined ? undefined : specOfAnyId(modelId);
  return recorded?.pricesUsd[size] ?? catalogue[alias].candidates.find((m) => m.pricesUsd[size] !== undefined)?.pricesUsd[size];
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(3)}`;
}
