/**
 * Records and jobs as the dashboard API shows them (api-types.ts): URLs relative to the one
 * origin the dashboard, the API and the images share (Hosting rewrites /i, /d and /v).
 */
import { canSeeRecord, type Caller } from '../core/access.js';
import { isUploadName, thumbnailNameOf, type ImageName } from '../core/names.js';
import type { GenerationRecord, GenerationJob, RecordStore } from '../records/record-store.js';
import type { Generation, PendingGeneration, ReferenceView } from './api-types.js';

export function toGeneration(record: GenerationRecord, references: ReadonlyMap<ImageName, ReferenceView>): Generation {
  return {
    name: record.name,
    email: record.email,
    prompt: record.prompt,
    createdAt: record.createdAt,
    modelAlias: record.modelAlias,
    modelId: record.modelId,
    imageSize: record.imageSize,
    aspectRatio: record.aspectRatio,
    costUsd: record.costUsd,
    usage: record.usage,
    width: record.width,
    height: record.height,
    bytes: record.bytes,
    references: record.referenceNames.map((name) => references.get(name) ?? { name }),
    imageUrl: `/i/${record.name}`,
    thumbnailUrl: `/i/${thumbnailNameOf(record.name)}`,
    downloadUrl: `/d/${record.name}`,
    shareUrl: `/v/${record.name}`,
  } satisfies Generation;
}

export function toPending(job: GenerationJob): PendingGeneration {
  return {
    name: job.name,
    status: job.status,
    prompt: job.prompt,
    modelAlias: job.modelAlias,
    imageSize: job.imageSize,
    aspectRatio: job.aspectRatio,
    startedAt: job.startedAt,
    ...(job.failure !== undefined ? { failure: job.failure } : {}),
  } satisfies PendingGeneration;
}

/**
 * The references of `records`, each read once: linked when the referenced image still exists
 * and the caller may see it, else by name only (so a reference never reveals someone else's image).
 */
export async function referenceViews(records: RecordStore, caller: Caller, of: readonly GenerationRecord[]): Promise<Map<ImageName, ReferenceView>> {
  const names = [...new Set(of.flatMap((record) => record.referenceNames))];
  // A reference to another image of the same page needs no read.
  const onPage = new Map(of.map((record) => [record.name, record]));
  // An uploaded photo (`.ref.png`) has no record and no public link: named only.
  const found = await Promise.all(names.map(async (name) => onPage.get(name) ?? (isUploadName(name) ? undefined : await records.get(name))));
  const views = new Map<ImageName, ReferenceView>();
  names.forEach((name, i) => {
    const referenced = found[i];
    views.set(name, referenced && canSeeRecord(caller, referenced.email) ? { name, imageUrl: `/i/${name}`, thumbnailUrl: `/i/${thumbnailNameOf(name)}` } : { name });
  });
  return views;
}
