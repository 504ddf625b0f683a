// The manager's HTTP endpoint: /metrics (Prometheus exposition), /healthz and /readyz. It binds
// to loopback by default; any other address needs a certificate, so nothing listens beyond
// the machine in clear text.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { RuntimeMetrics } from '../metrics/registry.ts';

export interface ProbeServerOptions {
  host?: string;
  port: number;
  metrics: RuntimeMetrics;
  ready: () => boolean;
  tls?: { cert: string; key: string };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startProbeServer(
  opts: ProbeServerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.tls) {
    throw new Error(
      `refusing to serve metrics on ${host} without TLS: pass a certificate or bind to 127.0.0.1`,
    );
  }
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (path === '/readyz') {
      const ok = opts.ready();
      return void res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok' : 'not ready');
    }
    if (path === '/metrics') {
      opts.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': opts.metrics.contentType }).end(text),
        (err) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404).end();
  };
  const server: Server = opts.tls ? createHttpsServer(opts.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
