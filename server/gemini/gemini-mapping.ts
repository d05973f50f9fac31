/**
 * Pure translation between our image requests and Gemini's generateContent: parameters out,
 * answers and failures back in as GeneratedImage or AppError. No I/O, so every branch is
 * unit-tested without a server.
 */
import type { GenerateContentParameters } from '@google/genai';
import { hasTokenCounts } from '../core/cost.js';
import { AppError, type ErrorStatus } from '../errors.js';
import { BilledFailureError, type GeneratedImage, type ImageRequest, type TokenUsage } from './image-generator.js';

/**
 * TEXT+IMAGE is what every Gemini image model accepts and documents as its default; it also
 * lets the model explain a refusal, which we pass on to the user.
 */
export const RESPONSE_MODALITIES = ['TEXT', 'IMAGE'];

const MAX_MODEL_TEXT_CHARS = 500;
const MAX_UPSTREAM_MESSAGE_CHARS = 300;

export function buildGenerateContentParams(request: ImageRequest): GenerateContentParameters {
  return {
    model: request.modelId,
    contents: [
      {
        role: 'user',
        parts: [
          { text: request.prompt },
          ...request.references.map((ref) => ({ inlineData: { mimeType: ref.mimeType, data: ref.data.toString('base64') } })),
        ],
      },
    ],
    config: {
      responseModalities: RESPONSE_MODALITIES,
      imageConfig: { aspectRatio: request.aspectRatio, imageSize: request.imageSize },
    },
  };
}

/** The parts of a GenerateContentResponse we read; the SDK's class fits it, and so do plain objects in tests. */
export interface GeminiAnswer {
  readonly candidates?: readonly GeminiCandidate[];
  readonly promptFeedback?: { readonly blockReason?: string; readonly blockReasonMessage?: string };
  readonly usageMetadata?: {
    readonly promptTokenCount?: number;
    readonly promptTokensDetails?: readonly ModalityTokenCount[];
    readonly candidatesTokenCount?: number;
    readonly candidatesTokensDetails?: readonly ModalityTokenCount[];
    readonly thoughtsTokenCount?: number;
    readonly totalTokenCount?: number;
  };
}

/** One modality's share of a token count (the SDK's ModalityTokenCount: TEXT, IMAGE, …). */
interface ModalityTokenCount {
  readonly modality?: string;
  readonly tokenCount?: number;
}

interface GeminiCandidate {
  readonly content?: { readonly parts?: readonly GeminiPart[] };
  readonly finishReason?: string;
  readonly finishMessage?: string;
  readonly safetyRatings?: readonly { readonly category?: string; readonly blocked?: boolean }[];
}

interface GeminiPart {
  readonly text?: string;
  readonly thought?: boolean;
  readonly inlineData?: { readonly mimeType?: string; readonly data?: string };
}

/** Why Gemini blocked a prompt (promptFeedback.blockReason), in words a user can act on. */
const PROMPT_BLOCK_REASONS: Readonly<Record<string, string>> = {
  SAFETY: 'it tripped the safety filters',
  OTHER: 'of a policy Gemini did not name',
  BLOCKLIST: 'it contained blocked terms',
  PROHIBITED_CONTENT: 'it looked like prohibited content',
  IMAGE_SAFETY: 'the reference images or the image asked for tripped the image safety filters',
  MODEL_ARMOR: 'a content policy filter (Model Armor) stopped it',
  JAILBREAK: 'it looked like an attempt to get around the safety rules',
};

/**
 * What each finish reason of a candidate without an image means. `withheld`: Gemini made
 * something and a filter stopped it; `no-image`: the model did not draw; `account`: Gemini
 * refuses this server's account; `upstream`: Gemini's answer was broken. Unknown reasons are
 * reported as "no image" with the reason's name.
 */
