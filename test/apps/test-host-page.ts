/**
 * A test host for MCP Apps, run in Chromium: the SDK's own host side (AppBridge) embeds an app's
 * HTML in a sandboxed iframe (scripts only, an opaque origin) under the CSP a host builds from
 * the resource's declared `_meta.ui.csp`, speaks the protocol over postMessage, forwards the
 * app's tools/call to the real server through `window.callServer` (exposed by the test, which
 * calls it with its MCP client), and records every other request the app makes. Bundled for
 * the page by test-host.ts.
 */
import { AppBridge, PostMessageTransport, type McpUiHostContext, type McpUiResourceCsp } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { CallToolResult } from '@modelcontextprotocol/client';

export interface HostEvent {
  readonly kind: 'download' | 'message' | 'open-link' | 'size';
  readonly params: unknown;
}

export interface StartOptions {
  readonly html: string;
  readonly csp: McpUiResourceCsp;
  readonly hostContext: McpUiHostContext;
}

/** What the test reads and calls on the page's `window`. */
export interface HostGlobals {
  callServer(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  hostEvents: HostEvent[];
  startHost(options: StartOptions): Promise<void>;
  host: AppBridge;
}

/**
 * The little of the DOM this page uses, typed here: the test project compiles for Node (no DOM
 * library), and one browser file is not worth a second project.
 */
interface Iframe {
  setAttribute(name: string, value: string): void;
  title: string;
  srcdoc: string;
  style: { cssText: string; height: string };
  readonly contentWindow: unknown;
}
interface Dom {
  createElement(tag: 'iframe'): Iframe;
  readonly body: { appendChild(node: Iframe): void };
}

const page = globalThis as unknown as HostGlobals;
const document = (globalThis as unknown as { document: Dom }).document;

/** The CSP the spec tells hosts to build from the declared domains (2026-01-26, "Content Security Policy"). */
function cspOf(csp: McpUiResourceCsp): string {
  const resources = (csp.resourceDomains ?? []).join(' ');
  const connect = (csp.connectDomains ?? []).join(' ');
  const frames = (csp.frameDomains ?? []).join(' ');
  const bases = (csp.baseUriDomains ?? []).join(' ');
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${resources}`,
    `style-src 'unsafe-inline' ${resources}`,
    `img-src data: ${resources}`,
    `font-src ${resources || "'none'"}`,
    `media-src data: ${resources}`,
    `connect-src ${connect || "'none'"}`,
    `frame-src ${frames || "'none'"}`,
    `base-uri ${bases || "'none'"}`,
    "object-src 'none'",
  ].join('; ');
}

page.hostEvents = [];

page.startHost = async ({ html, csp, hostContext }) => {
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.title = 'MCP App';
  iframe.style.cssText = 'width: 100%; height: 400px; border: 1px solid #888; border-radius: 8px; display: block;';
  document.body.appendChild(iframe);
  const bridge = new AppBridge(
    null,
    { name: 'test-host', version: '1.0.0' },
    { openLinks: {}, downloadFile: {}, serverTools: {}, message: { text: {} } },
    { hostContext },
  );
  bridge.oncalltool = (params) => page.callServer(params.name, params.arguments ?? {});
  bridge.ondownloadfile = async (params) => (page.hostEvents.push({ kind: 'download', params }), {});
  bridge.onmessage = async (params) => (page.hostEvents.push({ kind: 'message', params }), {});
  bridge.onopenlink = async (params) => (page.hostEvents.push({ kind: 'open-link', params }), {});
  bridge.onsizechange = (params) => {
    page.hostEvents.push({ kind: 'size', params });
    if (params.height !== undefined) iframe.style.height = `${params.height + 2}px`;
  };
  const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
  // The app's window (the same object before and after the iframe loads the app): where the
  // bridge posts, and the only source it listens to. It listens before the app starts, as the
  // app says hello as soon as its script runs.
  const frame = iframe.contentWindow as ConstructorParameters<typeof PostMessageTransport>[0] & object;
  await bridge.connect(new PostMessageTransport(frame, frame as ConstructorParameters<typeof PostMessageTransport>[1]));
  iframe.srcdoc = html.replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="${cspOf(csp)}">`);
  await initialized;
  page.host = bridge;
};
