/** For the few server-rendered pages (share page, consent page): text into HTML, safely. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
