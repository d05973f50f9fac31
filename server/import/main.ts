/**
 * `npm run import -- <dir>`: loads a directory of the original server (or of this server's
 * local store) into the stores the environment configures (see README, "Import").
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadImportConfig } from '../config.js';
import { openStores } from '../stores.js';
import { importDirectory } from './import-directory.js';
import { reportLines } from './report-text.js';

const USAGE = 'Usage: npm run import -- <directory>\n' +
  'Loads {id}.png + {id}.json sidecars, prefs.json and spend.json into the configured stores\n' +
  '(IMG_ROOT for the local store; IMG_BUCKET and GOOGLE_CLOUD_PROJECT for the cloud ones).\n';

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    process.stderr.write(USAGE);
    return args[0] === '--help' || args[0] === '-h' ? 0 : 2;
  }
  const dir = path.resolve(args[0] ?? '');
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    process.stderr.write(`Not a directory: ${dir}\n${USAGE}`);
    return 2;
  }
  const config = loadImportConfig();
  if (config.store.kind === 'local' && path.resolve(config.store.root) === dir) {
    process.stderr.write(`${dir} is the local store itself (IMG_ROOT); set IMG_ROOT to another directory to import into.\n`);
    return 2;
  }

  const stores = await openStores(config.store);
  process.stdout.write(`Importing ${dir} into ${stores.description}\n`);
  try {
    const report = await importDirectory(dir, { ...stores, catalogue: config.catalogue }, (done, total) => {
      if (done % 100 === 0 || done === total) process.stdout.write(`  ${done}/${total} records read\n`);
    });
    for (const line of reportLines(report)) process.stdout.write(`${line}\n`);
    // A refused spend.json needs the operator, as a failed write does: fix it and run again.
    return report.failed.length > 0 || report.spend.ledger === 'malformed' ? 1 : 0;
  } finally {
    await stores.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `Import failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
