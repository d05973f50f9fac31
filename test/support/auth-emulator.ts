/**
 * The real Firebase Auth emulator (from firebase-tools) for the whole test run, and helpers
 * that mint Firebase ID tokens with it. Mocha loads this file through `.mocharc.json` →
 * `require`, beside the Firestore fixture.
 *
 * `mochaGlobalSetup` picks free ports, spawns the firebase CLI (`emulators:start --only auth`)
 * from a temporary directory holding a generated firebase.json, and sets
 * FIREBASE_AUTH_EMULATOR_HOST, so firebase-admin's `verifyIdToken` accepts the emulator's
 * unsigned tokens. It does not wait for the emulator: compiling its API spec takes 6–8 s of
 * CPU, which then overlaps with the tests that do not need it. Every helper here waits until
 * the emulator answers; a test that speaks to the emulator any other way first awaits
 * `authEmulatorReady()`. If the emulator cannot start, every test that asks for a token fails
 * with the reason: auth tests are never skipped silently.
 *
 * `mochaGlobalTeardown` kills the CLI's whole process group (the emulator keeps its users in
 * memory, so there is nothing to shut down cleanly) and removes the directory. Should the test
 * run die without its teardown, even by SIGKILL, a watchdog preloaded into the CLI sees its
 * stdin close and kills the group itself.
 *
 * In emulator mode firebase-admin's `verifyIdToken` also looks the user up in the emulator (as
 * with `checkRevoked`): a token whose user `resetAuthEmulator()` deleted fails with
 * `auth/user-not-found`, and an unreachable emulator fails every verification.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePorts } from './free-ports.js';
import { supervise } from './supervised-child.js';

/** The demo project the emulator serves (demo-* ids never reach Google). Pass it to firebase-admin. */
export const AUTH_EMULATOR_PROJECT = 'demo-image-studio';
/** The password `passwordIdToken` gives its users. */
export const TEST_PASSWORD = 'test-password-1';

const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** Environment variables the CLI must not inherit from the test process. */
const UNINHERITED_ENV = ['NODE_OPTIONS', 'FIREBASE_AUTH_EMULATOR_HOST', 'FIRESTORE_EMULATOR_HOST', 'FIREBASE_EMULATOR_HUB', 'GCLOUD_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'FIREBASE_CONFIG'];

// Preloaded into the CLI (`node --require`): when the test process goes away its end of the
// CLI's stdin closes; then the temporary directory is removed and the CLI's process group
// killed (process.kill(0) = own group).
const WATCHDOG_SOURCE = `'use strict';
const end = () => {
  try {
    require('node:fs').rmSync(__dirname, { recursive: true, force: true });
  } finally {
    process.kill(0, 'SIGKILL');
  }
};
process.stdin.on('end', end);
process.stdin.on('error', end);
process.stdin.resume();
`;

interface RunningEmulator {
  readonly child: ChildProcess;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly exited: Promise<void>;
  /** Resolves once the emulator answers; rejects if it exits first or does not answer in time. */
  readonly ready: Promise<void>;
}

let workDir: string | undefined;
let emulator: RunningEmulator | undefined;
let readyHost: Promise<string> | undefined;
let stopping = false;

export async function mochaGlobalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  stopping = false;
  const dir = mkdtempSync(join(tmpdir(), 'auth-emulator-'));
  workDir = dir;
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'watchdog.cjs'), WATCHDOG_SOURCE);
  emulator = await launch(dir);
  process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator.host;
  readyHost = waitUntilReady(dir, emulator);
  // Reported to whoever awaits authEmulatorReady(); a run that never asks must not crash on it.
  readyHost.catch(() => undefined);
}

