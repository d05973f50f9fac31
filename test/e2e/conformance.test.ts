/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
 * package.json) against the real entry point as a process, in local mode: a protocol
 * regression fails the test run with the suite's own report.
 *
 * This runs the suite's CLI once per scenario and wire version, against
 * http://127.0.0.1:PORT/mcp only (it reaches nothing else; its results go to a temp dir).
 * Only the scenarios that apply to this server run: it is a stateless Streamable HTTP server
 * with three tools and no resources, prompts, completions, logging, sampling or elicitation.
 * The suite's other server scenarios call diagnostic tools of its reference server
 * (`test_simple_text`, `test_error_handling`, `test_tool_with_progress`, …) or features we
 * do not offer, so they say nothing about this server.
 *
 * Each scenario runs at a pinned wire version: 2025-11-25 (the initialize handshake, what
 * today's clients speak) and 2026-07-28 (stateless, per-request `_meta`, `server/discover`).
 * NOT_APPLICABLE lists the few single checks inside an applicable scenario that need what
 * this server does not have; the suite's own `--expected-failures` baseline excuses exactly
 * those, so every other check in the scenario still counts, and a baselined check that
 * starts passing fails the run as a stale entry. With a baseline the suite also counts a
 * WARNING (a SHOULD not met) as a failure.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import { envWithoutLoader } from '../support/child-env.js';
import { freePort } from '../support/free-ports.js';
import { supervise, type SupervisedChild } from '../support/supervised-child.js';

const TSX = path.resolve('node_modules/tsx/dist/loader.mjs');
const SUITE_PACKAGE = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json');
const SUITE_CLI = path.join(path.dirname(SUITE_PACKAGE), 'dist/index.js');
const MCP_PATH = '/mcp';

type WireVersion = '2025-11-25' | '2026-07-28';

/** The scenarios that apply to this server, each at the wire version it runs at. */
const SCENARIOS: readonly { readonly scenario: string; readonly version: WireVersion }[] = [
  // The initialize handshake.
  { scenario: 'server-initialize', version: '2025-11-25' },
  { scenario: 'ping', version: '2025-11-25' },
  { scenario: 'tools-list', version: '2025-11-25' },
  { scenario: 'dns-rebinding-protection', version: '2025-11-25' },
  // Reports stateless servers as not applicable; checks DELETE and 404s if we ever issue session ids.
  { scenario: 'server-session-lifecycle', version: '2025-11-25' },
  // Stateless: per-request _meta, server/discover, version and header errors, removed methods.
  { scenario: 'server-stateless', version: '2026-07-28' },
  { scenario: 'tools-list', version: '2026-07-28' },
  { scenario: 'dns-rebinding-protection', version: '2026-07-28' },
  { scenario: 'server-sse-multiple-streams', version: '2026-07-28' },
  { scenario: 'caching', version: '2026-07-28' },
  // Mcp-Method / Mcp-Name header validation (SEP-2243); the suite lists it as pending.
  { scenario: 'http-header-validation', version: '2026-07-28' },
];

/** Checks of the scenarios above that cannot apply here (`scenario:check-id`), and why. */
const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  'server-stateless:sep-2575-server-rejects-undeclared-capability': 'needs the reference tool test_missing_capability',
  'server-stateless:sep-2575-missing-capability-http-400': 'needs the reference tool test_missing_capability',
  'server-stateless:sep-2575-http-server-no-independent-requests-on-stream': 'needs the reference tool test_streaming_elicitation',
  'server-stateless:sep-2575-server-no-log-without-loglevel': 'needs the reference tool test_logging_tool',
  'caching:sep-2549-prompts-list-caching-hints': 'no prompts: prompts/list is Method not found',
  'caching:sep-2549-resources-list-caching-hints': 'no resources: resources/list is Method not found',
  'caching:sep-2549-resources-templates-list-caching-hints': 'no resources: resources/templates/list is Method not found',
};

/** One scenario per CLI run; each takes about a second against a healthy server. */
const SCENARIO_TIMEOUT_MS = 15_000;
const CLI_TIMEOUT_MS = 25_000;

interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

interface Check {
  readonly id: string;
  readonly status: string;
  readonly errorMessage?: string;
}

