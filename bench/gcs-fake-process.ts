/**
 * The Cloud Storage fake as its own process for the benchmark, so serving its bytes never
 * competes with the server being measured inside one process: listens on PORT and, with
 * BENCH_OBJECT set, holds that object in `demo-bucket`, with the bytes of BENCH_FILE.
 */
import { readFileSync } from 'node:fs';
import { startGcsFake } from '../test/fakes/gcs-fake.js';

const fake = await startGcsFake({ port: Number(process.env.PORT) });
if (process.env.BENCH_OBJECT) {
  fake.put(process.env.BENCH_OBJECT, readFileSync(process.env.BENCH_FILE!), { contentType: 'image/png', cacheControl: 'public, max-age=31536000, immutable' });
}
// The benchmark's requests would otherwise pile up in the fake's log for the whole run.
setInterval(() => void fake.requests.splice(0), 1000).unref();
process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
