// The HTTPS server the API server calls for admission: one handler per path, health endpoints, body and
// time limits, controller-runtime's webhook metrics, and serving certificates reloaded from disk.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RuntimeMetrics } from '../metrics/registry.ts';
import { kubeStatus, reviewAdmission, type AdmissionHandler, type AdmissionHttpReply } from './admission.ts';

const MiB = 1024 * 1024;
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export interface WebhookServerOptions {
  /** Port to listen on; 0 (the default) picks a free one, reported by {@link WebhookServer.start}. */
  port?: number;
  /** Address to bind; default '127.0.0.1'. Use '0.0.0.0' in a pod. */
  host?: string;
  /** Serving certificate file (PEM, chain allowed); reloaded when it changes. Pair with `keyFile`. */
  certFile?: string;
  keyFile?: string;
  /** Serving certificate as a PEM string, for development. Pair with `key`. */
  cert?: string;
  key?: string;
  /** How often `certFile`/`keyFile` are checked for changes; default 2000 ms. */
  certWatchIntervalMs?: number;
  metrics?: RuntimeMetrics;
  /** Largest request body accepted; default 3 MiB (the API server's own request limit). Larger -> 413. */
  maxBodyBytes?: number;
  /** Time allowed to receive a request and to run its handler; default 30 s (the longest webhook timeout). */
  requestTimeoutMs?: number;
  /** Told about certificate reloads that failed; the previous certificate keeps serving. */
  onError?: (err: Error) => void;
}

interface TlsPair {
  cert: string;
  key: string;
}

class HttpError extends Error {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

export class WebhookServer {
  readonly #options: WebhookServerOptions;
  readonly #handlers = new Map<string, AdmissionHandler>();
  #server: Server | undefined;
  #starting = false;
  #tls: TlsPair | undefined;
  #port: number | undefined;
  #ready = false;
  #reloading: Promise<void> = Promise.resolve();
  readonly #onCertChange = () => void this.#reloadTls();

  constructor(options: WebhookServerOptions) {
    const files = options.certFile !== undefined || options.keyFile !== undefined;
    const pems = options.cert !== undefined || options.key !== undefined;
    if (files === pems) throw new Error('WebhookServer needs either certFile and keyFile, or cert and key');
    if (files && !(options.certFile && options.keyFile)) throw new Error('certFile and keyFile go together');
    if (pems && !(options.cert && options.key)) throw new Error('cert and key go together');
    this.#options = options;
  }

  /** Serves `handler` at `path` (e.g. '/validate-configmap'); allowed before or after start. */
  register(path: string, handler: AdmissionHandler): this {
    if (!path.startsWith('/')) throw new Error(`webhook path must start with '/': ${path}`);
    if (HEALTH_PATHS.has(path)) throw new Error(`webhook path ${path} is reserved`);
    if (this.#handlers.has(path)) throw new Error(`a webhook is already registered at ${path}`);
    this.#handlers.set(path, handler);
    return this;
  }

  /** The bound port, once started. */
  get port(): number | undefined {
    return this.#port;
  }

  async start(): Promise<{ port: number }> {
    if (this.#server || this.#starting) throw new Error('WebhookServer already started');
    this.#starting = true;
    try {
      return await this.#listen();
    } finally {
      this.#starting = false;
    }
  }

  async #listen(): Promise<{ port: number }> {
    const o = this.#options;
    const timeout = o.requestTimeoutMs ?? 30_000;
    this.#tls = await this.#loadTls();
    const server = createServer({
      ...this.#tls,
      requestTimeout: timeout,
      headersTimeout: Math.min(timeout, 60_000),
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.#route(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      this.#server = undefined;
      throw err;
    });
    if (o.certFile && o.keyFile) {
      const interval = o.certWatchIntervalMs ?? 2000;
      watchFile(o.certFile, { interval, persistent: false }, this.#onCertChange);
      watchFile(o.keyFile, { interval, persistent: false }, this.#onCertChange);
    }
    this.#port = (server.address() as AddressInfo).port;
    this.#ready = true;
    return { port: this.#port };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#ready = false;
    this.#server = undefined;
    const { certFile, keyFile } = this.#options;
    if (certFile && keyFile) {
      unwatchFile(certFile, this.#onCertChange);
      unwatchFile(keyFile, this.#onCertChange);
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections from the API server would otherwise hold the port open.
    server.closeAllConnections();
    await closed;
  }

  async #loadTls(): Promise<TlsPair> {
    const { cert, key, certFile, keyFile } = this.#options;
    if (cert && key) return { cert, key };
    const [c, k] = await Promise.all([readFile(certFile!, 'utf8'), readFile(keyFile!, 'utf8')]);
    return { cert: c, key: k };
  }

  // Reloads run one after another so a slow read cannot install an older pair over a newer one. A
  // rotation writes the certificate and the key separately; a half-written rotation fails to load here
  // (mismatched key) and the old pair keeps serving until the second file's change arrives.
  #reloadTls(): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      const server = this.#server;
      if (!server) return;
      try {
        const next = await this.#loadTls();
        if (next.cert === this.#tls?.cert && next.key === this.#tls.key) return;
        server.setSecureContext(next);
        this.#tls = next;
      } catch (err) {
        this.#options.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    });
    return this.#reloading;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (HEALTH_PATHS.has(path)) {
      const ok = path === '/healthz' || this.#ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
      return;
    }
    const handler = this.#handlers.get(path);
    if (!handler) {
      req.resume();
      send(res, { httpStatus: 404, body: kubeStatus(404, `no webhook registered at ${path}`) });
      return;
    }
    const metrics = this.#options.metrics?.forWebhook(path);
    metrics?.inFlight.inc();
    const started = performance.now();
    let reply: AdmissionHttpReply;
    try {
      reply = await this.#serve(req, handler);
    } catch (err) {
      const status = err instanceof HttpError ? err.httpStatus : 500;
      reply = { httpStatus: status, body: kubeStatus(status, (err as Error).message) };
    }
    send(res, reply);
    metrics?.inFlight.dec();
    metrics?.latency.observe((performance.now() - started) / 1000);
    metrics?.requests(reply.httpStatus).inc();
  }

  async #serve(req: IncomingMessage, handler: AdmissionHandler): Promise<AdmissionHttpReply> {
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed: use POST`);
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, `content-type must be application/json, got ${type}`);
    }
    const body = await readBody(req, this.#options.maxBodyBytes ?? 3 * MiB);
    const timeoutMs = this.#options.requestTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HttpError(504, `admission handler did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([reviewAdmission(body, handler), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function send(res: ServerResponse, reply: AdmissionHttpReply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // An oversized body may still be arriving: close rather than drain it to reuse the connection.
  if (reply.httpStatus === 413) headers.connection = 'close';
  res.writeHead(reply.httpStatus, headers).end(JSON.stringify(reply.body));
}

/** Reads the body, refusing it with 413 as soon as it is known to exceed `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `request body exceeds ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
