/**
 * The MCP boundary for tools: the allow-list, argument checking and errors. Every tool is
 * registered through `registerTool`, which
 * - answers a signed-in caller who is not on the allow-list with a result saying so;
 * - checks the arguments itself, so a mistake reads as our message ("prompt is empty: …")
 *   rather than the SDK's "Input validation error: Invalid arguments for tool …: …" (the SDK
 *   has no hook for its wording; it still advertises the same JSON Schema);
 * - answers with an AppError's public message as an `isError` result and logs the rest; the
 *   SDK would otherwise send any thrown exception's raw message to the client.
 */
import { registerAppTool } from '@modelcontextprotocol/ext-apps/server';
import type { McpUiToolMeta } from '@modelcontextprotocol/ext-apps';
import type { CallToolResult, McpServer, ServerContext, StandardSchemaWithJSON, ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { notAllowedMessage, type Caller } from '../core/access.js';
import { invalidArgument, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { UiSupport } from './apps/ui-support.js';

export interface ToolDefinition<Input extends z.ZodObject> {
  readonly title: string;
  readonly description: string;
  readonly inputSchema: Input;
  /** Describes `structuredContent`; the SDK checks every successful result against it. */
  readonly outputSchema?: z.ZodObject;
  readonly annotations: ToolAnnotations;
  /** The MCP App that shows the tool's results, and who may call the tool (see apps/app-meta.ts). */
  readonly ui?: McpUiToolMeta;
}

/** One request's view: who calls, and what their protocol revision can carry. */
export interface ToolCall {
  readonly caller: Caller;
  readonly logger: Logger;
  /** `resource_link` content blocks exist from MCP 2025-06-18 on; older clients would reject them. */
  readonly resourceLinks: boolean;
  /** Whether the client renders MCP Apps (apps/ui-support.ts); `no` gets the tools exactly as before the apps. */
  readonly ui: UiSupport;
}

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

export function registerTool<Input extends z.ZodObject>(
  server: McpServer,
  name: string,
  definition: ToolDefinition<Input>,
  call: ToolCall,
  run: (args: z.output<Input>, ctx: ServerContext) => Promise<CallToolResult>,
): void {
  const { inputSchema, outputSchema, ui, ...rest } = definition;
  const config = { ...rest, inputSchema: advertised(inputSchema), ...(outputSchema ? { outputSchema } : {}) };
  const handler = (raw: unknown, ctx: ServerContext) =>
    answer(name, call, async () => {
      const parsed = inputSchema.safeParse(raw ?? {});
      if (!parsed.success) throw invalidArgument(argumentProblems(parsed.error));
      return run(parsed.data, ctx);
    });
  // registerAppTool also writes the older `ui/resourceUri` key that hosts from before 2026-01-26 read.
  if (ui && call.ui !== 'no') registerAppTool(server, name, { ...config, _meta: { ui } }, handler);
  else server.registerTool(name, config, handler);
}

/** The schema as the SDK sees it: our JSON Schema, and every value let through to `registerTool`'s own check. */
function advertised(schema: z.ZodObject): StandardSchemaWithJSON<unknown, unknown> {
  return {
    '~standard': {
      version: 1,
      vendor: 'image-studio',
      validate: (value: unknown) => ({ value }),
      jsonSchema: schema['~standard'].jsonSchema,
    },
  };
}

/** "prompt is empty: describe the image to generate"; a zod default message gets the argument's name in front. */
function argumentProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.');
      return where === '' || issue.message.startsWith(String(issue.path[0])) ? issue.message : `${where}: ${issue.message}`;
    })
    .join('; ');
}

async function answer(tool: string, { caller, logger }: ToolCall, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  if (!caller.isAllowed) {
    logger.warn(`tool ${tool} refused: not on the allow-list`, { email: caller.email });
    return { content: [{ type: 'text', text: notAllowedMessage(caller.email) }], isError: true };
  }
  try {
    return await run();
  } catch (err) {
    const appError = toAppError(err);
    // Not the error itself: a Gemini failure's message can quote Gemini, which can echo the prompt.
    const { status, logMessage, publicMessage, cause } = appError;
    const fields = { status, error: logMessage ?? publicMessage, ...(cause === undefined ? {} : { cause }) };
    if (appError.status === 'INTERNAL') logger.error(`tool ${tool} failed`, fields);
    else logger.warn(`tool ${tool} failed`, fields);
    return { content: [{ type: 'text', text: appError.publicMessage }], isError: true };
  }
}
