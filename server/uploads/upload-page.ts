/**
 * The upload page: one file input, one button, and a status line. Its one script sends the
 * chosen file as the raw body of `PUT` to the page's own address and shows the title to give
 * Claude. Nothing is loaded from elsewhere; the CSP allows only this page's nonce.
 */
import { escapeHtml } from '../html.js';

export function uploadPageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function uploadPage(nonce: string, expiresAt: Date, acceptedText: string): string {
  const until = escapeHtml(expiresAt.toISOString().slice(11, 16));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Upload a reference photo · Image Studio</title>
<style nonce="${nonce}">
body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
button { font: inherit; padding: .5rem 1.25rem; margin-top: 1rem; }
#status { margin-top: 1rem; min-height: 3rem; }
code { font-size: 1.1em; background: #f2f2f2; padding: .1rem .3rem; user-select: all; }
.error { color: #a40000; }
</style>
</head>
<body>
<main>
<h1>Upload a reference photo</h1>
<p>Choose a ${escapeHtml(acceptedText)} photo (at most 20 MB). Location and other metadata are removed when it is stored. Only you can use it as a reference. This link works once, until ${until} UTC.</p>
<form id="upload">
<label for="photo">Photo</label><br>
<input id="photo" name="photo" type="file" accept="image/png,image/jpeg,image/webp,image/heic,image/heif,.heic,.heif" required>
<br>
<button type="submit">Upload</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
</main>
<script nonce="${nonce}">
const form = document.getElementById('upload');
const status = document.getElementById('status');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = document.getElementById('photo').files[0];
  if (!file) return;
  status.className = '';
  status.textContent = 'Uploading…';
  try {
    const answer = await fetch(location.pathname, { method: 'PUT', body: file, headers: { 'Content-Type': 'application/octet-stream' } });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.message || 'The upload failed.');
    status.textContent = '';
    status.append('Uploaded. Tell Claude to use the reference image ');
    const code = document.createElement('code');
    code.textContent = body.title;
    status.append(code, '.');
    form.hidden = true;
  } catch (err) {
    status.className = 'error';
    status.textContent = err.message;
  }
});
</script>
</body>
</html>
`;
}

/** A page that only says why the link cannot be used. */
export function uploadRefusalPage(nonce: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload link · Image Studio</title>
<style nonce="${nonce}">body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; }</style>
</head><body><main><h1>This upload link cannot be used</h1><p>${escapeHtml(message)}</p></main></body></html>
`;
}
