// Streamable HTTP hosting at /mcp: one MCP server per session. Loopback by default; another address
// needs TLS. Host and Origin headers are checked so a web page cannot reach a local server through
// DNS rebinding.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export const MCP_PATH = '/mcp';
const MAX_SESSIONS = 64;

export interface HttpOptions {
  host: string;
  port: number;
  /** PEM certificate and key; required for any address but loopback. */
  tls?: { cert: string; key: string };
}

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostnameOf(hostHeader: string): string {
  return hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
}

function reject(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

export async function serveHttp(newServer: () => McpServer, opts: HttpOptions): Promise<HttpHandle> {
  if (!isLoopback(opts.host) && !opts.tls)
    throw new Error(
      `refusing to serve on ${opts.host} without TLS: pass a certificate and key, or bind to 127.0.0.1`,
    );
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  // On loopback only local names are accepted; elsewhere the bound name.
  const allowedHost = (h: string) =>
    isLoopback(opts.host) ? isLoopback(h) : h === opts.host || h === `[${opts.host}]`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== MCP_PATH) return reject(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (!allowedHost(hostnameOf(req.headers.host ?? ''))) return reject(res, 403, 'forbidden host');
    const origin = req.headers.origin;
    if (origin && !allowedHost(hostnameOf(new URL(origin, 'http://invalid').host)))
      return reject(res, 403, 'forbidden origin');

    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const session = sessions.get(sid);
      if (!session) return reject(res, 404, 'session not found');
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return reject(res, 400, 'no session: initialize first');
    if (sessions.size >= MAX_SESSIONS) return reject(res, 503, 'too many sessions');
    const server = newServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
    // Anything but an initialize request opened no session: drop its server.
    if (!transport.sessionId) await server.close();
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reject(res, 500, (err as Error).message);
      else res.end();
    });
  };
  const http = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const hostPart = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${hostPart}:${port}${MCP_PATH}`,
    close: async () => {
      for (const { server } of sessions.values()) await server.close();
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
