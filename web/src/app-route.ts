/**
 * Where the URL's hash points the dashboard. Pure. The gallery's own state (the open image,
 * search and filters) lives in the hash's query part, which the gallery reads itself: the
 * route is the path before any `?`, so a change of query alone keeps the same route.
 *
 *   #/gallery                own images (also the default)
 *   #/gallery/<email>        that user's images (admins; the email URL-encoded)
 *   #/photos                 my uploaded reference photos (never anyone else's, admins' included)
 *   #/billing                spend, budgets, CSV (#/costs, the old name, still works)
 *   #/usage                  admins: per-user usage and daily activity
 *   #/model                  my default model
 */

export type Route = { readonly page: 'gallery'; readonly user?: string } | { readonly page: 'photos' | 'billing' | 'usage' | 'model' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [page, user] = path.split('/');
  switch (page) {
    case 'billing':
    case 'costs':
      return { page: 'billing' };
    case 'photos':
    case 'usage':
    case 'model':
      return { page };
    default:
      return user ? { page: 'gallery', user: safeDecode(user).toLowerCase() } : { page: 'gallery' };
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return a.page === b.page && (a.page !== 'gallery' || b.page !== 'gallery' || a.user === b.user);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
