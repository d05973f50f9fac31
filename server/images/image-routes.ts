/**
 * The public image routes: `/i/{file}` (image or thumbnail), `/d/{name}` (download) and
 * `/v/{name}` (share page). The unguessable name is the only access control, so every
 * path is matched against the name patterns before the store is touched, and nothing
 * from the generation record (prompt, price, model, email) is ever shown here.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { httpStatusOf, notFound, toAppError, type AppError } from '../errors.js';
import { escapeHtml } from '../html.js';
import { ICON_LINKS } from '../ui/icon-routes.js';
import { isImageName, parsePublicFile, type ImageName } from '../core/names.js';
import type { Logger } from '../log.js';
import type { ImageStore } from './image-store.js';
import { serveObject } from './serve-object.js';

export interface ImageRoutesDeps {
  readonly images: ImageStore;
  readonly logger: Logger;
}

const SHARE_PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What a caller typed, shortened: it only goes into a JSON message, never into HTML. */
function shown(file: string): string {
  return file.length > 80 ? `${file.slice(0, 80)}…` : file;
}

function sendJsonError(res: Response, err: AppError): void {
  res.status(httpStatusOf(err));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.json({ error: err.status.toLowerCase(), message: err.publicMessage });
}

function sendPage(res: Response, status: number, cacheControl: string, title: string, body: string): void {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', SHARE_PAGE_CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', cacheControl);
  res.send(pageHtml(title, body));
}

function pageHtml(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="dark">
<title>${escapeHtml(title)}</title>
${ICON_LINKS}
<style>
  *, *::before, *::after { box-sizing: border-box; }
  html, body { margin: 0; min-height: 100%; }
  body {
    min-height: 100vh; display: flex; flex-direction: column; align-items: center; justify-content: center;
    gap: 1.25rem; padding: 1.5rem; background: #141416; color: #e6e6e9;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  }
  header { font-size: .9rem; letter-spacing: .08em; text-transform: uppercase; color: #9a9aa3; }
  figure { margin: 0; max-width: 100%; display: flex; justify-content: center; }
  img {
    display: block; max-width: 100%; max-height: 78vh; height: auto; border-radius: 10px;
    background: #1f1f23; box-shadow: 0 12px 40px rgba(0, 0, 0, .55);
  }
  .download {
    display: inline-flex; align-items: center; gap: .5rem; padding: .7rem 1.4rem; border-radius: 999px;
    background: #f2f2f4; color: #141416; font-weight: 600; text-decoration: none;
    transition: background .15s ease;
  }
  .download:hover, .download:focus-visible { background: #ffffff; outline: 2px solid #8ab4f8; outline-offset: 3px; }
  p { margin: 0; color: #b4b4bb; }
</style>
</head>
<body>
<header>Image Studio</header>
${body}
</body>
</html>
`;
}

function sharePage(name: ImageName): string {
  const file = escapeHtml(name);
  // Root-relative links: the page works on whichever domain serves it (Cloud Run URL,
  // a mapped domain or Firebase Hosting).
  return `<main>
<figure><img src="/i/${file}" alt="Generated image"></figure>
</main>
<a class="download" href="/d/${file}" download="${file}">&#8595; Download image</a>`;
}

const MISSING_PAGE = '<main><p>This image does not exist, or it has been deleted.</p></main>';

/** The routes `/i`, `/d` and `/v`, mounted at the root of the app. */
export function imageRoutes(deps: ImageRoutesDeps): Router {
  const { images, logger } = deps;
  // strict: `/i/{name}/` must not match `/i/:file` as `{name}`; it falls to the 404 below.
  const router = Router({ strict: true });

  // Express's router also runs these GET handlers for HEAD; serveObject never opens the
  // stream for HEAD.
  router.get('/i/:file', async (req, res) => {
    const file = parsePublicFile(req.params.file ?? '');
    if (!file) throw notFound(`No image named ${shown(req.params.file ?? '')}.`);
    await serveObject(req, res, { images, name: file.name, variant: file.kind, disposition: 'inline', logger });
  });

  router.get('/d/:file', async (req, res) => {
    const file = req.params.file ?? '';
    if (!isImageName(file)) throw notFound(`No image named ${shown(file)}.`);
    await serveObject(req, res, { images, name: file, variant: 'image', disposition: 'attachment', logger });
  });

  router.get('/v/:file', async (req, res) => {
    const file = req.params.file ?? '';
    if (!isImageName(file) || !(await images.stat(file, 'image'))) {
      sendPage(res, 404, 'no-store', 'Image not found · Image Studio', MISSING_PAGE);
      return;
    }
    sendPage(res, 200, 'public, max-age=300', 'Image Studio', sharePage(file));
  });

  // Anything else under these prefixes (extra segments, trailing slashes, other methods)
  // is a name that cannot exist.
  router.use(['/i', '/d'], () => {
    throw notFound('No image by that name.');
  });
  router.use('/v', (_req, res) => sendPage(res, 404, 'no-store', 'Image not found · Image Studio', MISSING_PAGE));

  // A param with broken percent-encoding fails to decode in the router (a URIError);
  // such a name cannot exist either.
  const toPublicError = (err: unknown, req: Request): AppError => {
    if (err instanceof URIError) return notFound('No image by that name.');
    const appError = toAppError(err);
    if (httpStatusOf(appError) >= 500) logger.error('image route failed', { path: req.originalUrl, error: err });
    return appError;
  };
  router.use('/v', (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toPublicError(err, req);
    if (res.headersSent) return void res.destroy();
    sendPage(res, httpStatusOf(appError), 'no-store', 'Image Studio', `<main><p>${escapeHtml(appError.publicMessage)}</p></main>`);
  });
  router.use(['/i', '/d'], (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toPublicError(err, req);
    if (res.headersSent) return void res.destroy();
    sendJsonError(res, appError);
  });

  return router;
}
