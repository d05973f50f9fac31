// The floor for start-up: a bare express app answering /health.
import express from 'express';

const app = express();
app.get('/health', (_req, res) => res.json({ ok: true }));
app.listen(Number(process.env.PORT), '127.0.0.1');
