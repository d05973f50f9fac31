/**
 * Reads a sidecar `{id}.json` from either source the import accepts: this server's own
 * record format, or the original Python server's (`name, email, prompt, aspect_ratio, cost,
 * model, model_alias, image_size, created`). Pure.
 */
import { z } from 'zod';
import { normalizeEmail } from '../core/access.js';
import { FALLBACK_MODEL, MODEL_ALIASES, findModelChoice, recordedPriceUsd, type Catalogue, type ModelAlias } from '../core/models.js';
import type { ImageName } from '../core/names.js';
import { ASPECT_RATIOS, IMAGE_SIZES, type AspectRatio, type ImageSize } from '../core/options.js';
import { generationRecordSchema } from '../records/record-schema.js';
import type { GenerationRecord } from '../records/record-store.js';

/** A record still missing what only the PNG can tell (dimensions and size). */
export type SidecarRecord = Omit<GenerationRecord, 'width' | 'height' | 'bytes'> & Partial<Pick<GenerationRecord, 'width' | 'height' | 'bytes'>>;

export type SidecarResult = { ok: true; record: SidecarRecord } | { ok: false; reason: string };

const originalSchema = z.object({
  name: z.string().optional(),
  email: z.string().trim().min(1),
  prompt: z.string(),
  aspect_ratio: z.string().optional(),
  cost: z.union([z.number(), z.string()]).optional(),
  model: z.string().optional(),
  model_alias: z.string().optional(),
  image_size: z.string().optional(),
  created: z.string(),
});

export function readSidecar(json: unknown, name: ImageName, catalogue: Catalogue): SidecarResult {
  const ours = generationRecordSchema.safeParse(json);
  if (ours.success) {
    return ours.data.name === name ? { ok: true, record: ours.data } : { ok: false, reason: `its name field says ${ours.data.name}` };
  }
  const parsed = originalSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '(root)')))].join(', ');
    return { ok: false, reason: `not a generation record (missing or malformed: ${fields})` };
  }
  const s = parsed.data;
  if (s.name !== undefined && s.name !== name) return { ok: false, reason: `its name field says ${s.name.slice(0, 80)}` };

  const aspectRatio = (s.aspect_ratio || '1:1') as AspectRatio;
  if (!ASPECT_RATIOS.includes(aspectRatio)) return { ok: false, reason: `unknown aspect ratio ${s.aspect_ratio}` };
  // Sidecars from before sizes existed have none: the original generated 1K then.
  const imageSize = (s.image_size || '1K') as ImageSize;
  if (!IMAGE_SIZES.includes(imageSize)) return { ok: false, reason: `unknown image size ${s.image_size}` };

  const named = MODEL_ALIASES.includes(s.model_alias as ModelAlias) ? (s.model_alias as ModelAlias) : undefined;
  const alias = named ?? (s.model ? findModelChoice(catalogue, s.model)?.alias : FALLBACK_MODEL);
  if (!alias) return { ok: false, reason: `unknown model ${s.model}` };
  const listPrice = recordedPriceUsd(catalogue, alias, s.model, imageSize);

  const created = Date.parse(s.created);
  if (Number.isNaN(created)) return { ok: false, reason: `unreadable creation time ${s.created.slice(0, 40)}` };

  const cost = typeof s.cost === 'string' ? Number(s.cost) : s.cost;
  return {
    ok: true,
    record: {
      name,
      email: normalizeEmail(s.email),
      prompt: s.prompt,
      modelId: s.model || (catalogue[alias].candidates[0]?.id ?? alias),
      modelAlias: alias,
      imageSize,
      aspectRatio,
      referenceNames: [],
      createdAt: new Date(created).toISOString(),
      costUsd: cost !== undefined && Number.isFinite(cost) && cost >= 0 ? cost : (listPrice ?? 0),
      usage: {},
    },
  };
}

/** The original's prefs.json: `{ "<email>": { "model": "pro" } }`. Entries it cannot use are reported. */
export function readPrefsFile(json: unknown): { prefs: { email: string; defaultModel: ModelAlias }[]; problems: string[] } {
  const prefs: { email: string; defaultModel: ModelAlias }[] = [];
  const problems: string[] = [];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { prefs, problems: ['prefs.json is not an object of emails'] };
  for (const [email, entry] of Object.entries(json as Record<string, unknown>)) {
    const model = (entry as { model?: unknown } | null)?.model;
    if (MODEL_ALIASES.includes(model as ModelAlias)) prefs.push({ email: normalizeEmail(email), defaultModel: model as ModelAlias });
    else problems.push(`prefs.json: ${email.slice(0, 80)} has no known default model`);
  }
  return { prefs, problems };
}
