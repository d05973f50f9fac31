/**
 * npm run bench: the server's own costs against their physical floors, measured on this
 * machine in one run (see docs/performance.md). Figures only; nothing here passes or fails a
 * build. BENCH_RUNS (default 10) sets the samples per median; BENCH_SECONDS (default 5) the
 * length of each throughput run.
 */
import { benchDashboardApi } from './dashboard-api.js';
import { benchGeneration, cleanGeneration } from './generation.js';
import { benchFirestoreOps } from './generation-firestore.js';
import { benchPreview } from './preview.js';
import { benchCloudServing, benchServing } from './serving.js';
import { benchStartup } from './startup.js';
import type { Figure } from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
process.env.METADATA_SERVER_DETECTION = 'none';

const figures: Figure[] = [];
const step = (name: string) => process.stderr.write(`bench: ${name}…\n`);

step('generation through MCP (1K, 2K, 4K; concurrency; memory)');
const generation = await benchGeneration(runs);
figures.push(...generation.figures);
step('preview of the worst case (pure noise)');
figures.push(...(await benchPreview(runs)));
step('image serving');
figures.push(...(await benchServing(generation.served, seconds)));
step('image serving from the Cloud Storage fake');
figures.push(...(await benchCloudServing(generation.served, seconds)));
await cleanGeneration(generation.served.root);
step('Firestore operations per generation (cloud stores)');
figures.push(...(await benchFirestoreOps()));
step('dashboard API on the Firestore emulator');
figures.push(...(await benchDashboardApi(runs)));
step('start-up');
figures.push(...(await benchStartup(Math.max(3, Math.ceil(runs / 2)))));

// Cloud Run sizing from the measured memory: what fits in 2 GiB with a fifth kept spare.
const memoryMiB = 2048;
const concurrency = Math.floor((memoryMiB * 0.8 - generation.idleMb) / generation.perGenerationMb);

const header = ['figure', 'measured', 'floor', 'ratio', 'target', 'met'];
const rows = figures.map((f) => [f.figure, f.measured, f.floor, f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`, f.target, f.met === undefined ? '—' : f.met ? 'yes' : 'NO']);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(
  [
    `Image Studio benchmark — ${new Date().toISOString()}, Node ${process.version}, ${runs} samples per median`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `Cloud Run sizing: idle ${generation.idleMb.toFixed(0)} MB + ${generation.perGenerationMb.toFixed(0)} MB per in-flight 4K generation → ` +
      `at ${memoryMiB} MiB, up to ${concurrency} concurrent generations with a fifth spare (cloudbuild.yaml sets _MEMORY and _CONCURRENCY).`,
    '',
  ].join('\n'),
);
process.exit(0);
