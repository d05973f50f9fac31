/**
 * Image names: 32 lowercase hex characters (a uuid4 without dashes) + `.png`, as in the
 * original. The unguessable name is the access control for the public image routes, so
 * every name from outside is matched against these patterns before any storage access.
 */
import { randomUUID } from 'node:crypto';
import { invalidArgument } from '../errors.js';

export const IMAGE_NAME_PATTERN = /^[0-9a-f]{32}\.png$/;
export const THUMBNAIL_NAME_PATTERN = /^[0-9a-f]{32}\.thumb\.webp$/;
/**
 * A photo a user uploaded as a reference: `{32 hex}.ref.png`. A name of its own kind, so the
 * public routes (which match only the patterns above) never serve one, and a reference to one
 * is told apart from a generation's without any look-up.
 */
export const UPLOAD_NAME_PATTERN = /^[0-9a-f]{32}\.ref\.png$/;
/** Every name the image store holds: generations and uploads. */
export const STORED_NAME_PATTERN = /^[0-9a-f]{32}(?:\.ref)?\.png$/;

/** A stored image's name: a generation's (`0f1e…9a.png`) or an upload's (`0f1e…9a.ref.png`). */
export type ImageName = string & { readonly __brand: 'ImageName' };

export function newImageName(): ImageName {
  return `${randomUUID().replaceAll('-', '')}.png` as ImageName;
}

export function isImageName(value: string): value is ImageName {
  return IMAGE_NAME_PATTERN.test(value);
}

export function newUploadName(): ImageName {
  return `${randomUUID().replaceAll('-', '')}.ref.png` as ImageName;
}

export function isUploadName(value: string): value is ImageName {
  return UPLOAD_NAME_PATTERN.test(value);
}

/** The name without `.png`: what a store keys the thumbnail by, so an upload's never answers for a generation's. */
export function stemOf(name: ImageName): string {
  return name.slice(0, -'.png'.length);
}

export function idOf(name: ImageName): string {
  return name.slice(0, 32);
}

export function thumbnailNameOf(name: ImageName): string {
  return `${idOf(name)}.thumb.webp`;
}

/** What a public `/i/{file}` path may name: a full image or its thumbnail. */
export type PublicFile = { kind: 'image'; name: ImageName } | { kind: 'thumbnail'; name: ImageName };

export function parsePublicFile(file: string): PublicFile | undefined {
  if (IMAGE_NAME_PATTERN.test(file)) return { kind: 'image', name: file as ImageName };
  if (THUMBNAIL_NAME_PATTERN.test(file)) return { kind: 'thumbnail', name: `${file.slice(0, 32)}.png` as ImageName };
  return undefined;
}

const ROUTE_PATH = /\/[idv]\/([0-9a-f]{32}\.png)$/;

/**
 * A reference to an earlier generation: its title (`{id}.png`, or the bare 32-hex id) or
 * a link to it from this server's `/i/`, `/d/` or `/v/` routes. Query and fragment are
 * ignored, and so is the host: the dashboard's domain and the service's serve the same
 * names, and only the name is ever looked up.
 */
export function parseImageReference(reference: string, publicUrl: string): ImageName {
  const value = reference.trim();
  const shown = JSON.stringify(value.slice(0, 120));
  const accepted =
    'Use the title of an earlier generation (32 lowercase hex characters + ".png") ' +
    `or its link (${publicUrl}/i/{title}).`;
  if (isImageName(value)) return value;
  if (/^[0-9a-f]{32}$/.test(value)) return `${value}.png` as ImageName;
  if (/^https?:\/\//i.test(value)) {
    let pathname: string;
    try {
      pathname = new URL(value).pathname;
    } catch {
      throw invalidArgument(`Reference ${shown} is not a valid URL. ${accepted}`);
    }
    const file = ROUTE_PATH.exec(pathname)?.[1];
    if (!file) throw invalidArgument(`Reference ${shown} is not a link to a generated image. ${accepted}`);
    return file as ImageName;
  }
  throw invalidArgument(`Reference ${shown} is not an image title. ${accepted}`);
}

/**
 * What `reference_images` accepts: an earlier generation (as parseImageReference), or the
 * title of a photo the user uploaded (`{id}.ref.png`; uploads have no public link). Whose an
 * upload is, is checked where references are loaded.
 */
export function parseReferenceImage(reference: string, publicUrl: string): ImageName {
  const value = reference.trim();
  return isUploadName(value) ? value : parseImageReference(value, publicUrl);
}
