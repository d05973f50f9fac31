/**
 * The views' HTML: one self-contained page (inline styles and script, nothing loaded from
 * elsewhere, so the strictest CSP holds), started as the viewer or the gallery. Built once per
 * mode and kept: the page never changes while the server runs.
 */
import type { ViewMode } from './app-meta.js';
import { VIEW_SCRIPT } from './view-script.js';
import { VIEW_STYLES } from './view-styles.js';

const pages = new Map<ViewMode, string>();

export function viewPage(mode: ViewMode): string {
  let page = pages.get(mode);
  if (page === undefined) {
    page = buildPage(mode);
    pages.set(mode, page);
  }
  return page;
}

function buildPage(mode: ViewMode): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${mode === 'gallery' ? 'Your images' : 'Image'} · Image Studio</title>
<style>${VIEW_STYLES}</style>
</head>
<body data-mode="${mode}">
<main>
<section id="gallery" class="hidden" aria-labelledby="gallery-title">
  <h1 id="gallery-title">Your images</h1>
  <div id="search" class="search" role="search">
    <label for="query">Search prompts<input id="query" name="query" type="search" maxlength="200" autocomplete="off"></label>
    <button id="search-button" type="button">Search</button>
  </div>
  <div id="gallery-status" class="status" role="status" aria-live="polite"></div>
  <ul id="grid" class="grid" aria-label="Images, newest first"></ul>
  <button id="more" type="button" class="hidden">Show more</button>
</section>
<section id="viewer" class="hidden" aria-labelledby="viewer-title">
  <button id="back" type="button" class="hidden">← Back to your images</button>
  <h1 id="viewer-title" tabindex="-1">Image</h1>
  <div id="viewer-status" class="status" role="status" aria-live="polite"></div>
  <figure id="viewer-figure" class="figure"></figure>
  <dl id="viewer-details" class="details"></dl>
  <div class="actions">
    <button id="download" type="button" disabled>Download full size</button>
    <button id="use-reference" type="button" disabled>Use as reference</button>
    <button id="open-share" type="button" disabled>Open share page</button>
  </div>
</section>
</main>
<script>${VIEW_SCRIPT}</script>
</body>
</html>
`;
}
