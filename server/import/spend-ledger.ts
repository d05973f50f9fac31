/**
 * The original server's `spend.json`: its cumulative spend ledger, and how the import weighs
 * it against the sidecars. Pure.
 *
 * Format (the original's `src/image_mcp/spend.py`; its README does not mention the file):
 * one JSON object, lowercased email → cumulative estimated spend in US dollars, e.g.
 * `{ "ada@example.com": 1.229 }`. The original added each generation's list price to it
 * and never subtracted, so it still counts images deleted since; it seeded users missing
 * from it with their sidecars' sum at start-up. It has no per-model breakdown. Where the
 * original tolerated junk (a value that is not a number counted as 0, a corrupt file as
 * empty), the import refuses the file: a wrong ledger would be carried over silently.
 */
import { normalizeEmail } from '../core/access.js';
import { addUsd } from '../core/totals.js';

export const SPEND_FILE = 'spend.json';

/** email (normalised) → cumulative dollars, to a millionth of a dollar. */
export type SpendLedger = ReadonlyMap<string, number>;

export type LedgerResult = { ok: true; ledger: SpendLedger } | { ok: false; problems: string[] };

const MAX_PROBLEMS_SHOWN = 5;

/** Parses the text of spend.json strictly: any entry it cannot vouch for rejects the whole file. */
export function readSpendLedger(text: string): LedgerResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`not valid JSON (${err instanceof Error ? err.message : String(err)})`] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const found = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
    return { ok: false, problems: [`not an object of emails to dollars (found ${found})`] };
  }

  const ledger = new Map<string, number>();
  const spelledAs = new Map<string, string>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const email = normalizeEmail(key);
    const shown = JSON.stringify(key.slice(0, 80));
    if (email === '') {
      problems.push(`an entry has an empty email (${shown})`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`${shown}: ${JSON.stringify(value)?.slice(0, 40) ?? String(value)} is not an amount of dollars (a number, 0 or more)`);
      continue;
    }
    const earlier = spelledAs.get(email);
    if (earlier !== undefined) {
      problems.push(`${JSON.stringify(earlier)} and ${shown} are the same user`);
      continue;
    }
    spelledAs.set(email, key.slice(0, 80));
    ledger.set(email, addUsd(value, 0));
  }
  if (problems.length > MAX_PROBLEMS_SHOWN) {
    const more = problems.length - MAX_PROBLEMS_SHOWN;
    problems.splice(MAX_PROBLEMS_SHOWN, more, `and ${more} more`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ledger };
}

/** What the sidecars give a user: the images imported now or found already imported. */
export interface SidecarSpend {
  readonly imageCount: number;
  readonly costUsd: number;
}

export interface UserSpend {
  readonly email: string;
  /** Images from this directory now in the stores (imported now, or by an earlier run). */
  readonly imageCount: number;
  /** The sum of those images' costs. */
  readonly sidecarsUsd: number;
  /** The user's cumulative spend in spend.json; absent when the ledger is not used or does not name the user. */
  readonly ledgerUsd?: number;
  /** Whose figure is the user's cumulative spend. */
  readonly source: 'spend.json' | 'sidecars';
  /** Cumulative spend that no imported image accounts for: images deleted in the original, or skipped. */
  readonly unrecordedUsd: number;
}

/**
 * Per user, the cumulative spend: spend.json's figure when it names the user and is not
 * below the sidecars' sum (the ledger only ever grew, so a lower figure means it lost
 * entries, and the surviving images' costs are a floor); otherwise the sidecars' sum.
 * Users the ledger names with no image left still appear. Sorted by email.
 */
export function reconcileSpend(ledger: SpendLedger | undefined, sidecars: ReadonlyMap<string, SidecarSpend>): UserSpend[] {
  const emails = new Set([...sidecars.keys(), ...[...(ledger ?? new Map<string, number>())].filter(([, usd]) => usd > 0).map(([email]) => email)]);
  return [...emails].sort().map((email) => {
    const { imageCount, costUsd: sidecarsUsd } = sidecars.get(email) ?? { imageCount: 0, costUsd: 0 };
    const ledgerUsd = ledger?.get(email);
    const base = { email, imageCount, sidecarsUsd };
    if (ledgerUsd === undefined) return { ...base, source: 'sidecars', unrecordedUsd: 0 };
    if (ledgerUsd < sidecarsUsd) return { ...base, ledgerUsd, source: 'sidecars', unrecordedUsd: 0 };
    return { ...base, ledgerUsd, source: 'spend.json', unrecordedUsd: addUsd(ledgerUsd, -sidecarsUsd) };
  });
}

/** One line of the import's report for a user, e.g. `ada@example.com: spend.json $1.229, sidecars $0.989 (2 images) …`. */
export function describeUserSpend(user: UserSpend, ledgerUsed: boolean): string {
  const sidecars = user.imageCount === 0 ? 'no images left' : `sidecars ${usd(user.sidecarsUsd)} (${user.imageCount} image${user.imageCount === 1 ? '' : 's'})`;
  if (user.ledgerUsd === undefined) return ledgerUsed ? `${user.email}: not in spend.json, ${sidecars}: the sidecars win` : `${user.email}: ${sidecars}`;
  const ledger = `spend.json ${usd(user.ledgerUsd)}`;
  if (user.source === 'sidecars') {
    return `${user.email}: ${ledger}, ${sidecars}: the sidecars win, spend.json is ${usd(addUsd(user.sidecarsUsd, -user.ledgerUsd))} short (it lost entries)`;
  }
  if (user.unrecordedUsd === 0) return `${user.email}: ${ledger}, ${sidecars}: they agree`;
  return `${user.email}: ${ledger}, ${sidecars}: spend.json wins, ${usd(user.unrecordedUsd)} from images no longer present (deleted, or skipped above)`;
}

export function usd(value: number): string {
  return `$${value.toFixed(3)}`;
}
