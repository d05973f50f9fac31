// The floor for serving an image from Cloud Storage: a bare node:http server that streams one
// object's media download (BENCH_MEDIA_URL, the Cloud Storage fake) to each request, over
// pooled keep-alive connections, and nothing else. Like the server, it sends a download once
// more on a new connection when a pooled one turns out to have been closed by the fake (under
// load, the event loop can learn of that too late).
import { Agent, createServer, get } from 'node:http';

const agent = new Agent({ keepAlive: true });
createServer((_req, res) => {
  const download = (pooled) =>
    get(process.env.BENCH_MEDIA_URL, { agent: pooled ? agent : false }, (upstream) => {
      res.writeHead(upstream.statusCode, { 'content-type': upstream.headers['content-type'], 'content-length': upstream.headers['content-length'] });
      upstream.pipe(res);
    }).on('error', (err) => (pooled && err.code === 'ECONNRESET' ? download(false) : res.destroy()));
  download(true);
}).listen(Number(process.env.PORT), '127.0.0.1');