const FINISH_REASONS: Readonly<Record<string, { kind: 'withheld' | 'no-image' | 'account' | 'upstream'; why: string }>> = {
  SAFETY: { kind: 'withheld', why: 'it tripped the safety filters' },
  IMAGE_SAFETY: { kind: 'withheld', why: 'the image tripped the image safety filters' },
  PROHIBITED_CONTENT: { kind: 'withheld', why: 'it looked like prohibited content' },
  IMAGE_PROHIBITED_CONTENT: { kind: 'withheld', why: 'the image looked like prohibited content' },
  BLOCKLIST: { kind: 'withheld', why: 'it contained blocked terms' },
  SPII: { kind: 'withheld', why: 'it seemed to contain sensitive personal information' },
  RECITATION: { kind: 'withheld', why: 'it was too close to existing (possibly copyrighted) material' },
  IMAGE_RECITATION: { kind: 'withheld', why: 'the image was too close to existing (possibly copyrighted) material' },
  MODEL_ARMOR: { kind: 'withheld', why: 'a content policy filter (Model Armor) stopped it' },
  ESCALATION: { kind: 'withheld', why: 'a content rule stopped it' },
  IMAGE_OTHER: { kind: 'no-image', why: 'image generation stopped for a reason Gemini did not name' },
  NO_IMAGE: { kind: 'no-image', why: 'the model answered without drawing an image' },
  OTHER: { kind: 'no-image', why: 'it stopped for a reason Gemini did not name' },
  STOP: { kind: 'no-image', why: 'the model answered with text only' },
  MAX_TOKENS: { kind: 'no-image', why: 'the answer reached its length limit before an image' },
  LANGUAGE: { kind: 'no-image', why: "the prompt's language is not supported" },
  MALFORMED_FUNCTION_CALL: { kind: 'no-image', why: 'the model tried to call a tool instead of drawing' },
  UNEXPECTED_TOOL_CALL: { kind: 'no-image', why: 'the model tried to call a tool instead of drawing' },
  TOO_MANY_TOOL_CALLS: { kind: 'no-image', why: 'the model tried to call tools instead of drawing' },
  PUP_LIMITED_DISABLED: { kind: 'account', why: "Gemini has limited or disabled this server's account (Prohibited Use Policy)" },
  MALFORMED_RESPONSE: { kind: 'upstream', why: 'Gemini sent a malformed answer' },
  MISSING_THOUGHT_SIGNATURE: { kind: 'upstream', why: 'Gemini refused the request format' },
};

const REPHRASE = 'Rephrase the prompt (or use different reference images) and try again.';
const NOT_CHARGED = 'Nothing was stored or added to your spend.';
// An answer without an image for other reasons (text only, NO_IMAGE) is billed for what Gemini
// read and thought; the caller records that. Safety blocks are not: Google waives them (its
// finish messages say "You will not be charged for this request"), so they cost nothing here.
const TOKENS_CHARGED = 'Nothing was stored; Gemini still billed the tokens it processed (a fraction of an image), which count toward your spend.';

/**
 * The image in Gemini's answer (the last one that is not a thought), or an AppError saying why
 * there is none: a BilledFailureError carrying the usage when the answer reports billed tokens.
 */
