/**
 * The JSON the dashboard API (/api, api-routes.ts) answers with: the one definition that both
 * the server and the dashboard (web/src/api/types.ts re-exports it) compile against. Types
 * only, and no imports, so the dashboard's bundle takes nothing else from the server.
 *
 * Money is US dollars as a number (rounded to a millionth). Two kinds of figure, labelled as
 * such wherever they show:
 * - spend (`spentUsd`, `costUsd` of a user or a month) is cumulative: deleting an image is
 *   not a refund, so it never goes down;
 * - counts of images (`imageCount`) are the images that exist now (deleted ones are gone).
 * Activity over time (`generatedCount` by day or month) counts generations as they happened.
 */

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

/** GET /api/me */
export interface Me {
  readonly email: string;
  readonly isAdmin: boolean;
  readonly defaultModel: ModelAlias;
  readonly models: readonly ModelChoice[];
  /** Where MCP clients connect (the Cloud Run URL, not the dashboard's). */
  readonly mcpUrl: string;
  readonly budget: Budget;
  /** The deployment's default monthly limit (IMG_MONTHLY_BUDGET_USD), null when there is none. */
  readonly defaultBudgetUsd: number | null;
}

/** Spend and generations in one UTC month. */
export interface MonthFigures {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Cumulative: what was spent that month, deleted images included. */
  readonly spentUsd: number;
  /** Generations finished that month (deleted ones included). */
  readonly generatedCount: number;
}

/** One user's row of GET /api/costs. */
export interface CostRow {
  readonly email: string;
  /** Images that exist now. */
  readonly imageCount: number;
  /** Cumulative spend since the first image: deleting is not a refund. */
  readonly costUsd: number;
  readonly budget: Budget;
  /** The last `months` months, oldest first, the current one last; quiet months included. */
  readonly months: readonly MonthFigures[];
  /** Only in an admin's answer. */
  readonly budgetSetting?: BudgetSetting;
}

/**
 * GET /api/costs[?months=1..24] (default 12): the caller's row, or for an admin every user with
 * spend and everyone on the allow-lists (so a budget can be set before the first image).
 */
export interface Costs {
  readonly users: readonly CostRow[];
  readonly total: { readonly imageCount: number; readonly costUsd: number };
  /** The months every row's `months` covers, oldest first. */
  readonly months: readonly string[];
}

/** What Gemini reported for one generation, in tokens (server/core/cost.ts keeps the same fields). */
export interface TokenUsage {
  /** Every input token: the text prompt and the reference images. */
  readonly promptTokens?: number;
  readonly promptTextTokens?: number;
  readonly promptImageTokens?: number;
  /** The answer's tokens, image and text; thinking is not among them. */
  readonly outputTokens?: number;
  readonly totalTokens?: number;
  readonly imageOutputTokens?: number;
  readonly textOutputTokens?: number;
  readonly thinkingTokens?: number;
}

/** An image used as a reference for another. */
export interface ReferenceView {
  readonly name: string;
  /** Absent when the reference has since been deleted. */
  readonly imageUrl?: string;
  readonly thumbnailUrl?: string;
}

/** One image: GET /api/generations pages, GET /api/generations/{name}. */
export interface Generation {
  readonly name: string;
  readonly email: string;
  /** Exactly as it was sent, line breaks included. */
  readonly prompt: string;
  readonly createdAt: string;
  readonly modelAlias: ModelAlias;
  readonly modelId: string;
  readonly imageSize: ImageSize;
  readonly aspectRatio: string;
  /** What Gemini billed for it (from the tokens it reported). */
  readonly costUsd: number;
  readonly usage: TokenUsage;
  readonly width?: number;
  readonly height?: number;
  readonly bytes?: number;
  readonly references: readonly ReferenceView[];
  /** Relative URLs: the dashboard, the API and the images share one origin. */
  readonly imageUrl: string;
  readonly thumbnailUrl: string;
  readonly downloadUrl: string;
  /** The public share page (`/v/{name}`): the image only, no prompt or price. */
  readonly shareUrl: string;
}

