/**
 * The MCP boundary for errors and for the allow-list. The SDK would send any thrown
 * exception's raw message to the client, so every tool runs inside `runTool`, which answers
 * with the AppError's public message as an `isError` result and logs the rest. A signed-in
 * caller who is not on the allow-list gets a result saying so, naming the email they used.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { notAllowedMessage, type Caller } from '../core/access.js';
import { toAppError } from '../errors.js';
import type { Logger } from '../log.js';

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

export async function runTool(
  tool: string,
  deps: { logger: Logger; caller: Caller },
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const { logger, caller } = deps;
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
