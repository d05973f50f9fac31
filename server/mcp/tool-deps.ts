/** What the MCP tools need; built once per process and shared by every request. */
import type { GenerationDeps, Generations } from '../generation/generate-image.js';
import type { UploadLinks } from '../uploads/upload-links.js';

export interface ToolDeps extends GenerationDeps {
  /** How often to send progress notifications while Gemini works. */
  readonly progressIntervalMs: number;
  /** This process's generations (jobs): started, joined, waited for. */
  readonly generations: Generations;
  /** How long generate_image waits for its image before answering that it is still generating. */
  readonly toolWaitMs: number;
  /** Makes upload_reference's links; without it the tool is not offered. */
  readonly uploadLinks?: UploadLinks;
}