export async function mochaGlobalTeardown(): Promise<void> {
  stopping = true;
  const running = emulator;
  emulator = undefined;
  readyHost = undefined;
  if (running) await stopEmulator(running);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

/** `127.0.0.1:PORT` of the emulator (FIREBASE_AUTH_EMULATOR_HOST). It may still be starting: see `authEmulatorReady`. */
export function authEmulatorHost(): string {
  if (!emulator) throw notRunning();
  return emulator.host;
}

/** Waits until the emulator answers, and gives its `127.0.0.1:PORT`. Rejects with the reason if it cannot start. */
export function authEmulatorReady(): Promise<string> {
  if (!readyHost) return Promise.reject(notRunning());
  return readyHost;
}

/**
 * An ID token of a user who signed in with Google (`firebase.sign_in_provider` "google.com")
 * with `email_verified` as asked (default true). The Google account id (`sub`) derives from
 * the email, so one email is one user however often, and with whichever helper, it signs in.
 *
 * One email is one account in Firebase, and the emulator keeps an account's first
 * `email_verified` and would refuse an unverified Google sign-in to an account that exists.
 * So before signing in this sets the account's `emailVerified` as asked, and links Google to
 * an existing account without it, through the emulator's admin API. Neither revokes tokens
 * minted before (a Google sign-in to an unverified password account would: Firebase then
 * drops the password and revokes its sessions).
 */
export async function googleIdToken(email: string, options: { verified?: boolean } = {}): Promise<string> {
  const verified = options.verified ?? true;
  const sub = googleSubject(email);
  const account = await lookupAccount(email);
  if (account) {
    const linked = account.providerUserInfo?.some((info) => info.providerId === 'google.com' && info.rawId === sub) ?? false;
    if (!linked || account.emailVerified !== verified) {
      await updateAccount({
        localId: account.localId,
        emailVerified: verified,
        ...(linked ? {} : { linkProviderUserInfo: { providerId: 'google.com', rawId: sub, federatedId: sub, email } }),
      });
    }
  }
  const response = await identityToolkit<{ idToken?: string }>('signInWithIdp', {
    postBody: new URLSearchParams({ id_token: JSON.stringify({ sub, email, email_verified: verified }), providerId: 'google.com' }).toString(),
    requestUri: 'http://localhost',
    returnSecureToken: true,
    returnIdpCredential: true,
  });
  const token = response.idToken;
  const claims = token ? payloadOf(token) : undefined;
  const provider = (claims?.firebase as { sign_in_provider?: unknown } | undefined)?.sign_in_provider;
  if (!token || claims?.email_verified !== verified || provider !== 'google.com') {
    throw new Error(`The Auth emulator gave no ${verified ? 'verified' : 'unverified'} Google ID token for ${email}: ${JSON.stringify(response)}`);
  }
  return token;
}

/**
 * An ID token of a user who signed in with email and password (`sign_in_provider`
 * "password"), signed up on first use. `email_verified` is the account's: false for a new
 * one, as a Google sign-in with the same email left it otherwise. An account without the
 * password (say, a Google user's) gets it through the admin API, keeping its tokens valid.
 */
export async function passwordIdToken(email: string): Promise<string> {
  const signIn = async () => (await identityToolkit<{ idToken: string }>('signInWithPassword', { email, password: TEST_PASSWORD, returnSecureToken: true })).idToken;
  const account = await lookupAccount(email);
  if (!account) return (await identityToolkit<{ idToken: string }>('signUp', { email, password: TEST_PASSWORD, returnSecureToken: true })).idToken;
  try {
    return await signIn();
  } catch (err) {
    // INVALID_LOGIN_CREDENTIALS instead when the project has email enumeration protection on.
    if (!(err instanceof AuthEmulatorError) || !/^INVALID_(PASSWORD|LOGIN_CREDENTIALS)/.test(err.reason)) throw err;
  }
  // Setting a password revokes the account's earlier tokens (validSince = now), unless the
  // admin API hands validSince back as it was.
  await updateAccount({ localId: account.localId, password: TEST_PASSWORD, validSince: account.validSince ?? '0' });
  return signIn();
}

/**
 * A Google user's emulator ID token (as `googleIdToken(email)`) whose `iat`/`auth_time` are two hours and `exp` one hour in
 * the past; firebase-admin rejects it with `auth/id-token-expired`.
 */
export async function expiredIdToken(email: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return rewritePayload(await googleIdToken(email), { iat: now - 7200, auth_time: now - 7200, exp: now - 3600 });
}

/**
 * A Google user's emulator ID token re-addressed to another project (`aud` and `iss` of
 * demo-other-project); firebase-admin rejects it with `auth/argument-error`.
 */
export async function forgedIdToken(email: string): Promise<string> {
  const other = 'demo-other-project';
  return rewritePayload(await googleIdToken(email), { aud: other, iss: `https://securetoken.google.com/${other}` });
}

/** Deletes every user in the emulator's project. Tokens minted before then fail verification (`auth/user-not-found`). */
export async function resetAuthEmulator(): Promise<void> {
  const host = await authEmulatorReady();
  const response = await fetch(`http://${host}/emulator/v1/projects/${AUTH_EMULATOR_PROJECT}/accounts`, {
    method: 'DELETE',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`The Auth emulator did not delete its users: HTTP ${response.status} ${await response.text()}`);
}

interface EmulatorAccount {
  localId: string;
  emailVerified?: boolean;
  validSince?: string;
  providerUserInfo?: { providerId: string; rawId?: string }[];
}

/** The account with this email, through the admin API (`Bearer owner` is the emulator's admin credential). */
async function lookupAccount(email: string): Promise<EmulatorAccount | undefined> {
  const response = await identityToolkit<{ users?: EmulatorAccount[] }>('lookup', { email: [email] }, { admin: true });
  return response.users?.[0];
}

async function updateAccount(changes: { localId: string } & Record<string, unknown>): Promise<void> {
  await identityToolkit('update', changes, { admin: true });
}

class AuthEmulatorError extends Error {
  constructor(
    method: string,
    readonly reason: string,
  ) {
    super(`The Auth emulator refused accounts:${method}: ${reason}`);
  }
}

async function identityToolkit<T>(method: string, body: object, options: { admin?: boolean } = {}): Promise<T> {
  const host = await authEmulatorReady();
  // Client calls carry an API key and act on the emulator's default project, AUTH_EMULATOR_PROJECT.
  const url = options.admin
    ? `http://${host}/identitytoolkit.googleapis.com/v1/projects/${AUTH_EMULATOR_PROJECT}/accounts:${method}`
    : `http://${host}/identitytoolkit.googleapis.com/v1/accounts:${method}?key=fake-api-key`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.admin ? { authorization: 'Bearer owner' } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    let reason = `HTTP ${response.status} ${text}`;
    try {
      reason = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? reason;
    } catch {
      // not JSON: keep the raw text
    }
    throw new AuthEmulatorError(method, reason);
  }
  return JSON.parse(text) as T;
}

/** A stable, Google-like numeric account id for an email. */
function googleSubject(email: string): string {
  const digest = createHash('sha256').update(email.toLowerCase()).digest('hex');
  return BigInt(`0x${digest.slice(0, 15)}`).toString().padStart(19, '1');
}

function jwtParts(idToken: string): [header: string, payload: string, signature: string] {
  const [header, payload, signature, ...rest] = idToken.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
    throw new Error(`Not a JWT from the Auth emulator: ${idToken}`);
  }
  return [header, payload, signature];
}