/** A generation that has a title but no image yet (or failed): shown in the gallery as such. */
export interface PendingGeneration {
  readonly name: string;
  readonly status: 'generating' | 'failed';
  readonly prompt: string;
  readonly modelAlias: ModelAlias;
  readonly imageSize: ImageSize;
  readonly aspectRatio: string;
  readonly startedAt: string;
  /** Failed: what the user is told. */
  readonly failure?: string;
}

/**
 * Filters of GET /api/generations and /api/generations/summary, as query parameters. Every
 * filter narrows; all of a user's images are searched, not only those loaded.
 */
export interface GenerationFilter {
  /** Words that must all appear in the prompt (case- and accent-insensitive), at most 200 characters. */
  readonly q?: string;
  readonly model?: ModelAlias;
  readonly size?: ImageSize;
  /** `YYYY-MM-DD` (UTC), inclusive. */
  readonly from?: string;
  /** `YYYY-MM-DD` (UTC), inclusive. */
  readonly to?: string;
}

/** GET /api/generations?user&limit&cursor&q&model&size&from&to */
export interface GenerationPage {
  /** Newest first. May hold fewer than `limit` while `nextCursor` is set (a search scans a bounded number of records per call). */
  readonly generations: readonly Generation[];
  readonly nextCursor?: string;
  /** On the first page without filters only: the user's generations in progress, and those failed in the last 24 hours, newest first. */
  readonly pending?: readonly PendingGeneration[];
}

/** GET /api/generations/summary?user&<filters>: the images that match, counted all at once. */
export interface GenerationSummary {
  /** Images that exist now and match. */
  readonly imageCount: number;
  /** What those images cost (a sum over them, not the cumulative spend). */
  readonly costUsd: number;
}

/** One user's row of GET /api/usage (admins). */
export interface UserUsage {
  readonly email: string;
  /** Images that exist now. */
  readonly imageCount: number;
  /** Cumulative. */
  readonly costUsd: number;
  /** By model: images that exist now, and cumulative spend. */
  readonly byModel: Readonly<Partial<Record<ModelAlias, { readonly imageCount: number; readonly costUsd: number }>>>;
  /** Generations in the last 30 days and what they cost: deleting one later changes neither. */
  readonly last30Days: { readonly generatedCount: number; readonly spentUsd: number };
  readonly lastGenerationAt?: string;
}

/** A day of activity: generations finished that day (UTC) and what was spent, deleted images included. */
export interface DailyActivity {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly generatedCount: number;
  readonly spentUsd: number;
}

/** GET /api/usage (admins) */
export interface Usage {
  readonly users: readonly UserUsage[];
  /** The last 14 days, today first, quiet days included. */
  readonly daily: readonly DailyActivity[];
}

/**
 * A photo the caller uploaded to use as a reference (`….ref.png`): not a generation, so it is
 * in no gallery, count or total, and costs nothing. Only its owner sees it, admins included.
 */
export interface Upload {
  /** What `reference_images` takes: `{32 hex}.ref.png`. */
  readonly title: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** The stored PNG (re-encoded, metadata removed), in pixels and bytes. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  /** What the uploaded file was, read from its bytes: `png`, `jpeg`, `webp` or `heic`. */
  readonly originalType: string;
  /** API path of its WebP thumbnail; needs the same `Authorization` header as every /api call. */
  readonly thumbnailPath: string;
}

/** GET /api/uploads: the caller's own uploads, newest first (every one: at most `maxUploads`). */
export interface UploadList {
  readonly uploads: readonly Upload[];
  /** How many one user may keep; uploading more is refused until some are deleted. */
  readonly maxUploads: number;
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
}

/** Every error: `{ error: 'invalid_argument' | 'permission_denied' | …, message }`; the message is written for people. */
export interface ApiErrorBody {
  readonly error: string;
  readonly message: string;
}
