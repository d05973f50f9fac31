/**
 * A local stand-in for the Gemini API that speaks its REST protocol, so tests exercise the
 * real @google/genai client: `POST /v1beta/models/{model}:generateContent` with the key in
 * `x-goog-api-key` (or Vertex AI's `POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent`
 * with an OAuth access token). It answers with a real PNG sized like Gemini's output and can be told to
 * fail the way Gemini fails.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export type GeminiFault =
  /** An error status with Gemini's JSON error body. `retryAfterSeconds` adds RetryInfo (as Gemini's 429s do) and a Retry-After header. */
  | { kind: 'http'; status: 400 | 403 | 404 | 429 | 500 | 502 | 503 | 504; message?: string; retryAfterSeconds?: number }
  /** Never answer; `midBody` sends the headers and half a body first. Ends when the client aborts or the fake closes. */
  | { kind: 'timeout'; midBody?: boolean }
  /** Answer normally after `ms`. */
  | { kind: 'delay'; ms: number }
  | { kind: 'prompt-blocked'; reason?: string; message?: string }
  | { kind: 'image-safety'; finishReason?: string }
  | { kind: 'no-image'; text?: string }
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

export interface FakeUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
}

export interface GeminiRequestBody {
  contents?: { role?: string; parts?: { text?: string; inlineData?: { mimeType?: string; data?: string } }[] }[];
  generationConfig?: { responseModalities?: string[]; imageConfig?: { aspectRatio?: string; imageSize?: string } };
  [key: string]: unknown;
}

export interface GeminiFakeOptions {
  /** The key the fake accepts; any other gets Gemini's 400 API_KEY_INVALID. */
  apiKey?: string;
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
  readonly requests: RecordedRequest[];
  /** Answer the next `count` requests with `fault`; faults queue up in order. */
  failNext(fault: GeminiFault, count?: number): void;
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_API_KEY = 'fake-gemini-key-AIzaSyTEST0000000000000000000000000';
const VERTEX_ACCESS_TOKEN = 'ya29.fake-vertex-access-token';
const VERTEX_REFRESH_TOKEN = '1//fake-service-identity-refresh-token';
const IMAGE_SLOT = 'IMAGE-DATA-GOES-HERE';

const LONG_SIDE: Record<string, number> = { '1K': 1024, '2K': 2048, '4K': 4096 };
const OUTPUT_TOKENS: Record<string, number> = { '1K': 1120, '2K': 1120, '4K': 2000 };
const STATUS_NAMES: Record<number, [string, string]> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'is not found for API version v1beta, or is not supported for generateContent.'],
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

export async function startGeminiFake(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const requests: RecordedRequest[] = [];
  let faults: GeminiFault[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: ServerResponse, code: number, message: string, status: string, details?: unknown[], headers?: Record<string, string>) =>
    sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } }, headers);

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

  const answerImage = async (res: ServerResponse, record: RecordedRequest) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const imageConfig = record.body.generationConfig?.imageConfig ?? {};
    const { width, height } = expectedDimensions(imageConfig.aspectRatio, imageConfig.imageSize);
    const png = await pngFor(width, height);
    const parts = record.body.contents?.flatMap((c) => c.parts ?? []) ?? [];
    const promptChars = parts.reduce((n, p) => n + (p.text?.length ?? 0), 0);
    const promptTokenCount = Math.ceil(promptChars / 4) + 258 * parts.filter((p) => p.inlineData).length;
    const candidatesTokenCount = OUTPUT_TOKENS[imageConfig.imageSize ?? '1K'] ?? 1120;
    const usage = { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
    record.answer = { width, height, usage };
    // The image goes in as bytes around the rest of the JSON: no multi-megabyte string to serialise.
    const [head, tail] = JSON.stringify({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Here is your image.' }, { inlineData: { mimeType: 'image/png', data: IMAGE_SLOT } }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: usage,
      modelVersion: record.model,
      responseId: `fake-${requests.length}`,
    }).split(IMAGE_SLOT) as [string, string];
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(head) + png.length + Buffer.byteLength(tail) });
    res.write(head);
    res.write(png);
    res.end(tail);
  };

  const answerFault = (req: IncomingMessage, res: ServerResponse, record: RecordedRequest, fault: GeminiFault) => {
    const usage = { promptTokenCount: 10, totalTokenCount: 10 };
    switch (fault.kind) {
      case 'http': {
        const [status, defaultMessage] = STATUS_NAMES[fault.status] ?? ['UNKNOWN', 'Error'];
        const message = fault.message ?? (fault.status === 404 ? `models/${record.model} ${defaultMessage}` : defaultMessage);
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
          if (!req.socket.destroyed) void answerImage(res, record);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'prompt-blocked':
        return sendJson(res, 200, {
          promptFeedback: { blockReason: fault.reason ?? 'SAFETY', ...(fault.message ? { blockReasonMessage: fault.message } : {}) },
          usageMetadata: usage,
        });
      case 'image-safety':
        return sendJson(res, 200, {
          candidates: [
            {
              content: { role: 'model', parts: [] },
              finishReason: fault.finishReason ?? 'IMAGE_SAFETY',
              safetyRatings: [
                { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'HIGH', blocked: true },
                { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
              ],
              index: 0,
            },
          ],
          usageMetadata: usage,
        });
      case 'no-image':
        return sendJson(res, 200, {
          candidates: [
            { content: { role: 'model', parts: [{ text: fault.text ?? "I can't draw that." }] }, finishReason: 'STOP', index: 0 },
          ],
          usageMetadata: usage,
        });
      case 'malformed':
        if (fault.variant === 'empty-candidates') return sendJson(res, 200, { candidates: [], usageMetadata: usage });
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        return res.end('{"candidates": [{"content": ');
      case 'network':
        req.socket.destroy();
        return;
    }
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
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'POST' && path === '/token') return issueAccessToken(res, new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    // The Gemini API, or Vertex AI's publisher-model route.
    const match =
      /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(path) ??
      /^\/v1beta1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):generateContent$/.exec(path);
    const modelId = match?.[3] ?? match?.[1];
    if (req.method !== 'POST' || !match || !modelId) return sendError(res, 404, `No route for ${req.method} ${path}`, 'NOT_FOUND');
    const vertex = match[3] ? { project: match[1] ?? '', location: match[2] ?? '', tokenMatched: req.headers.authorization === `Bearer ${VERTEX_ACCESS_TOKEN}` } : undefined;

    let body: GeminiRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as GeminiRequestBody;
    } catch {
      return sendError(res, 400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
    }
    const apiKeyMatched = req.headers['x-goog-api-key'] === apiKey;
    const record: RecordedRequest = { method: req.method, path, model: decodeURIComponent(modelId), body, headers: safeHeaders(req.headers), apiKeyMatched, ...(vertex ? { vertex } : {}), closedBeforeAnswer: false };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedBeforeAnswer = true;
    });

    if (vertex && !vertex.tokenMatched) {
      return sendError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'UNAUTHENTICATED');
    }
    if (!vertex && !apiKeyMatched) {
      // Gemini answers a bad key with 400, not 401/403.
      return sendError(res, 400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]);
    }
    const fault = faults.shift();
    if (fault) return answerFault(req, res, record, fault);
    await answerImage(res, record);
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
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    reset() {
      requests.length = 0;
      faults = [];
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
