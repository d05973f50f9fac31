// The floor for serving an image: a bare node:http server streaming one file, nothing else.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';

const file = process.env.BENCH_FILE;
const { size } = statSync(file);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': size });
  createReadStream(file).pipe(res);
}).listen(Number(process.env.PORT), '127.0.0.1');
