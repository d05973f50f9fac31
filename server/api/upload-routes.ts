/**
 * The caller's own reference photos: GET /api/uploads, POST /api/uploads (the file as the raw
 * body), GET /api/uploads/{title}/thumbnail and DELETE /api/uploads/{title}. Photos are
 * private: an admin sees only their own here too, and anyone else's title is "not found".
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { isUploadName, newUploadName } from '../core/names.js';
import { notFound } from '../errors.js';
import type { RecordStore, UploadRecord } from '../records/record-store.js';
import { UPLOAD_MAX_BYTES, UploadRefused } from '../uploads/upload-image.js';
import { MAX_UPLOADS_PER_USER, checkUploadRoom, fileRefusalOf, refusalCode, storeUpload, type UploadStoreDeps } from '../uploads/store-upload.js';
import { asyncHandler, callerIn } from './api-handler.js';
import type { Upload, UploadList } from './api-types.js';

const UPLOAD_BODY_TYPE = /^\s*(application\/octet-stream|image\/[a-z0-9.+-]+)\s*(;|$)/i;

export function addUploadRoutes(router: express.Router, deps: UploadStoreDeps): void {
  const { records, images, logger } = deps;

  router.get('/api/uploads', asyncHandler(async (_req, res) => {
    const uploads = await records.listUploads(callerIn(res).email, MAX_UPLOADS_PER_USER);
    res.json({ uploads: uploads.map(toUpload), maxUploads: MAX_UPLOADS_PER_USER, maxBytes: UPLOAD_MAX_BYTES } satisfies UploadList);
  }));

  router.post(
    '/api/uploads',
    // Room for one more first: nobody makes the server read 20 MB for nothing.
    asyncHandler(async (req, res) => {
      // A type a form cannot send: a page elsewhere cannot post here without a CORS preflight,
      // which this API never grants (in local mode requests carry no credentials to check).
      if (!UPLOAD_BODY_TYPE.test(req.get('content-type') ?? '')) {
        throw new UploadRefused(415, 'Send the photo as the raw request body with Content-Type application/octet-stream or image/*.');
      }
      await checkUploadRoom(records, callerIn(res).email);
    }),
    express.raw({ limit: UPLOAD_MAX_BYTES, type: () => true }),
    asyncHandler(async (req, res) => {
      const upload = await storeUpload(deps, { email: callerIn(res).email, name: newUploadName() }, req.body);
      res.status(201).json(toUpload(upload));
    }),
    (err: unknown, _req: Request, res: Response, next: NextFunction) => {
      const refusal = fileRefusalOf(err);
      if (!refusal) return next(err);
      res.status(refusal.httpStatus).json({ error: refusalCode(refusal), message: refusal.publicMessage });
    },
  );

  router.get('/api/uploads/:name/thumbnail', asyncHandler(async (req, res) => {
    const upload = await ownUpload(records, callerIn(res).email, String(req.params.name ?? ''));
    const thumbnail = await images.read(upload.name, 'thumbnail');
    res.type('image/webp').send(thumbnail);
  }));

  router.delete('/api/uploads/:name', asyncHandler(async (req, res) => {
    const upload = await ownUpload(records, callerIn(res).email, String(req.params.name ?? ''));
    // Record first: once it is gone the photo is listed nowhere and no generation may use it.
    await records.removeUpload(upload.name);
    await images.remove(upload.name);
    logger.info('reference photo deleted', { name: upload.name, email: upload.email });
    res.status(204).end();
  }));
}

/** The caller's upload of that title; the same 404 for absent, malformed and someone else's. */
async function ownUpload(records: RecordStore, email: string, name: string): Promise<UploadRecord> {
  const upload = isUploadName(name) ? await records.getUpload(name) : undefined;
  if (upload?.email !== email) throw notFound(`You have no uploaded photo titled ${name.slice(0, 80)}.`);
  return upload;
}

function toUpload(upload: UploadRecord): Upload {
  const { name, createdAt, width, height, bytes, originalType } = upload;
  return { title: name, createdAt, width, height, bytes, originalType, thumbnailPath: `/api/uploads/${name}/thumbnail` };
}
