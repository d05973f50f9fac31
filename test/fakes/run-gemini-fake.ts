/**
 * The Gemini fake as a standalone process, to try the server without a key:
 *   npm run fake-gemini            (prints the URL to use as IMG_GEMINI_BASE_URL)
 */
import { startGeminiFake } from './gemini-fake.js';

const port = Number(process.env.FAKE_GEMINI_PORT ?? 8767);
const fake = await startGeminiFake({ noisy: process.env.FAKE_GEMINI_NOISY === '1', port });
process.stdout.write(
  `Gemini fake at ${fake.url}\n` +
    `Run the server with: IMG_AUTH_DISABLED=1 GEMINI_API_KEY=${fake.apiKey} IMG_GEMINI_BASE_URL=${fake.url} npm start\n`,
);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
