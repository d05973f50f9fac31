// Preloaded into the server process the benchmark measures (node --import): samples the
// event-loop delay and, on SIGUSR2, writes its p99 and max (ms) since the last report to
// BENCH_LOOP_FILE, then starts afresh. Not part of the server.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on('SIGUSR2', () => {
  writeFileSync(process.env.BENCH_LOOP_FILE, JSON.stringify({ p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 }));
  histogram.reset();
});
