/**
 * The dashboard built for the browser tests: the same sources and Vite config as
 * `npm run build`, with a Firebase web config that points at the Auth emulator (the
 * production build reads Hosting's /__/firebase/init.json instead). Built once per test run
 * into a temporary directory, by the Vite CLI in a child process (tsx's module hooks in the
 * test process confuse Vite's resolver).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AUTH_EMULATOR_PROJECT, authEmulatorReady } from './auth-emulator.js';
import { envWithoutLoader } from './child-env.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let built: Promise<string> | undefined;

export function emulatorDashboard(): Promise<string> {
  built ??= buildWithEmulator();
  return built;
}

async function buildWithEmulator(): Promise<string> {
  await authEmulatorReady();
  const emulatorHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (!emulatorHost) throw new Error('FIREBASE_AUTH_EMULATOR_HOST is not set: the Auth emulator fixture did not start');
  const outDir = mkdtempSync(path.join(tmpdir(), 'dashboard-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: envWithoutLoader({
      VITE_FIREBASE_API_KEY: 'fake-api-key-for-the-emulator',
      VITE_FIREBASE_PROJECT_ID: AUTH_EMULATOR_PROJECT,
      VITE_FIREBASE_AUTH_DOMAIN: 'localhost',
      VITE_FIREBASE_AUTH_EMULATOR_URL: `http://${emulatorHost}`,
    }),
  });
  return outDir;
}
