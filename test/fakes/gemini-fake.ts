/**
 * A local stand-in for the Gemini API as Google serves it on 2026-11-30, speaking its REST
 * protocol so tests exercise the real @google/genai client, on either API version (`/v1/`,
 * the SDK 3.x default, or `/v1beta/`):
 *   - Gemini API, key in `x-goog-api-key`: `GET /{v}/models`, `GET /{v}/models/{id}`,
 *     `POST /{v}/models/{id}:generateContent`;
 *   - Vertex AI, OAuth access token: `GET /{v}/publishers/google/models[/{id}]` (also under
 *     `projects/{p}/locations/{l}/`) and
 *     `POST /{v}/projects/{p}/locations/{l}/publishers/google/models/{id}:generateContent`.
 * It serves the line-up in gemini-lineup.ts (models can be retired while it runs), refuses
 * what each model refuses, answers with a real PNG sized like Gemini's output and today's
 * usageMetadata (on blocked answers too: Google bills their prompt tokens), and can be told to
 * fail the way Gemini fails or to report other token counts.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import {
  answerUsage,
  drawsImages,
  FAKE_LINEUP,
  overriddenUsage,
  promptUsage,
  refusal,
  textTokens,
  toGeminiModel,
  toPublisherModel,
  type FakeModel,
  type FakeUsage,
  type FakeUsageOverride,
} from './gemini-lineup.js';

export { FAKE_LINEUP, FAKE_RETIRED_IDS, type FakeModel, type FakePromptUsage, type FakeUsage, type FakeUsageOverride, type TokenCount } from './gemini-lineup.js';

export type GeminiFault =
  /** An error status with Gemini's JSON error body. `retryAfterSeconds` adds RetryInfo (as Gemini's 429s do) and a Retry-After header. */
  | { kind: 'http'; status: 400 | 403 | 404 | 429 | 500 | 502 | 503 | 504; message?: string; retryAfterSeconds?: number }
  /** Never answer; `midBody` sends the headers and half a body first. Ends when the client aborts or the fake closes. */
  | { kind: 'timeout'; midBody?: boolean }
  /** Answer normally after `ms`. */
  | { kind: 'delay'; ms: number }
  | { kind: 'prompt-blocked'; reason?: string; message?: string }
  /** A candidate with no parts and this finish reason (default IMAGE_SAFETY; also IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION, IMAGE_OTHER, PROHIBITED_CONTENT, SPII, …). */
  | { kind: 'image-safety'; finishReason?: string; finishMessage?: string }
  /** Text but no image, with this finish reason (default STOP; Gemini also sends NO_IMAGE, IMAGE_OTHER). */
  | { kind: 'no-image'; text?: string; finishReason?: string }
  | { kind: 'malformed'; variant?: 'invalid-json' | 'empty-candidates' }
  /** Drop the connection without answering. */
  | { kind: 'network' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The model id from the path, without `models/`. */
  readonly model: string;
  readonly body: GeminiRequestBody;
  /** Lower-cased, without `x-goog-api-key`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly apiKeyMatched: boolean;
  /** Set for Vertex AI requests: where they went and whether they carried the expected access token. */
  readonly vertex?: { readonly project: string; readonly location: string; readonly tokenMatched: boolean };
  /** True when the connection closed before the answer was complete (e.g. the client aborted). */
  closedBeforeAnswer: boolean;
  /** What the fake answered with, when it answered with an image. */
  answer?: { width: number; height: number; usage: FakeUsage };
}

/** A models.get or models.list request, on either backend. */
export interface ModelLookup {
  readonly method: string;
  readonly path: string;
  /** The id asked for (get only). */
  readonly model?: string;
}

export interface GeminiRequestBody {
  contents?: { role?: string; parts?: { text?: string; inlineData?: { mimeType?: string; data?: string } }[] }[];
  generationConfig?: { responseModalities?: string[]; imageConfig?: { aspectRatio?: string; imageSize?: string } };
  [key: string]: unknown;
}

export interface GeminiFakeOptions {
  /** The key the fake accepts; any other gets Gemini's 400 API_KEY_INVALID. */
  apiKey?: string;
  /** The models served; default FAKE_LINEUP. */
  models?: readonly FakeModel[];
  /** Random pixels, so PNGs have realistic sizes (slower). */
  noisy?: boolean;
  /** Render one image per shape and answer every later request for that shape with it (for the benchmark: answers cost nothing). */
  reuseImages?: boolean;
  /** Hold every answer this long, like Gemini thinking. */
  delayMs?: number;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
}

