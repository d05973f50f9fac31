/** What the MCP tools need; built once per process and shared by every request. */
import type { GenerationDeps } from '../generation/generate-image.js';

export interface ToolDeps extends GenerationDeps {
  /** How often to send progress notifications while Gemini works. */
  readonly progressIntervalMs: number;
}
