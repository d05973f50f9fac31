/**
 * The model registry: which Gemini image models exist here, what they are called and
 * what one image costs. Pure; built once from config.
 */
import { invalidArgument } from '../errors.js';
import type { ImageSize } from './options.js';

export const MODEL_ALIASES = ['flash', 'pro'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];
export const FALLBACK_MODEL: ModelAlias = 'flash';

export type PriceTable = Readonly<Record<ImageSize, number>>;

export interface ImageModel {
  readonly alias: ModelAlias;
  /** The id sent to Gemini. */
  readonly id: string;
  /** The name used on Google's documentation pages. */
  readonly docName: string;
  readonly label: string;
  readonly useFor: string;
  /** Estimated list price in USD per generated image, by output size. */
  readonly pricesUsd: PriceTable;
}

export type ModelRegistry = Readonly<Record<ModelAlias, ImageModel>>;

export const DEFAULT_MODEL_IDS: Readonly<Record<ModelAlias, string>> = {
  flash: 'gemini-3.1-flash-image-preview',
  pro: 'gemini-3-pro-image-preview',
};

export const DEFAULT_PRICES_USD: Readonly<Record<ModelAlias, PriceTable>> = {
  flash: { '1K': 0.067, '2K': 0.101, '4K': 0.151 },
  pro: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
};

export interface RegistryOverrides {
  ids?: Partial<Record<ModelAlias, string>>;
  prices?: Partial<Record<ModelAlias, Partial<Record<ImageSize, number>>>>;
}

export function buildRegistry(overrides: RegistryOverrides = {}): ModelRegistry {
  const model = (alias: ModelAlias, docName: string, label: string, useFor: string): ImageModel =>
    Object.freeze({
      alias,
      id: overrides.ids?.[alias] ?? DEFAULT_MODEL_IDS[alias],
      docName,
      label,
      useFor,
      pricesUsd: Object.freeze({ ...DEFAULT_PRICES_USD[alias], ...overrides.prices?.[alias] }),
    });
  return Object.freeze({
    flash: model('flash', 'gemini-3.1-flash-image', 'Nano Banana 2', 'drafts, iterations, simple scenes'),
    pro: model('pro', 'gemini-3-pro-image', 'Nano Banana Pro', 'final renders, text in images, complex compositions'),
  });
}

/** Every name the `model` parameter accepts, for error messages and docs. */
export function acceptedModelNames(registry: ModelRegistry): string[] {
  return MODEL_ALIASES.flatMap((alias) => {
    const m = registry[alias];
    return [...new Set([m.alias, m.id, m.docName, DEFAULT_MODEL_IDS[alias]])];
  });
}

/** Resolves an alias, full id or doc-page name (case-insensitive); undefined if unknown. */
export function findModel(registry: ModelRegistry, name: string): ImageModel | undefined {
  const wanted = name.trim().toLowerCase();
  return MODEL_ALIASES.map((alias) => registry[alias]).find((m) =>
    [m.alias, m.id, m.docName, DEFAULT_MODEL_IDS[m.alias]].some((n) => n.toLowerCase() === wanted),
  );
}

export function resolveModel(registry: ModelRegistry, name: string): ImageModel {
  const model = findModel(registry, name);
  if (!model) {
    throw invalidArgument(
      `Unknown model "${name.slice(0, 80)}". Accepted: ${acceptedModelNames(registry).join(', ')}. ` +
        'Leave it out unless the user asked for a specific model.',
    );
  }
  return model;
}

/**
 * Which model a generation uses: the one the caller named, else the user's saved default,
 * else flash. A saved default that no longer resolves (a renamed id) falls back to flash.
 */
export function chooseModel(registry: ModelRegistry, requested: string | undefined, userDefault: string | undefined): ImageModel {
  if (requested !== undefined) return resolveModel(registry, requested);
  if (userDefault !== undefined) {
    const saved = findModel(registry, userDefault);
    if (saved) return saved;
  }
  return registry[FALLBACK_MODEL];
}

export function priceUsd(model: ImageModel, size: ImageSize): number {
  return model.pricesUsd[size];
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(3)}`;
}
