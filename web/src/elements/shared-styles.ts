/**
 * Styles every element shares: type, buttons, inputs, tables, focus rings. Colours come from
 * index.html's custom properties (light and dark).
 */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    display: block;
    color: var(--text);
    font: inherit;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h2 {
    font-size: 1.15rem;
    margin: 0 0 0.75rem;
  }
  h3 {
    font-size: 1rem;
    margin: 0 0 0.5rem;
  }
  p {
    margin: 0 0 0.75rem;
  }
  button,
  select,
  .button {
    font: inherit;
    border: 1px solid var(--border);
    background: var(--surface);
    color: var(--text);
    border-radius: 6px;
    padding: 0.4rem 0.8rem;
    min-height: 2.25rem;
    cursor: pointer;
    text-decoration: none;
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--on-accent);
  }
  button.danger {
    color: var(--danger);
    border-color: var(--danger);
  }
  input[type='number'],
  input[type='text'],
  input[type='email'],
  input[type='search'],
  input[type='date'] {
    font: inherit;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 6px;
    padding: 0.35rem 0.5rem;
    min-height: 2.25rem;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  a {
    color: var(--link);
  }
  .table-wrap {
    overflow-x: auto;
  }
  /* A table wider than a phone scrolls inside this box, which the keyboard can focus and
     scroll (tabindex="0", role="region" and a label), never the page sideways. */
  .scroll-region {
    overflow-x: auto;
    max-width: 100%;
    border-radius: 4px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-variant-numeric: tabular-nums;
  }
  th,
  td {
    text-align: left;
    padding: 0.5rem 0.6rem;
    border-bottom: 1px solid var(--border);
    white-space: nowrap;
  }
  th.number,
  td.number {
    text-align: right;
  }
  /* Emails wrap rather than widen a table. */
  th.who {
    white-space: normal;
    overflow-wrap: anywhere;
    min-width: 9rem;
  }
  tfoot td,
  tfoot th {
    font-weight: 600;
    border-bottom: none;
  }
  .muted {
    color: var(--muted);
  }
  code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    word-break: break-all;
  }
`;
