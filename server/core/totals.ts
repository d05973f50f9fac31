/** Per-user running totals, kept in step with the generation records. Pure. */
import type { ModelAlias } from './models.js';

export interface CountedGeneration {
  readonly email: string;
  readonly modelAlias: ModelAlias;
  readonly costUsd: number;
  readonly createdAt: string;
}

export interface UserTotals {
  readonly email: string;
  /** Images that exist now: deleting one lowers it. */
  readonly imageCount: number;
  /** Cumulative: deleting an image does not lower it. Includes `unrecordedCostUsd`. */
  readonly costUsd: number;
  /** By the model of each record (images that exist now, cumulative spend); spend without a record (below) is under no model. */
  readonly byModel: Readonly<Partial<Record<ModelAlias, { imageCount: number; costUsd: number }>>>;
  readonly lastGenerationAt?: string;
  /**
   * Spend that no record accounts for: the original server's ledger (spend.json) counted
   * images deleted before the import. Set by the import; absent when there is none.
   */
  readonly unrecordedCostUsd?: number;
}

/** Sums of prices drift in binary floating point; keep totals to a millionth of a dollar. */
export function addUsd(a: number, b: number): number {
  return Math.round((a + b) * 1e6) / 1e6;
}

export function emptyTotals(email: string): UserTotals {
  return { email, imageCount: 0, costUsd: 0, byModel: {} };
}

export function addGeneration(totals: UserTotals, generation: CountedGeneration): UserTotals {
  const model = totals.byModel[generation.modelAlias] ?? { imageCount: 0, costUsd: 0 };
  const last = totals.lastGenerationAt;
  return {
    ...totals,
    imageCount: totals.imageCount + 1,
    costUsd: addUsd(totals.costUsd, generation.costUsd),
    byModel: {
      ...totals.byModel,
      [generation.modelAlias]: { imageCount: model.imageCount + 1, costUsd: addUsd(model.costUsd, generation.costUsd) },
    },
    lastGenerationAt: last !== undefined && last > generation.createdAt ? last : generation.createdAt,
  };
}

/** The totals after an image was deleted: one image fewer (of its model too); the spend stays (it is cumulative). */
export function removeGeneration(totals: UserTotals, modelAlias: ModelAlias): UserTotals {
  const model = totals.byModel[modelAlias];
  return {
    ...totals,
    imageCount: Math.max(0, totals.imageCount - 1),
    byModel: model ? { ...totals.byModel, [modelAlias]: { ...model, imageCount: Math.max(0, model.imageCount - 1) } } : totals.byModel,
  };
}

/** The totals with `costUsd` as the spend no record accounts for (absolute: it replaces any earlier value). */
export function withUnrecordedSpend(totals: UserTotals, costUsd: number): UserTotals {
  const { unrecordedCostUsd: previous = 0, ...rest } = totals;
  const updated = { ...rest, costUsd: addUsd(totals.costUsd, costUsd - previous) };
  return costUsd > 0 ? { ...updated, unrecordedCostUsd: costUsd } : updated;
}