export function interpretResponse(answer: GeminiAnswer): GeneratedImage {
  const usage = toTokenUsage(answer.usageMetadata);
  const billed = hasTokenCounts(usage);
  const charged = billed ? TOKENS_CHARGED : NOT_CHARGED;
  const failure = (status: ErrorStatus, message: string): AppError => (billed ? new BilledFailureError(status, message, usage) : new AppError(status, message));

  const feedback = answer.promptFeedback;
  if (feedback?.blockReason) {
    const detail = feedback.blockReasonMessage ? ` ${cap(feedback.blockReasonMessage, MAX_UPSTREAM_MESSAGE_CHARS)}` : '';
    const why = PROMPT_BLOCK_REASONS[feedback.blockReason];
    throw new AppError('INVALID_ARGUMENT', `Gemini blocked the prompt (${feedback.blockReason}${why ? `: ${why}` : ''}).${detail} ${NOT_CHARGED} ${REPHRASE}`);
  }

  const candidates = answer.candidates ?? [];
  const withheld = candidates.find((c) => c.finishReason !== undefined && FINISH_REASONS[c.finishReason]?.kind === 'withheld');
  if (withheld?.finishReason) {
    const categories = (withheld.safetyRatings ?? []).filter((r) => r.blocked && r.category).map((r) => r.category);
    const flagged = categories.length ? `; flagged: ${categories.join(', ')}` : '';
    throw new AppError(
      'INVALID_ARGUMENT',
      `Gemini withheld the image (${withheld.finishReason}: ${FINISH_REASONS[withheld.finishReason]?.why ?? ''}${flagged}). ${NOT_CHARGED} ${REPHRASE}`,
    );
  }

  // Thought parts are the model's interim drafts and notes, not its answer; the last image is the final one.
  const parts = candidates.flatMap((c) => c.content?.parts ?? []).filter((p) => !p.thought);
  const text = parts.map((p) => p.text?.trim() ?? '').filter(Boolean).join('\n') || undefined;
  const imagePart = parts.findLast((p) => p.inlineData?.mimeType?.startsWith('image/') && p.inlineData.data);
  if (!imagePart?.inlineData?.data || !imagePart.inlineData.mimeType) {
    const { status, message } = noImage(candidates[0]?.finishReason, text, charged);
    throw failure(status, message);
  }

  return {
    mimeType: imagePart.inlineData.mimeType,
    data: Buffer.from(imagePart.inlineData.data, 'base64'),
    ...(text ? { text } : {}),
    usage,
  };
}

function noImage(finishReason: string | undefined, text: string | undefined, charged: string): { status: ErrorStatus; message: string } {
  const meaning = finishReason ? FINISH_REASONS[finishReason] : undefined;
  const reason = finishReason ? ` (${finishReason}${meaning ? `: ${meaning.why}` : ''})` : '';
  if (meaning?.kind === 'account') {
    return { status: 'INTERNAL', message: `${meaning.why}. This is not about your request; please tell the administrator of this server.` };
  }
  if (meaning?.kind === 'upstream') {
    return { status: 'UNAVAILABLE', message: `Gemini returned no image${reason}. ${charged} Try again in a minute.` };
  }
  // INVALID_ARGUMENT, not UNAVAILABLE: the model answered and declined this request as
  // phrased; an unchanged retry is billed again and usually declines again.
  const said = text ? ` It said: "${cap(text, MAX_MODEL_TEXT_CHARS)}"` : ' It gave no explanation.';
  return { status: 'INVALID_ARGUMENT', message: `Gemini returned no image${reason}.${said} ${charged} ${REPHRASE}` };
}

/**
 * Gemini's usageMetadata as TokenUsage, split the way it is billed. Without a per-modality
 * breakdown, every prompt token counts as text, and every output token not reported as image.
 */
export function toTokenUsage(usage: GeminiAnswer['usageMetadata']): TokenUsage {
  if (!usage) return {};
  const promptDetails = usage.promptTokensDetails?.length ? usage.promptTokensDetails : undefined;
  const outputDetails = usage.candidatesTokensDetails?.length ? usage.candidatesTokensDetails : undefined;
  // Gemini treats an unspecified modality as text; we send no audio, video or documents.
  const promptImage = promptDetails ? tokensOf(promptDetails, (m) => m === 'IMAGE') : undefined;
  const promptText = promptDetails ? tokensOf(promptDetails, (m) => m !== 'IMAGE') : usage.promptTokenCount;
  const imageOutput = outputDetails?.some((d) => d.modality === 'IMAGE') ? tokensOf(outputDetails, (m) => m === 'IMAGE') : undefined;
  const textOutput = outputDetails ? tokensOf(outputDetails, (m) => m !== 'IMAGE') : usage.candidatesTokenCount;
  return {
    ...(usage.promptTokenCount !== undefined ? { promptTokens: usage.promptTokenCount } : {}),
    ...(promptText !== undefined ? { promptTextTokens: promptText } : {}),
    ...(promptImage !== undefined ? { promptImageTokens: promptImage } : {}),
    ...(usage.candidatesTokenCount !== undefined ? { outputTokens: usage.candidatesTokenCount } : {}),
    ...(usage.totalTokenCount !== undefined ? { totalTokens: usage.totalTokenCount } : {}),
    ...(imageOutput !== undefined ? { imageOutputTokens: imageOutput } : {}),
    ...(textOutput !== undefined ? { textOutputTokens: textOutput } : {}),
    ...(usage.thoughtsTokenCount !== undefined ? { thinkingTokens: usage.thoughtsTokenCount } : {}),
  };
}

