/**
 * The views' styles. Colours and fonts come from the host's style variables when it sends them
 * (hostContext.styles, applied by the script), with light and dark fallbacks of our own.
 */
// The dark fallbacks, for a dark system (unless the host says light) and for a host that says dark.
const DARK = `
  --bg: var(--color-background-primary, #262624);
  --bg2: var(--color-background-secondary, #30302e);
  --fg: var(--color-text-primary, #f5f4ef);
  --fg2: var(--color-text-secondary, #c2c0b6);
  --line: var(--color-border-primary, #4a4945);
  --accent: var(--color-text-info, #8cb8ff);
  --danger: var(--color-text-danger, #ff9b92);
  --ring: var(--color-ring-primary, #8cb8ff);
`;

export const VIEW_STYLES = String.raw`
:root {
  color-scheme: light dark;
  --bg: var(--color-background-primary, #ffffff);
  --bg2: var(--color-background-secondary, #f3f2ef);
  --fg: var(--color-text-primary, #1f1e1d);
  --fg2: var(--color-text-secondary, #5e5d59);
  --line: var(--color-border-primary, #d9d7d0);
  --accent: var(--color-text-info, #1a5fb4);
  --danger: var(--color-text-danger, #b3261e);
  --ring: var(--color-ring-primary, #1a5fb4);
  --radius: var(--border-radius-md, 8px);
  font-family: var(--font-sans, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--font-text-md-size, 15px);
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {${DARK}}
}
:root[data-theme="dark"] {${DARK}}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); }
body { padding: 12px; line-height: 1.4; }
h1, h2 { font-size: var(--font-heading-sm-size, 1.05rem); margin: 0 0 8px; overflow-wrap: anywhere; }
button, input { font: inherit; color: inherit; }
button {
  background: var(--bg2); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 6px 12px; cursor: pointer; min-height: 36px;
}
button:hover { border-color: var(--fg2); }
button:disabled { opacity: 0.6; cursor: default; }
:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
.status { color: var(--fg2); margin: 8px 0; min-height: 1.4em; }
.status.error { color: var(--danger); }
.hidden { display: none !important; }
.figure { margin: 0 0 12px; background: var(--bg2); border-radius: var(--radius); display: flex; justify-content: center; }
.figure img { display: block; max-width: 100%; max-height: 80vh; height: auto; border-radius: var(--radius); }
.placeholder { padding: 48px 12px; color: var(--fg2); text-align: center; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0 0 12px; }
dl.details dt { color: var(--fg2); }
dl.details dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 8px; }
.prompt { white-space: pre-wrap; }
div.search { display: flex; gap: 8px; align-items: end; margin: 0 0 12px; flex-wrap: wrap; }
div.search label { display: flex; flex-direction: column; gap: 2px; flex: 1 1 200px; color: var(--fg2); font-size: 0.9em; }
div.search input { border: 1px solid var(--line); border-radius: var(--radius); padding: 6px 8px; background: var(--bg); min-height: 36px; }
ul.grid { list-style: none; padding: 0; margin: 0 0 12px; display: grid; grid-template-columns: repeat(auto-fill, minmax(132px, 1fr)); gap: 10px; }
ul.grid button.tile { width: 100%; padding: 0; display: flex; flex-direction: column; text-align: left; overflow: hidden; min-height: 0; }
.tile .thumb { aspect-ratio: 1 / 1; width: 100%; object-fit: cover; display: block; background: var(--line); }
.tile .thumb.none { display: flex; align-items: center; justify-content: center; color: var(--fg2); font-size: 0.85em; }
.tile .caption { padding: 4px 6px; font-size: 0.82em; color: var(--fg2); display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.badge { display: inline-block; font-size: 0.75em; padding: 1px 6px; border-radius: 999px; background: var(--accent); color: var(--bg); margin: 4px 6px 0; align-self: flex-start; }
`;
