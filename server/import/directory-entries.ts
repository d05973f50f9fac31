/**
 * What each entry of a directory to import is: something the import reads, or something it
 * leaves out, with the reason the report gives. Pure: names and entry types in, verdicts out.
 */
import { SPEND_FILE } from './spend-ledger.js';

export type EntryType = 'file' | 'directory' | 'other';

export type Entry =
  | { kind: 'sidecar'; id: string }
  | { kind: 'image'; id: string }
  | { kind: 'prefs' }
  | { kind: 'spend' }
  | { kind: 'skip'; reason: string };

/** How a skipped entry is named in the report: folders get a trailing slash. */
export function entryLabel(name: string, type: EntryType): string {
  return type === 'directory' ? `${name}/` : name;
}

const ID = /^[0-9a-f]{32}$/;
const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAMES = 'names are 32 lowercase hex characters (a uuid4 without dashes) + .png or .json';
const READS = 'the import reads only {id}.png images, {id}.json sidecars, prefs.json and spend.json';

export function classifyEntry(name: string, type: EntryType): Entry {
  if (type === 'directory') return { kind: 'skip', reason: folderReason(name) };
  if (type === 'other') return { kind: 'skip', reason: 'not a regular file' };

  if (name === 'prefs.json') return { kind: 'prefs' };
  if (name === SPEND_FILE) return { kind: 'spend' };
  if (name === 'totals.json') {
    return { kind: 'skip', reason: "this server's running totals: the import recounts them from the records it imports" };
  }
  if (name === 'spend.corrupt') {
    return { kind: 'skip', reason: 'a spend ledger the original set aside as unreadable: not read, so spend.json may lack what it held' };
  }
  if (name.endsWith('.tmp')) return { kind: 'skip', reason: 'a temporary file left by an interrupted write' };

  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot + 1) : '';
  if (extension === 'png' || extension === 'json') {
    if (ID.test(stem)) return { kind: extension === 'png' ? 'image' : 'sidecar', id: stem };
    return { kind: 'skip', reason: `not an image name (${whyNotAnId(stem)}): ${NAMES}` };
  }
  if (extension.toLowerCase() === 'png' || extension.toLowerCase() === 'json') {
    return { kind: 'skip', reason: `not an image name (a capitalised extension): ${NAMES}` };
  }
  const what = extension === '' ? 'a file without an extension' : `an unknown kind of file (.${extension.slice(0, 20)})`;
  return { kind: 'skip', reason: `${what}: ${READS}` };
}

function folderReason(name: string): string {
  if (name === 'thumbs') return 'a folder of thumbnails: the import makes them anew from each PNG';
  if (name === 'auth') return "this server's sign-in state: not imported, so everyone signs in again";
  return 'a folder: the import reads only the top level of the directory';
}

function whyNotAnId(stem: string): string {
  if (DASHED_UUID.test(stem)) return 'a uuid with dashes';
  if (/^[0-9a-fA-F]{32}$/.test(stem)) return 'capital letters';
  if (/^[0-9a-f]+$/i.test(stem)) return `${stem.length} hex characters, not 32`;
  return 'characters other than 0-9 and a-f';
}