function tokensOf(details: readonly ModalityTokenCount[], modality: (name: string | undefined) => boolean): number {
  return details.filter((d) => modality(d.modality)).reduce((sum, d) => sum + (d.tokenCount ?? 0), 0);
}

export interface ErrorContext {
  readonly modelId: string;
  readonly timeoutMs: number;
  /** Scrubbed from any upstream text we pass on. */
  readonly apiKey?: string;
}

const KEY_REFUSED =
  "Gemini refused the server's API key. This is a server configuration problem, not something in your request; " +
  'please tell the administrator of this server.';

/** Any failure of a Gemini call as an AppError with a message a user can act on. */
export function mapGeminiError(err: unknown, context: ErrorContext): AppError {
  if (err instanceof AppError) return err;
  if (isAbort(err)) {
    return new AppError(
      'DEADLINE_EXCEEDED',
      `Gemini did not answer within ${Math.round(context.timeoutMs / 1000)} s. It may be busy; try again, perhaps with a smaller image size.`,
      { cause: err },
    );
  }
  if (isApiError(err)) {
    const body = parseErrorBody(err.message);
    const detail = safeUpstreamMessage(body.message, context.apiKey);
    const status = err.status;
    if (status === 401 || status === 403 || body.reason === 'API_KEY_INVALID') return new AppError('INTERNAL', KEY_REFUSED, { cause: err });
    if (status === 404) {
      // Not NOT_FOUND: the caller chose a valid model; Gemini no longer serves it (the
      // generation moves to the next candidate, see generation/model-resolver.ts).
      return new AppError('UNAVAILABLE', `Gemini does not serve the model "${cap(context.modelId, 100)}" (retired, or not enabled for this server).`, { cause: err });
    }
    if (status === 429) {
      const delayMs = retryDelayMsFromBody(body);
      const when = delayMs === undefined ? 'in a minute' : `in ${Math.ceil(delayMs / 1000)} s`;
      return new AppError('RESOURCE_EXHAUSTED', `Gemini's quota or rate limit was reached; try again ${when}.`, { cause: err });
    }
    if (status >= 500 || status === 408) {
      const said = detail ? ` Gemini said: ${detail}` : '';
      return new AppError('UNAVAILABLE', `Gemini is temporarily unavailable (HTTP ${status}).${said} Try again in a minute.`, { cause: err });
    }
    return new AppError('INVALID_ARGUMENT', `Gemini rejected the request: ${detail || `HTTP ${status}`}`, { cause: err });
  }
  const network = networkErrorCode(err);
  if (network) {
    return new AppError('UNAVAILABLE', `Could not reach Gemini (network error: ${network}). Try again in a minute.`, { cause: err });
  }
  if (err instanceof SyntaxError) {
    return new AppError('UNAVAILABLE', 'Gemini sent an answer that could not be read. Try again in a minute.', { cause: err });
  }
  return new AppError('INTERNAL', 'Something went wrong while calling Gemini. Please try again.', { cause: err });
}

/** A failed attempt as plain data (it crosses from the Gemini thread): what the retry loop, the log and the caller need. */
export interface AttemptFailure {
  readonly status: ErrorStatus;
  readonly publicMessage: string;
  /** Gemini answered and declined this request as phrased (safety block, no image): not an upstream failure. */
  readonly declined: boolean;
  /** Gemini does not serve the model (HTTP 404): another candidate may. */
  readonly modelUnavailable: boolean;
  readonly retryable: boolean;
  /** The delay Gemini asked for before a retry, if it did. */
  readonly retryDelayMs?: number;
  /** Gemini's HTTP status, when it answered with an error. */
  readonly httpStatus?: number;
  /** Why a retry would be needed, in words for the user. */
  readonly retryReason: string;
  /** Gemini answered without an image and billed these tokens for it (see BilledFailureError). */
  readonly usage?: TokenUsage;
}

