/**
 * `GET /upload/{token}`: the upload page. `PUT /upload/{token}`: the photo as the raw body.
 *
 * The PUT checks, in order, and on every refusal stores nothing: the link is ours, unexpired
 * and unused (410), its user is still allowed (403), keeps fewer than MAX_UPLOADS_PER_USER
 * photos (429), the body is at most 20 MB (413), the bytes are a PNG, JPEG, WebP or HEIC
 * (415). A refusal about the file (413, 415) leaves the link usable for another file; it is
 * used up only by a stored upload.
 *
 * Single use without state kept beforehand: the upload's name comes from the link, and both
 * the image and its record can be created only once. The image is saved first (create-only:
 * of two PUTs, one saves, the other is refused having written nothing), then the record
 * (store-upload.ts).
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError, httpStatusOf, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { UploadRecord } from '../records/record-store.js';
import { ACCEPTED_TYPES_TEXT, UPLOAD_MAX_BYTES } from './upload-image.js';
import type { UploadGrant, UploadLinks } from './upload-links.js';
import { uploadPage, uploadPageCsp, uploadRefusalPage } from './upload-page.js';
import { checkUploadRoom, fileRefusalOf, refusalCode, storeUpload, type UploadStoreDeps } from './store-upload.js';

export interface UploadRouteDeps extends UploadStoreDeps {
  readonly links: UploadLinks;
  /** Whether this user may still use the server (the allow-list, read now). */
  readonly isAllowed: (email: string) => boolean;
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
      .then(async (grant) => {
        await checkUploadRoom(deps.records, grant.email);
        res.type('html').send(uploadPage(nonce, new Date(grant.expiresAt * 1000), ACCEPTED_TYPES_TEXT));
      })
      .catch((err: unknown) => {
        const refusal = err instanceof LinkRefused ? err : toAppError(err);
        if (refusal.status === 'INTERNAL' || refusal.status === 'UNAVAILABLE') return next(err);
        const status = refusal instanceof LinkRefused ? refusal.httpStatus : httpStatusOf(refusal);
        res.status(status).type('html').send(uploadRefusalPage(nonce, refusal.publicMessage));
      });
  });

  router.put(
    '/upload/:token',
    // The link and room for one more photo first: nobody makes the server read 20 MB for nothing.
    (req, res, next) => {
      usableGrant(deps, req.params.token)
        .then(async (grant) => {
          await checkUploadRoom(deps.records, grant.email);
          res.locals.grant = grant;
        })
        .then(() => next(), next);
    },
    body,
    (req, res, next) => {
      storeLinkedUpload(deps, res.locals.grant as UploadGrant, req.body)
        .then((upload) => {
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
    const { status, error, message } = refusalOf(err, deps.logger);
    res.set('Cache-Control', 'no-store').status(status).json({ error, message });
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

/** Stores the photo; a save refused because another PUT of this link got there first is a used link (410). */
async function storeLinkedUpload(deps: UploadRouteDeps, grant: UploadGrant, bytes: unknown): Promise<UploadRecord> {
  try {
    return await storeUpload(deps, grant, bytes);
  } catch (err) {
    // That PUT's image and record are not ours to touch.
    if (await isUsed(deps, grant).catch(() => false)) throw new LinkRefused(410, USED);
    throw err;
  }
}

function refusalOf(err: unknown, logger: Logger): { status: number; error: string; message: string } {
  const file = fileRefusalOf(err);
  if (file) return { status: file.httpStatus, error: refusalCode(file), message: file.publicMessage };
  if (err instanceof LinkRefused) return { status: err.httpStatus, error: 'refused', message: err.publicMessage };
  const appError = toAppError(err);
  if (appError.status === 'INTERNAL') logger.error('upload failed', { err });
  return { status: httpStatusOf(appError), error: 'refused', message: appError.publicMessage };
}
