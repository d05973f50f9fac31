/**
 * The gallery's part of the URL: `#/gallery[/email]?image=NAME&q=…&model=…&size=…&from=…&to=…`.
 * An open image and a search each have their own address (a link, a reload and Back keep
 * them). The hash is typed by whoever shares a link, so every value is checked here and an
 * unknown one is dropped rather than sent to the server.
 */
import type { GenerationFilter, ImageSize, ModelAlias } from './api/types.js';

export interface GalleryQuery {
  /** The image open in the viewer. */
  readonly image?: string;
  readonly filter: GenerationFilter;
}

const MODELS: readonly ModelAlias[] = ['flash', 'pro', 'lite'];
export const IMAGE_SIZES: readonly ImageSize[] = ['512', '1K', '2K', '4K'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const IMAGE_NAME = /^[0-9a-f]{32}\.png$/;
/** As the API accepts (api-types.ts GenerationFilter.q). */
export const MAX_QUERY_LENGTH = 200;

export function parseGalleryQuery(hash: string): GalleryQuery {
  const at = hash.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const image = params.get('image') ?? '';
  const q = (params.get('q') ?? '').trim().slice(0, MAX_QUERY_LENGTH);
  const model = params.get('model') ?? '';
  const size = params.get('size') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const filter: { -readonly [K in keyof GenerationFilter]: GenerationFilter[K] } = {};
  if (q) filter.q = q;
  if ((MODELS as readonly string[]).includes(model)) filter.model = model as ModelAlias;
  if ((IMAGE_SIZES as readonly string[]).includes(size)) filter.size = size as ImageSize;
  if (DAY.test(from)) filter.from = from;
  if (DAY.test(to)) filter.to = to;
  return IMAGE_NAME.test(image) ? { image, filter } : { filter };
}

/** The hash for `path` (`#/gallery` or `#/gallery/email`) with the filter and the open image. */
export function galleryHash(path: string, query: GalleryQuery): string {
  const params = new URLSearchParams();
  const { filter } = query;
  for (const key of ['q', 'model', 'size', 'from', 'to'] as const) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  if (query.image) params.set('image', query.image);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** The hash's path part: `#/gallery` or `#/gallery/email`. */
export function galleryPath(hash: string): string {
  const at = hash.indexOf('?');
  const path = at < 0 ? hash : hash.slice(0, at);
  return path.startsWith('#/gallery') ? path : '#/gallery';
}

export function sameFilter(a: GenerationFilter, b: GenerationFilter): boolean {
  return a.q === b.q && a.model === b.model && a.size === b.size && a.from === b.from && a.to === b.to;
}

export function hasFilter(filter: GenerationFilter): boolean {
  return Boolean(filter.q || filter.model || filter.size || filter.from || filter.to);
}