export interface GeminiFake {
  /** Base URL to pass as `httpOptions.baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  /** The OAuth access token Vertex AI requests must carry (`Authorization: Bearer …`). */
  readonly vertexAccessToken: string;
  /**
   * Credentials for google-auth-library, standing in for the service identity: a refresh
   * token this fake's `/token` endpoint exchanges for `vertexAccessToken`; any other refresh
   * token gets an access token Vertex refuses.
   */
  vertexCredentials(refreshToken?: string): { credentials: Record<string, string>; clientOptions: { endpoints: { oauth2TokenUrl: string } } };
  /** generateContent requests, in order. */
  readonly requests: RecordedRequest[];
  /** models.get and models.list requests, in order. */
  readonly lookups: ModelLookup[];
  /**
   * Answer the next `count` generateContent requests with `fault`; faults queue up in order.
   * Lookups never take a fault, nor do requests Gemini refuses anyway (bad key, unknown model, 400).
   */
  failNext(fault: GeminiFault, count?: number): void;
  /**
   * The next answer with an image reports exactly these token counts instead of the model's
   * own, counts left out being zero: `{ imageOutputTokens: 3000 }` on Nano Banana 2 costs $0.18.
   */
  nextUsage(override: FakeUsageOverride): void;
  /** Stop serving a model of the line-up (get, list and generateContent answer as for an unknown id). Throws for an id not in the line-up. */
  retire(id: string): void;
  /** Serve a retired model of the line-up again. */
  restore(id: string): void;
  /** Forget requests, lookups, faults and usage overrides; serve the whole line-up again. */
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_API_KEY = 'fake-gemini-key-AIzaSyTEST0000000000000000000000000';
const VERTEX_ACCESS_TOKEN = 'ya29.fake-vertex-access-token';
const VERTEX_REFRESH_TOKEN = '1//fake-service-identity-refresh-token';
const IMAGE_SLOT = 'IMAGE-DATA-GOES-HERE';
const IMAGE_TEXT = 'Here is your image.';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

const LONG_SIDE: Record<string, number> = { '512': 512, '1K': 1024, '2K': 2048, '4K': 4096 };
const STATUS_NAMES: Record<number, [string, string]> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Not found.'],
  429: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
  500: ['INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
  502: ['UNAVAILABLE', 'Bad Gateway'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'],
};

/** Pixel size Gemini would produce: the longest side follows imageSize, the other the aspect ratio. */
export function expectedDimensions(aspectRatio = '1:1', imageSize = '1K'): { width: number; height: number } {
  const long = LONG_SIDE[imageSize] ?? 1024;
  const [w = 1, h = 1] = aspectRatio.split(':').map(Number);
  return w >= h ? { width: long, height: Math.round((long * h) / w) } : { width: Math.round((long * w) / h), height: long };
}

/** Where a request goes: which backend, API version, resource and model. */
interface Route {
  readonly backend: 'gemini' | 'vertex';
  readonly version: string;
  readonly action: 'list' | 'get' | 'generateContent';
  readonly modelId?: string;
  readonly project?: string;
  readonly location?: string;
}

const ID = '([^/:]+)';
const VERTEX_SCOPE = '(?:projects/([^/]+)/locations/([^/]+)/)?publishers/google/models';

function routeOf(path: string): Route | undefined {
  const decode = (id: string | undefined) => (id === undefined ? undefined : decodeURIComponent(id));
  let m = new RegExp(`^/(v1|v1beta)/models(?:/${ID}(:generateContent)?)?$`).exec(path);
  if (m?.[1]) {
    const action = m[3] ? 'generateContent' : m[2] ? 'get' : 'list';
    return { backend: 'gemini', version: m[1], action, ...(m[2] ? { modelId: decode(m[2]) } : {}) };
  }
  m = new RegExp(`^/(v1|v1beta1)/${VERTEX_SCOPE}(?:/${ID}(:generateContent)?)?$`).exec(path);
  if (m?.[1]) {
    const action = m[5] ? 'generateContent' : m[4] ? 'get' : 'list';
    if (action === 'generateContent' && !m[2]) return undefined; // generation needs a project and location
    const scope = m[2] ? { project: decode(m[2]), location: decode(m[3]) } : {};
    return { backend: 'vertex', version: m[1], action, ...scope, ...(m[4] ? { modelId: decode(m[4]) } : {}) };
  }
  return undefined;
}

function notFoundMessage(route: Route, modelId: string): string {
  if (route.backend === 'gemini') {
    const method = route.action === 'get' ? 'getModel' : 'generateContent';
    return `models/${modelId} is not found for API version ${route.version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`;
  }
  const scope = route.project ? `projects/${route.project}/locations/${route.location}/` : '';
  return `Publisher Model \`${scope}publishers/google/models/${modelId}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`;
}

/** One page of `items`, as Google pages lists: an opaque token, AIP-158 sizes. */
function pageOf<T>(items: readonly T[], query: URLSearchParams): { page: T[]; nextPageToken?: string } | { error: string } {
  const sizeParam = query.get('pageSize');
  if (sizeParam !== null && !/^-?\d+$/.test(sizeParam)) return { error: `Invalid value at 'page_size' (TYPE_INT32), "${sizeParam}"` };
  const requested = Number(sizeParam ?? 0);
  if (requested < 0) return { error: 'page_size must not be negative.' };
  const size = Math.min(requested || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  let offset = 0;
  const token = query.get('pageToken');
  if (token) {
    const decoded = /^fake-page:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded?.[1]) return { error: 'Invalid page token.' };
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextPageToken: Buffer.from(`fake-page:${next}`).toString('base64url') } : { page };
}

export async function startGeminiFake(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const lineup = options.models ?? FAKE_LINEUP;
  const retired = new Set<string>();
  const requests: RecordedRequest[] = [];
  const lookups: ModelLookup[] = [];
  let faults: GeminiFault[] = [];
  let usageOverride: FakeUsageOverride | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const served = () => lineup.filter((m) => !retired.has(m.id));
  const servedModel = (id: string) => served().find((m) => m.id === id);
  const inLineup = (id: string) => {
    if (!lineup.some((m) => m.id === id)) throw new Error(`${id} is not in the fake's line-up`);
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: ServerResponse, code: number, message: string, status: string, details?: unknown[], headers?: Record<string, string>) =>
    sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } }, headers);

  /** Checks the caller's credential as Gemini or Vertex would; answers and returns false when it fails. */
  const authorised = (req: IncomingMessage, res: ServerResponse, route: Route): boolean => {
    if (route.backend === 'vertex') {
      if (req.headers.authorization === `Bearer ${VERTEX_ACCESS_TOKEN}`) return true;
      sendError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'UNAUTHENTICATED');
      return false;
    }
    if (req.headers['x-goog-api-key'] === apiKey) return true;
    // Gemini answers a bad key with 400, not 401/403.
    sendError(res, 400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]);
    return false;
  };

  const rendered = new Map<string, Promise<Buffer>>();
  /** The PNG in base64 (as ASCII bytes), as Gemini sends it. */
  const pngFor = (width: number, height: number): Promise<Buffer> => {
    const render = async () => Buffer.from((await renderPng(width, height, requests.length, options.noisy ?? false)).toString('base64'), 'latin1');
    if (!options.reuseImages) return render();
    const key = `${width}x${height}`;
    const cached = rendered.get(key) ?? render();
    rendered.set(key, cached);
    return cached;
  };
  // Thinking models sign their parts; clients must pass the signature back in multi-turn edits.
  const signed = (model: FakeModel, part: object) => (model.thinking ? { ...part, thoughtSignature: Buffer.from(`fake-signature-${requests.length}`).toString('base64') } : part);

  const answerModel = async (res: ServerResponse, record: RecordedRequest, model: FakeModel) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (!drawsImages(model)) {
      const text = 'This is the fake Gemini.';
      return sendJson(res, 200, {
        candidates: [{ content: { role: 'model', parts: [signed(model, { text })] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: answerUsage(model, record.body, { text: textTokens(text) }),
        modelVersion: model.id,
        responseId: `fake-${requests.length}`,
      });
    }
    const imageConfig = record.body.generationConfig?.imageConfig ?? {};
    const { width, height } = expectedDimensions(imageConfig.aspectRatio, imageConfig.imageSize);
    const png = await pngFor(width, height);
    const imageTokens = model.imageOutputTokens[imageConfig.imageSize ?? '1K'] ?? 1120;
    const usage = usageOverride ? overriddenUsage(model, usageOverride) : answerUsage(model, record.body, { image: imageTokens, text: textTokens(IMAGE_TEXT) });
    usageOverride = undefined;
    record.answer = { width, height, usage };
    // The image goes in as bytes around the rest of the JSON: no multi-megabyte string to serialise.
    const [head, tail] = JSON.stringify({
      candidates: [
        {
          content: { role: 'model', parts: [signed(model, { text: IMAGE_TEXT }), signed(model, { inlineData: { mimeType: 'image/png', data: IMAGE_SLOT } })] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: usage,
      modelVersion: model.id,
      responseId: `fake-${requests.length}`,
    }).split(IMAGE_SLOT) as [string, string];
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(head) + png.length + Buffer.byteLength(tail) });
    res.write(head);
    res.write(png);
    res.end(tail);
  };

  const answerFault = (req: IncomingMessage, res: ServerResponse, record: RecordedRequest, route: Route, model: FakeModel, fault: GeminiFault) => {
    const blockedUsage = promptUsage(model, record.body);
    switch (fault.kind) {
      case 'http': {
        const [status, defaultMessage] = STATUS_NAMES[fault.status] ?? ['UNKNOWN', 'Error'];
        const message = fault.message ?? (fault.status === 404 ? notFoundMessage(route, record.model) : defaultMessage);
        const retry = fault.retryAfterSeconds;
        if (retry === undefined) return sendError(res, fault.status, message, status);
        const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retry}s` };
        return sendError(res, fault.status, message, status, [retryInfo], { 'retry-after': String(retry) });
      }
      case 'timeout':
        if (fault.midBody) {
          res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
          res.write('{"candidates": [{"content": {"parts": [');
        }
        return; // hang until the client aborts or close() destroys the socket
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) void answerModel(res, record, model);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'prompt-blocked':
        return sendJson(res, 200, {
          promptFeedback: { blockReason: fault.reason ?? 'SAFETY', ...(fault.message ? { blockReasonMessage: fault.message } : {}) },
          usageMetadata: blockedUsage,
          modelVersion: model.id,
        });
      case 'image-safety': {
        const finishReason = fault.finishReason ?? 'IMAGE_SAFETY';
        // Only safety blocks come with ratings; prohibited content, recitation and SPII do not.
        const ratings = /SAFETY$/.test(finishReason)
          ? [
              { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'HIGH', blocked: true },
              { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
            ]
          : undefined;
        return sendJson(res, 200, {
          candidates: [
            {
              content: { role: 'model', parts: [] },
              finishReason,
              ...(fault.finishMessage ? { finishMessage: fault.finishMessage } : {}),
              ...(ratings ? { safetyRatings: ratings } : {}),
              index: 0,
            },
          ],
          usageMetadata: blockedUsage,
          modelVersion: model.id,
        });
      }
      case 'no-image': {
        const text = fault.text ?? "I can't draw that.";
        return sendJson(res, 200, {
          candidates: [{ content: { role: 'model', parts: [signed(model, { text })] }, finishReason: fault.finishReason ?? 'STOP', index: 0 }],
          usageMetadata: answerUsage(model, record.body, { text: textTokens(text) }),
          modelVersion: model.id,
        });
      }
      case 'malformed':
        if (fault.variant === 'empty-candidates') return sendJson(res, 200, { candidates: [], usageMetadata: blockedUsage });
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        return res.end('{"candidates": [{"content": ');
      case 'network':
        req.socket.destroy();
        return;
    }
  };

  const answerLookup = (req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    lookups.push({ method: 'GET', path, ...(route.modelId !== undefined ? { model: route.modelId } : {}) });
    if (!authorised(req, res, route)) return;
    const render = route.backend === 'gemini' ? toGeminiModel : toPublisherModel;
    if (route.action === 'get') {
      const model = servedModel(route.modelId ?? '');
      if (!model) return sendError(res, 404, notFoundMessage(route, route.modelId ?? ''), 'NOT_FOUND');
      return sendJson(res, 200, render(model));
    }
    const paged = pageOf(served(), query);
    if ('error' in paged) return sendError(res, 400, paged.error, 'INVALID_ARGUMENT');
    const key = route.backend === 'gemini' ? 'models' : 'publisherModels';
    return sendJson(res, 200, { [key]: paged.page.map(render), ...(paged.nextPageToken ? { nextPageToken: paged.nextPageToken } : {}) });
  };

  /** Google's OAuth token endpoint, as far as the refresh-token grant. */
  const issueAccessToken = (res: ServerResponse, form: URLSearchParams) => {
    const refreshToken = form.get('refresh_token');
    if (form.get('grant_type') !== 'refresh_token' || !refreshToken) return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const accessToken = refreshToken === VERTEX_REFRESH_TOKEN ? VERTEX_ACCESS_TOKEN : `ya29.issued-for-${refreshToken}`;
    return sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'POST' && path === '/token') return issueAccessToken(res, new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const route = routeOf(path);
    const expected = route?.action === 'generateContent' ? 'POST' : 'GET';
    if (!route || req.method !== expected) return sendError(res, 404, `No route for ${req.method} ${path}`, 'NOT_FOUND');
    if (route.action !== 'generateContent') return answerLookup(req, res, route, url.searchParams);

    let body: GeminiRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as GeminiRequestBody;
    } catch {
      return sendError(res, 400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
    }
    const modelId = route.modelId ?? '';
    const apiKeyMatched = req.headers['x-goog-api-key'] === apiKey;
    const vertex =
      route.backend === 'vertex'
        ? { project: route.project ?? '', location: route.location ?? '', tokenMatched: req.headers.authorization === `Bearer ${VERTEX_ACCESS_TOKEN}` }
        : undefined;
    const record: RecordedRequest = { method: 'POST', path, model: modelId, body, headers: safeHeaders(req.headers), apiKeyMatched, ...(vertex ? { vertex } : {}), closedBeforeAnswer: false };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedBeforeAnswer = true;
    });

    if (!authorised(req, res, route)) return;
    const model = servedModel(modelId);
    if (!model) return sendError(res, 404, notFoundMessage(route, modelId), 'NOT_FOUND');
    const config = body.generationConfig;
    const refused = refusal(model, {
      ...(config?.responseModalities ? { responseModalities: config.responseModalities } : {}),
      ...(config?.imageConfig?.imageSize !== undefined ? { imageSize: config.imageConfig.imageSize } : {}),
      ...(config?.imageConfig?.aspectRatio !== undefined ? { aspectRatio: config.imageConfig.aspectRatio } : {}),
      inputImages: body.contents?.flatMap((c) => c.parts ?? []).filter((p) => p.inlineData).length ?? 0,
    });
    if (refused) return sendError(res, 400, refused, 'INVALID_ARGUMENT');
    const fault = faults.shift();
    if (fault) return answerFault(req, res, record, route, model, fault);
    await answerModel(res, record, model);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake failed: ${String(err)}`, 'INTERNAL');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    vertexAccessToken: VERTEX_ACCESS_TOKEN,
    vertexCredentials: (refreshToken = VERTEX_REFRESH_TOKEN) => ({
      credentials: { type: 'authorized_user', client_id: 'fake-client.apps.googleusercontent.com', client_secret: 'fake-client-secret', refresh_token: refreshToken },
      clientOptions: { endpoints: { oauth2TokenUrl: `http://127.0.0.1:${port}/token` } },
    }),
    requests,
    lookups,
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    nextUsage(override) {
      usageOverride = override;
    },
    retire(id) {
      inLineup(id);
      retired.add(id);
    },
    restore(id) {
      inLineup(id);
      retired.delete(id);
    },
    reset() {
      requests.length = 0;
      lookups.length = 0;
      faults = [];
      usageOverride = undefined;
      retired.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging ('timeout') and keep-alive sockets would otherwise keep close() waiting.
      server.closeAllConnections();
      await closed;
    },
  };
}

function safeHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'x-goog-api-key' || name === 'authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function renderPng(width: number, height: number, seed: number, noisy: boolean): Promise<Buffer> {
  if (noisy) {
    return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();
  }
  const background = { r: (seed * 67) % 256, g: (seed * 131) % 256, b: 200 };
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}
