/**
 * Which candidate each alias uses right now: the first one Gemini serves. The line-up is
 * looked up at first use, kept for an hour (refreshed in the background once stale, so a
 * generation never waits for it again), and looked up again at once when Gemini answers
 * NOT_FOUND for a model, which is then skipped. If the line-up cannot be read (or names none
 * of the catalogue's models), candidates are tried in order and Gemini's own NOT_FOUND answers
 * decide. Per instance: nothing here must survive a restart.
 */
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { MODEL_ALIASES, type Catalogue, type ImageModel, type ModelAlias, type ModelChoice } from '../core/models.js';

export interface ModelDirectory {
  /** Ids (without "models/") of the models Gemini serves this server now; rejects if it cannot tell. */
  listModelIds(): Promise<ReadonlySet<string>>;
}

export interface ModelResolver {
  /**
   * The model for `choice`: its preferred id when served; else the alias's first served
   * candidate that `fits` (the request's options), else its first served one. Throws an
   * AppError naming the alias, the ids tried and the variable to set when none is served.
   */
  resolve(choice: ModelChoice, fits?: (model: ImageModel) => boolean): Promise<ImageModel>;
  /** Gemini answered NOT_FOUND for `id`: it is skipped for a while and the line-up is read again. */
  reportMissing(id: string): void;
  /** Each alias's served models now, best first (empty: none), for help and the dashboard. */
  current(): Promise<Readonly<Record<ModelAlias, readonly ImageModel[]>>>;
}

export interface ModelResolverOptions {
  readonly catalogue: Catalogue;
  readonly directory: ModelDirectory;
  readonly logger: Logger;
  /** How long a line-up is trusted. Default an hour. */
  readonly ttlMs?: number;
  /** How long to wait before reading it again after a failed read. Default a minute. */
  readonly retryMs?: number;
  readonly now?: () => number;
}

interface LineUp {
  readonly ids: ReadonlySet<string>;
  readonly readAt: number;
}

export function createModelResolver(options: ModelResolverOptions): ModelResolver {
  const { catalogue, directory } = options;
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const retryMs = options.retryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'models' });

  let lineUp: LineUp | undefined;
  let reading: Promise<ReadonlySet<string> | undefined> | undefined;
  let failedAt: number | undefined;
  /** Ids Gemini answered NOT_FOUND for, until when they are skipped. */
  const missing = new Map<string, number>();

  /** Reads the line-up (one read at a time); resolves to it, or undefined if it could not be read. */
  function read(): Promise<ReadonlySet<string> | undefined> {
    reading ??= (async () => {
      try {
        const ids = await directory.listModelIds();
        // A list without any of our models (empty, or another backend's naming) says nothing about them.
        if (!MODEL_ALIASES.some((alias) => catalogue[alias].candidates.some((m) => ids.has(m.id)))) {
          throw new Error(`the models list (${ids.size} models) names none of the catalogue's models`);
        }
        lineUp = { ids, readAt: now() };
        failedAt = undefined;
        log.info('read the Gemini model line-up', { served: MODEL_ALIASES.map((alias) => `${alias}: ${served(alias, ids)[0]?.id ?? 'none'}`).join(', ') });
        return ids;
      } catch (err) {
        failedAt = now();
        log.warn('could not read the Gemini model line-up; trying candidates in order', { error: err instanceof Error ? err.message : String(err) });
        return undefined;
      }
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  }

  /** The served ids, or undefined when unknown (the read failed recently). */
  async function servedIds(): Promise<ReadonlySet<string> | undefined> {
    const t = now();
    if (lineUp && t - lineUp.readAt < ttlMs) return lineUp.ids;
    if (lineUp) {
      void read(); // stale: serve it while a fresh one is read
      return lineUp.ids;
    }
    return failedAt === undefined || t - failedAt >= retryMs ? read() : undefined;
  }

  const isMissing = (id: string) => (missing.get(id) ?? 0) > now();

  function served(alias: ModelAlias, ids: ReadonlySet<string> | undefined): ImageModel[] {
    return catalogue[alias].candidates.filter((m) => !isMissing(m.id) && (ids === undefined || ids.has(m.id)));
  }

  return {
    async resolve(choice, fits) {
      const models = served(choice.alias, await servedIds());
      // A model the caller named is theirs, fitting or not; otherwise the options pick among the alias's models.
      const model = models.find((m) => m.id === choice.preferredId) ?? models.find((m) => fits?.(m) ?? true) ?? models[0];
      if (model) return model;
      const entry = catalogue[choice.alias];
      throw new AppError(
        'UNAVAILABLE',
        `No model for "${choice.alias}" is available: Gemini does not serve ${entry.candidates.map((m) => m.id).join(', ')} to this server ` +
          `(retired, or not enabled for its key). The server's administrator can set ${entry.envVar} to model ids that Gemini serves ` +
          '(comma-separated, best first).',
      );
    },
    reportMissing(id) {
      missing.set(id, now() + ttlMs);
      lineUp = undefined;
      failedAt = undefined;
      log.warn('Gemini answered NOT_FOUND for a model; reading the line-up again', { model: id });
    },
    async current() {
      const ids = await servedIds();
      return Object.fromEntries(MODEL_ALIASES.map((alias) => [alias, served(alias, ids)])) as Record<ModelAlias, ImageModel[]>;
    },
  };
}
