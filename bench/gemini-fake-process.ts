/**
 * The Gemini fake as its own process for the benchmark, so rendering its answers never
 * competes with the server being measured: noisy PNGs (realistic sizes), each shape rendered
 * once and reused, answered at once or after BENCH_FAKE_DELAY_MS. Prints its URL and key as
 * one JSON line.
 */
import { startGeminiFake } from '../test/fakes/gemini-fake.js';

const fake = await startGeminiFake({ noisy: true, reuseImages: true, delayMs: Number(process.env.BENCH_FAKE_DELAY_MS ?? 0) });
process.stdout.write(`${JSON.stringify({ url: fake.url, apiKey: fake.apiKey })}\n`);
process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
