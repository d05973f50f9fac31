/**
 * Storing an uploaded photo, whichever way it came (an upload link's page, or the dashboard):
 * processed (upload-image.ts), the image saved create-only, then its record; if the record
 * fails, the image just saved is removed again, so a refusal or failure stores nothing.
 */
import { AppError } from '../errors.js';
import type { ImageName } from '../core/names.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import type { RecordStore, UploadRecord } from '../records/record-store.js';
import { ACCEPTED_TYPES_TEXT, UploadRefused, processUpload } from './upload-image.js';

/** How many photos one user keeps: uploads are stored on the group's bill until deleted. */
export const MAX_UPLOADS_PER_USER = 100;

export interface UploadStoreDeps {
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * Rejects RESOURCE_EXHAUSTED when the user keeps MAX_UPLOADS_PER_USER photos already. Checked
 * before a file is read; two uploads at once may both pass, which a limit of this kind allows.
 */
export async function checkUploadRoom(records: RecordStore, email: string): Promise<void> {
  if ((await records.countUploads(email)) >= MAX_UPLOADS_PER_USER) {
    throw new AppError(
      'RESOURCE_EXHAUSTED',
      `You keep ${MAX_UPLOADS_PER_USER} uploaded photos, the most this server keeps per person: delete some in the dashboard (Photos) first.`,
    );
  }
}

/** Stores `bytes` as `owner.name`; rejects UploadRefused for a file that is not an accepted photo. */
export async function storeUpload(deps: UploadStoreDeps, owner: { readonly email: string; readonly name: ImageName }, bytes: unknown): Promise<UploadRecord> {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new UploadRefused(415, `The upload was empty: choose a ${ACCEPTED_TYPES_TEXT} photo.`);
  const photo = await processUpload(bytes);
  await deps.images.save(owner.name, { png: photo.png, thumbnail: photo.thumbnail });
  const upload: UploadRecord = {
    name: owner.name,
    email: owner.email,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    bytes: photo.png.length,
    width: photo.width,
    height: photo.height,
    originalType: photo.originalType,
  };
  try {
    await deps.records.createUpload(upload);
  } catch (err) {
    await deps.images.remove(owner.name).catch((e: unknown) => deps.logger.warn('could not remove an upload whose record failed', { name: owner.name, err: e }));
    throw err;
  }
  deps.logger.info('reference photo uploaded', { email: upload.email, name: upload.name, bytes: upload.bytes, originalType: upload.originalType });
  return upload;
}

/** The refusal of a file (too large, not a photo) in an upload's request, or undefined for any other error. */
export function fileRefusalOf(err: unknown): UploadRefused | undefined {
  if (err instanceof UploadRefused) return err;
  // express.raw() stopped reading at the limit.
  if ((err as { type?: unknown } | null)?.type === 'entity.too.large') {
    return new UploadRefused(413, 'That file is larger than 20 MB: choose a smaller photo, or export it at a lower resolution.');
  }
  return undefined;
}

/** The JSON `error` code of a file's refusal. */
export function refusalCode(refusal: UploadRefused): 'too_large' | 'unsupported_type' {
  return refusal.httpStatus === 413 ? 'too_large' : 'unsupported_type';
}
