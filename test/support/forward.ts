/** Passes one HTTP request on to another server, as a reverse proxy does, and its answer back. */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

export function forward(req: IncomingMessage, res: ServerResponse, to: { host: string; port: number | string }): void {
  const upstream = request({ host: to.host, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