export function describeFailure(err: unknown, context: ErrorContext): AttemptFailure {
  const { status, publicMessage } = mapGeminiError(err, context);
  const retryDelayMs = retryDelayMsFromError(err);
  return {
    status,
    publicMessage,
    declined: err instanceof AppError,
    modelUnavailable: isApiError(err) && err.status === 404,
    retryable: isRetryable(err),
    ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
    ...(isApiError(err) ? { httpStatus: err.status } : {}),
    retryReason: retryReason(err),
    ...(err instanceof BilledFailureError ? { usage: err.usage } : {}),
  };
}

/** A short, user-presentable reason for a retry. */
function retryReason(err: unknown): string {
  if (!isApiError(err)) return 'Gemini could not be reached';
  return err.status === 429 ? 'Gemini is rate-limiting requests (HTTP 429)' : `Gemini is temporarily unavailable (HTTP ${err.status})`;
}

/**
 * Whether an unchanged retry may succeed and is unlikely to be billed twice: rate limits,
 * server errors and network failures. Not timeouts (the generation may still be running and
 * billed), not other 4xx (the same request fails the same way).
 */
export function isRetryable(err: unknown): boolean {
  if (isApiError(err)) return [429, 500, 502, 503, 504].includes(err.status);
  return !isAbort(err) && networkErrorCode(err) !== undefined;
}

/** The delay Gemini asked for (google.rpc.RetryInfo in its error body), in ms. */
export function retryDelayMsFromError(err: unknown): number | undefined {
  return isApiError(err) ? retryDelayMsFromBody(parseErrorBody(err.message)) : undefined;
}

interface ErrorBody {
  message?: string;
  reason?: string;
  retryDelay?: string;
}

/** The SDK puts Gemini's JSON error body, stringified, in ApiError.message. */
function parseErrorBody(message: string): ErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { message };
  }
  const error = (parsed as { error?: { message?: unknown; details?: unknown } } | null)?.error;
  const details = Array.isArray(error?.details) ? (error.details as Record<string, unknown>[]) : [];
  const find = (key: string) => details.map((d) => d?.[key]).find((v): v is string => typeof v === 'string');
  return {
    ...(typeof error?.message === 'string' ? { message: error.message } : {}),
    ...(find('reason') ? { reason: find('reason') } : {}),
    ...(find('retryDelay') ? { retryDelay: find('retryDelay') } : {}),
  };
}

function retryDelayMsFromBody(body: ErrorBody): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(body.retryDelay ?? '');
  return match?.[1] ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Upstream text trimmed to a sentence or two, with keys removed and HTML pages dropped. */
function safeUpstreamMessage(message: string | undefined, apiKey: string | undefined): string {
  if (!message || /^\s*</.test(message)) return '';
  let text = message.replace(/\s+/g, ' ').trim();
  if (apiKey) text = text.split(apiKey).join('[redacted]');
  text = text.replace(/AIza[0-9A-Za-z_-]{20,}/g, '[redacted]');
  return cap(text, MAX_UPSTREAM_MESSAGE_CHARS);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** undici reports network failures as TypeError('fetch failed') with the system code on `cause`. */
function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return err instanceof TypeError && err.message === 'fetch failed' ? 'fetch failed' : undefined;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The SDK's ApiError (an HTTP error answer from Gemini), recognised by shape, so that this
 * module does not load the SDK (only the Gemini thread does).
 */
export function isApiError(err: unknown): err is Error & { readonly status: number } {
  return err instanceof Error && err.name === 'ApiError' && typeof (err as { status?: unknown }).status === 'number';
}