function payloadOf(idToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwtParts(idToken)[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same unsigned (`alg: none`) emulator token with some payload claims replaced. */
function rewritePayload(idToken: string, changes: Record<string, unknown>): string {
  const [header, , signature] = jwtParts(idToken);
  const rewritten = Buffer.from(JSON.stringify({ ...payloadOf(idToken), ...changes })).toString('base64url');
  return `${header}.${rewritten}.${signature}`;
}

function notRunning(): Error {
  return new Error('The Auth emulator is not running: is test/support/auth-emulator.ts in .mocharc.json "require"?');
}

class EmulatorExitedEarly extends Error {}

/** Resolves to the emulator's host once it answers; on an early exit (a port taken meanwhile) starts it again on other ports. */
async function waitUntilReady(dir: string, first: RunningEmulator): Promise<string> {
  let running = first;
  for (let attempt = 1; ; attempt++) {
    try {
      await running.ready;
      return running.host;
    } catch (err) {
      if (!(err instanceof EmulatorExitedEarly) || attempt === 3 || stopping) throw err;
      running = await launch(dir);
      if (stopping) {
        await stopEmulator(running);
        throw new Error('The Auth emulator was stopped while it was starting.');
      }
      emulator = running;
      process.env.FIREBASE_AUTH_EMULATOR_HOST = running.host;
    }
  }
}

function firebaseCli(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('firebase-tools/package.json');
  } catch {
    throw new Error('firebase-tools is not installed: it is a devDependency; run npm ci.');
  }
  const cli = join(dirname(packageJson), 'lib', 'bin', 'firebase.js');
  if (!existsSync(cli)) throw new Error(`The firebase CLI is missing: ${cli}`);
  return cli;
}

/** Spawns the CLI on free ports; `ready` tells when it answers. */
async function launch(dir: string): Promise<RunningEmulator> {
  const cli = firebaseCli();
  const [authPort, hubPort] = await freePorts(2);
  const host = `127.0.0.1:${authPort}`;
  const config = join(dir, 'firebase.json');
  writeFileSync(
    config,
    JSON.stringify({
      emulators: {
        auth: { host: '127.0.0.1', port: authPort },
        // The hub always starts (its default 4400 may be taken); the UI would want port 4000.
        hub: { host: '127.0.0.1', port: hubPort },
        ui: { enabled: false },
        singleProjectMode: true,
      },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Its config store, hub locator file and debug log stay in the temporary directory.
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'home', '.config'),
    TMPDIR: join(dir, 'tmp'),
    // Offline and quiet: CI skips the message-of-the-day fetch and the update check (so does
    // NO_UPDATE_NOTIFIER); usage reporting is off in a fresh config store.
    CI: 'true',
    NO_UPDATE_NOTIFIER: '1',
    // firebase-tools 15 starts the logging emulator (port 4500) unless told "false" outright.
    START_LOGGING_EMULATOR: 'false',
  };
  for (const name of UNINHERITED_ENV) delete env[name];
  // node itself, not npx or the bin shim: this PID is the CLI's. detached makes it the
  // leader of a process group of its own, which teardown kills whole.
  const child = spawn(
    process.execPath,
    ['--require', join(dir, 'watchdog.cjs'), cli, 'emulators:start', '--only', 'auth', '--project', AUTH_EMULATOR_PROJECT, '--config', config, '--non-interactive'],
    { cwd: dir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // Killed (the whole group) if the run ends without the teardown.
  const supervised = supervise(child, () => killGroup(child));
  child.stdin?.on('error', () => undefined); // EPIPE once the CLI is gone
  const { exited } = supervised;

  const what = `The Auth emulator (firebase emulators:start --only auth, ${host})`;
  const ready = (async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (supervised.hasExited()) {
        const spawnError = supervised.spawnError();
        if (spawnError) throw new Error(`${what} could not be started: ${spawnError.message}`);
        if (stopping) throw new Error(`${what} was stopped while it was starting.`);
        throw new EmulatorExitedEarly(`${what} exited with ${child.exitCode ?? child.signalCode} before it was ready.\n${supervised.output()}`);
      }
      if (await answersReady(host)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    killGroup(child);
    throw new Error(`${what} did not answer within ${START_TIMEOUT_MS / 1000} s.\n${supervised.output()}`);
  })();
  ready.catch(() => undefined);
  return { child, host, exited, ready };
}

async function answersReady(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    return response.ok && ((await response.json()) as { authEmulator?: { ready?: boolean } }).authEmulator?.ready === true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function stopEmulator(running: RunningEmulator): Promise<void> {
  // Kill the group even if the CLI itself has exited: a child of it could remain.
  killGroup(running.child);
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
  if ((await Promise.race([running.exited, timer])) === 'timeout') {
    throw new Error(`The Auth emulator (PID ${running.child.pid}) did not exit after SIGKILL.`);
  }
}

