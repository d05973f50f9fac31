/**
 * The MCP boundary for errors. The SDK would send any thrown exception's raw message to the
 * client, so every tool runs inside `runTool`, which answers with the AppError's public
 * message as an `isError` result and logs the rest.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toAppError } from '../errors.js';
import type { Logger } from '../log.js';

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

export async function runTool(
  tool: string,
  logger: Logger,
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    const appError = toAppError(err);
    const fields = { status: appError.status, err };
    if (appError.status === 'INTERNAL') logger.error(`tool ${tool} failed`, fields);
    else logger.warn(`tool ${tool} failed`, fields);
    return { content: [{ type: 'text', text: appError.publicMessage }], isError: true };
  }
}