function runCli(args: readonly string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUITE_CLI, ...args], {
      cwd,
      env: envWithoutLoader({ NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr), timedOut });
    });
  });
}

/**
 * The suite's report without the scenario description it repeats after every failed check:
 * the table of checks, each failed check with its error, and the baseline verdict.
 */
function condensedReport(stdout: string): string {
  const kept: string[] = [];
  let section: 'summary' | 'failures' | 'verdict' = 'summary';
  for (const line of stdout.split('\n')) {
    if (line.startsWith('=== Failed Checks ===')) section = 'failures';
    else if (/^(Expected failures|Unexpected failures|Stale|Baseline)/.test(line)) section = 'verdict';
    if (section === 'failures' && !/^(===| {2}- [A-Z][\w$]*: | {4}Error:|\[(implementation|harness)\])/.test(line)) continue;
    if (line.trim() !== '' || section === 'summary') kept.push(line);
  }
  return kept.join('\n').trim();
}

async function waitForHealth(url: string, child: SupervisedChild, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.hasExited()) throw new Error(`the server exited before it was healthy:\n${child.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server was not healthy within ${ms} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('MCP conformance suite (@modelcontextprotocol/conformance)', function () {
  this.timeout(CLI_TIMEOUT_MS + 10_000);

  let fake: GeminiFake;
  let root: string;
  let server: ChildProcess;
  let supervised: SupervisedChild;
  let url: string;
  let baseline: string;

  before(async function () {
    this.timeout(40_000);
    fake = await startGeminiFake();
    root = await mkdtemp(path.join(tmpdir(), 'image-studio-conformance-'));
    await mkdir(path.join(root, 'images'));
    await mkdir(path.join(root, 'results'));
    baseline = path.join(root, 'not-applicable.yaml');
    await writeFile(baseline, `server:\n${Object.entries(NOT_APPLICABLE).map(([check, why]) => `  - ${check} # ${why}\n`).join('')}`);

    const port = await freePort();
    server = spawn(process.execPath, ['--import', TSX, 'server/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        METADATA_SERVER_DETECTION: 'none',
        IMG_AUTH_DISABLED: '1',
        GEMINI_API_KEY: fake.apiKey,
        IMG_GEMINI_BASE_URL: fake.url,
        PORT: String(port),
        IMG_ROOT: path.join(root, 'images'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    supervised = supervise(server, () => server.kill('SIGKILL'));
    await waitForHealth(`http://127.0.0.1:${port}/health`, supervised);
    url = `http://127.0.0.1:${port}${MCP_PATH}`;
  });

  after(async function () {
    this.timeout(15_000);
    if (server && !supervised.hasExited()) {
      server.kill('SIGTERM');
      await supervised.exited;
    }
    await fake?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const { scenario, version } of SCENARIOS) {
    it(`${scenario} at ${version}`, async () => {
      const outDir = path.join(root, 'results', `${scenario}@${version}`);
      const args = ['server', '--url', url, '--scenario', scenario, '--spec-version', version];
      args.push('--timeout', String(SCENARIO_TIMEOUT_MS), '--expected-failures', baseline, '--output-dir', outDir);
      const run = await runCli(args, root);

      const report = condensedReport(run.stdout);
      const context = `conformance ${args.slice(0, 7).join(' ')}\n${report}${run.stderr.trim() ? `\n--- stderr ---\n${run.stderr.trim().slice(-4000)}` : ''}`;
      expect(run.timedOut, `the suite did not finish within ${CLI_TIMEOUT_MS} ms\n${context}`).to.equal(false);
      // A scenario the suite deems not applicable at this version exits 0 having checked nothing.
      expect(run.stdout, context).to.not.match(/^SKIPPED:/m);
      expect(run.code, context).to.equal(0);

      const [dir] = await readdir(outDir).catch(() => []);
      expect(dir, `the suite wrote no results\n${context}`).to.be.a('string');
      const checks = JSON.parse(await readFile(path.join(outDir, dir!, 'checks.json'), 'utf8')) as Check[];
      expect(checks.length, `the suite ran no checks\n${context}`).to.be.greaterThan(0);
    });
  }
});
