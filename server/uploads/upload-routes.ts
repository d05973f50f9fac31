/**
 * `GET /upload/{token}`: the upload page. `PUT /upload/{token}`: the photo as the raw body.
 *
 * The PUT checks, in order, and on every refusal stores nothing: the link is ours, unexpired
 * and unused (410), its user is still allowed (403), the body is at most 20 MB (413), the
 * bytes are a PNG, JPEG or WebP (415). A refusal about the file (413, 415) leaves the link
 * usable for another file; it is used up only by a stored upload.
 *
 * Single use without state kept beforehand: the upload's name comes from the link, and both
 * the image and its record can be created only once. The image is saved first (create-only:
 * of two PUTs, one saves, the other is refused having written nothing), then the record; if
 * the record fails, the image this PUT saved is removed again.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError, httpStatusOf, toAppError } from '../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { Logger } from '../log.js';
import type { RecordStore, UploadRecord } from '../records/record-store.js';
import { ACCEPTED_TYPES_TEXT, UPLOAD_MAX_BYTES, UploadRefused, processUpload } from './upload-image.js';
import type { UploadGrant, UploadLinks } from './upload-links.js';
import { uploadPage, uploadPageCsp, uploadRefusalPage } from './upload-page.js';

export interface UploadRouteDeps {
  readonly links: UploadLinks;
  readonly images: ImageStore;
  readonly records: RecordStore;
  /** Whether this user may still use the server (the allow-list, read now). */
  readonly isAllowed: (email: string) => boolean;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const NOT_VALID = 'This upload link has expired or is not valid. Ask Claude for a new one (the upload_reference tool).';
const USED = 'This upload link has been used already. Ask Claude for a new one (the upload_reference tool).';

/** A refusal of the link (not of the file), with its HTTP status. */
class LinkRefused extends AppError {
  constructor(
    readonly httpStatus: 403 | 410,
    message: string,
  ) {
    super(httpStatus === 403 ? 'PERMISSION_DENIED' : 'NOT_FOUND', message);
  }
}

export function uploadRoutes(deps: UploadRouteDeps): Router {
  const router = express.Router();
  const body = express.raw({ limit: UPLOAD_MAX_BYTES, type: () => true });

  router.get('/upload/:token', (req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.set({ 'Content-Security-Policy': uploadPageCsp(nonce), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    usableGrant(deps, req.params.token)
      .then((grant) => res.type('html').send(uploadPage(nonce, new Date(grant.expiresAt * 1000), ACCEPTED_TYPES_TEXT)))
      .catch((err: unknown) => {
        if (!(err instanceof LinkRefused)) return next(err);
        res.status(err.httpStatus).type('html').send(uploadRefusalPage(nonce, err.publicMessage));
      });
  });

  router.put(
    '/upload/:token',
    // The link first: nobody without one makes the server read 20 MB.
    (req, res, next) => {
      usableGrant(deps, req.params.token).then((grant) => {
        res.locals.grant = grant;
        next();
      }, next);
    },
    body,
    (req, res, next) => {
      storeUpload(deps, res.locals.grant as UploadGrant, req.body)
        .then((upload) => {
          deps.logger.info('reference photo uploaded', { email: upload.email, name: upload.name, bytes: upload.bytes, originalType: upload.originalType });
          res.set('Cache-Control', 'no-store').status(201).json({
            title: upload.name,
            width: upload.width,
            height: upload.height,
            message: `Uploaded. Tell Claude to use the reference image ${upload.name}.`,
          });
        })
        .catch(next);
    },
  );

  router.use('/upload', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = refusalOf(err, deps.logger);
    res.set('Cache-Control', 'no-store').status(status).json({ error: status === 413 ? 'too_large' : status === 415 ? 'unsupported_type' : 'refused', message });
  });
  return router;
}

/** The link's grant, if it is ours, unexpired, unused and its user still allowed; else LinkRefused. */
async function usableGrant(deps: UploadRouteDeps, token: string | undefined): Promise<UploadGrant> {
  const grant = token === undefined ? undefined : await deps.links.verify(token);
  if (!grant) throw new LinkRefused(410, NOT_VALID);
  if (!deps.isAllowed(grant.email)) throw new LinkRefused(403, 'Your account is no longer allowed to use this Image Studio server.');
  if (await isUsed(deps, grant)) throw new LinkRefused(410, USED);
  return grant;
}

async function isUsed(deps: UploadRouteDeps, grant: UploadGrant): Promise<boolean> {
  return (await deps.records.getUpload(grant.name)) !== undefined || (await deps.images.stat(grant.name, 'image')) !== undefined;
}

async function storeUpload(deps: UploadRouteDeps, grant: UploadGrant, bytes: unknown): Promise<UploadRecord> {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new UploadRefused(415, `The upload was empty: choose a ${ACCEPTED_TYPES_TEXT} photo.`);
  const photo = await processUpload(bytes);
  try {
    await deps.images.save(grant.name, { png: photo.png, thumbnail: photo.thumbnail });
  } catch (err) {
    // Another PUT of the same link got there first: its image is not ours to touch.
    if (await isUsed(deps, grant).catch(() => false)) throw new LinkRefused(410, USED);
    throw err;
  }
  const upload: UploadRecord = {
    name: grant.name,
    email: grant.email,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    bytes: photo.png.length,
    width: photo.width,
    height: photo.height,
    originalType: photo.originalType,
  };
  try {
    await deps.records.createUpload(upload);
  } catch (err) {
    await deps.images.remove(grant.name).catch((e: unknown) => deps.logger.warn('could not remove an upload whose record failed', { name: grant.name, err: e }));
    throw err;
  }
  return upload;
}

function refusalOf(err: unknown, logger: Logger): { status: number; message: string } {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return { status: 413, message: 'That file is larger than 20 MB: choose a smaller photo, or export it at a lower resolution.' };
  if (err instanceof UploadRefused || err instanceof LinkRefused) return { status: err.httpStatus, message: err.publicMessage };
  const appError = toAppError(err);
  if (appError.status === 'INTERNAL') logger.error('upload failed', { err });
  return { status: httpStatusOf(appError), message: appError.publicMessage };
}
