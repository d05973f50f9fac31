/** The JSON the server's /api answers with (server/api/api-routes.ts). */

export type ModelAlias = 'flash' | 'pro' | 'lite';
export type ImageSize = '512' | '1K' | '2K' | '4K';

/** An alias as it runs now: the model Gemini serves for it, and that model's prices. */
export interface ModelChoice {
  readonly alias: ModelAlias;
  readonly id: string;
  readonly label: string;
  readonly useFor: string;
  /** False when Gemini serves none of the alias's models (id and label are then its first). */
  readonly available: boolean;
  /** Per image, for the sizes the model makes. */
  readonly pricesUsd: Readonly<Partial<Record<ImageSize, number>>>;
}

/** A user's monthly budget (a UTC calendar month). */
export interface Budget {
  /** The limit that applies: the user's own, else the deployment's default; null: no limit. */
  readonly limitUsd: number | null;
  /** Spent this month (finished images, and failures Gemini billed). */
  readonly spentUsd: number;
  /** Held by generations in progress. */
  readonly reservedUsd: number;
  /** `YYYY-MM`. */
  readonly month: string;
  /** ISO 8601: when the month's spend starts again from zero. */
  readonly resetsAt: string;
}

/** What an admin set for a user: USD, null (no limit), or 'default' (the deployment's default applies). */
export type BudgetSetting = number | null | 'default';

/** The body of PUT /api/users/{email}/budget (admins only); it answers the user's new Budget. */
export type BudgetUpdate = { readonly limitUsd: number | null } | { readonly default: true };

export interface Me {
  readonly email: string;
  readonly isAdmin: boolean;
  readonly defaultModel: ModelAlias;
  readonly models: readonly ModelChoice[];
  /** Where MCP clients connect (the Cloud Run URL, not the dashboard's). */
  readonly mcpUrl: string;
  readonly budget: Budget;
}

export interface CostRow {
  readonly email: string;
  readonly imageCount: number;
  readonly costUsd: number;
  readonly budget: Budget;
  /** Only in an admin's answer. */
  readonly budgetSetting?: BudgetSetting;
}

export interface Costs {
  readonly users: readonly CostRow[];
  readonly total: { readonly imageCount: number; readonly costUsd: number };
}

export interface Generation {
  readonly name: string;
  readonly email: string;
  readonly prompt: string;
  readonly createdAt: string;
  readonly modelAlias: ModelAlias;
  readonly modelId: string;
  readonly imageSize: ImageSize;
  readonly aspectRatio: string;
  readonly costUsd: number;
  readonly width?: number;
  readonly height?: number;
  readonly imageUrl: string;
  readonly thumbnailUrl: string;
}

export interface GenerationPage {
  readonly generations: readonly Generation[];
  readonly nextCursor?: string;
}

export interface UserUsage {
  readonly email: string;
  readonly imageCount: number;
  readonly costUsd: number;
  readonly byModel: Readonly<Partial<Record<ModelAlias, { readonly imageCount: number; readonly costUsd: number }>>>;
  readonly last30Days: { readonly imageCount: number; readonly costUsd: number };
  readonly lastGenerationAt?: string;
}

export interface Usage {
  readonly users: readonly UserUsage[];
  readonly daily: readonly { readonly day: string; readonly imageCount: number; readonly costUsd: number }[];
}
