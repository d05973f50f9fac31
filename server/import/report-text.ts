/** The import's report as the lines `npm run import` prints. Pure. */
import { addUsd } from '../core/totals.js';
import type { ImportReport, SpendReport } from './import-directory.js';
import { describeUserSpend, usd } from './spend-ledger.js';

export function reportLines(report: ImportReport): string[] {
  return [
    ...report.skipped.map(({ file, reason }) => `  skipped ${file}: ${reason}`),
    ...report.failed.map(({ file, reason }) => `  FAILED ${file}: ${reason}`),
    ...spendLines(report.spend),
    `Imported ${report.imported}, already present ${report.alreadyPresent}, skipped ${report.skipped.length}, ` +
      `failed ${report.failed.length}; default models imported for ${report.prefsImported} users.`,
  ];
}

export function spendLines(spend: SpendReport): string[] {
  const heading = {
    used: "Spend per user: spend.json (the original's cumulative ledger, deleted images included) wherever it names the user and is not below the sidecars' sum; otherwise the sum of the user's sidecars:",
    absent: "Spend per user: no spend.json, so the sum of each user's sidecars (images deleted in the original are not counted):",
    malformed: "Spend per user: spend.json is malformed (see above), so the sum of each user's sidecars, for everyone:",
  }[spend.ledger];
  const lines = [heading, ...spend.users.map((user) => `  ${describeUserSpend(user, spend.ledger === 'used')}`)];
  if (spend.users.length === 0) lines.push('  (none)');

  const unrecorded = spend.users.filter((u) => u.unrecordedUsd > 0);
  if (unrecorded.length > 0) {
    const total = unrecorded.reduce((sum, u) => addUsd(sum, u.unrecordedUsd), 0);
    lines.push(
      `Carried over: ${usd(total)} of spend.json's spend belongs to no imported image (${unrecorded.map((u) => u.email).join(', ')}); ` +
        "the stores count it in each user's total, under no model.",
    );
  }
  return lines;
}
