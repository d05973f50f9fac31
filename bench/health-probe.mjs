// Asks BENCH_PROBE_URL every 100 ms over one keep-alive connection, from a process of its own
// (the load generator's busy event loop would otherwise delay the answers it measures). On
// SIGUSR2 writes the latencies (ms) since the last report to BENCH_PROBE_FILE, then starts afresh.
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let latencies = [];
const report = () => {
  writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify(latencies));
  latencies = [];
};
process.on('SIGUSR2', report);
report(); // the file's appearance says the probe is ready for signals
for (;;) {
  const started = performance.now();
  await new Promise((resolve) => {
    get(process.env.BENCH_PROBE_URL, { agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', resolve);
  });
  latencies.push(performance.now() - started);
  await setTimeout(100);
}
