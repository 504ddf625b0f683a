// The HTTP registry (`capsule registry serve`) over a DirRegistry. Reads are open; writes need
// `Authorization: Bearer <token>`. Errors are JSON: {"error": {"code", "message"}}.
//
//   GET  /healthz                                   "ok"
//   GET  /v1/index                                  the index document (CapsuleIndex)
//   GET  /v1/keys                                   {capsule: [PEM]}: keys trusted to sign capsules
//   GET  /v1/capsules/{name}/{version}[?proof=true] one index entry (404 NOT_FOUND / PROOF_MISSING)
//   HEAD /v1/blobs/sha256:<hex>                     200 with Content-Length, or 404
//   GET  /v1/blobs/sha256:<hex>                     the capsule bytes
//   PUT  /v1/blobs/sha256:<hex>            (token)  upload; 201 {digest, size}; 422 DIGEST_MISMATCH; 413 TOO_LARGE
//   POST /v1/capsules {digest}             (token)  verify an uploaded blob and index it; 201 entry
//   POST /v1/capsules/sha256:<hex>/proofs {proofId} (token)  attach a proof to the capsule; 200 entry
//   POST /v1/proofs/generate <ProofClaim>  (token)  sign, store and anchor a proof; 201 ProofRecord
//   GET  /v1/proofs/sha256:<hex>                    {id, subject, type, envelope, receipts}
//   GET  /v1/proofs?subject=sha256:<hex>            {proofs: [ProofRecord]}
//   GET  /v1/log/checkpoint                         the transparency log's signed tree head
//   GET  /v1/log/proof?index=N[&size=M]             inclusion proof of leaf N in the tree of size M
//   GET  /v1/log/consistency?first=M&second=N       consistency proof between two tree sizes
import { createReadStream } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { silentLogger, type Logger } from '@industriverse/kube';
import type { ProofClaim } from '../proofs/statement.ts';
import type { DirRegistry } from '../registry/dir.ts';
import { digestHex, isDigest } from '../registry/digest.ts';
import { HTTP_STATUS, RegistryError } from '../registry/errors.ts';
import { CapsuleUriError, parseCapsuleUri } from '../uri.ts';
import { checkBearer } from './auth.ts';

export const DEFAULT_MAX_BLOB_BYTES = 4 * 1024 ** 3;
const MAX_JSON_BYTES = 1024 * 1024;

export interface RegistryServerOptions {
  registry: DirRegistry;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Bearer token for writes; without one the registry is read-only. */
  token?: string;
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxBlobBytes?: number;
  logger?: Logger;
}

export interface RunningRegistryServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new RangeError(`--listen "${text}" is not HOST:PORT (e.g. 127.0.0.1:5000)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw new RegistryError('TOO_LARGE', `request body exceeds ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RegistryError('BAD_REQUEST', 'request body is not JSON');
  }
}

function stringField(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string')
    throw new RegistryError('BAD_REQUEST', `request body needs a string field "${field}"`);
  return value;
}

function intParam(params: URLSearchParams, name: string, required: boolean): number | undefined {
  const text = params.get(name);
  if (text === null) {
    if (required) throw new RegistryError('BAD_REQUEST', `query parameter ${name} is required`);
    return undefined;
  }
  if (!/^\d+$/.test(text))
    throw new RegistryError('BAD_REQUEST', `query parameter ${name} must be a whole number`);
  return Number(text);
}

function methodNotAllowed(): never {
  throw new RegistryError('METHOD_NOT_ALLOWED', 'method not allowed on this path');
}

export async function startRegistryServer(opts: RegistryServerOptions): Promise<RunningRegistryServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.tls) {
    throw new Error(
      `refusing to serve on ${host} without TLS: pass --tls-cert and --tls-key, or listen on 127.0.0.1`,
    );
  }
  const registry = opts.registry;
  const logger = opts.logger ?? silentLogger;
  const maxBlobBytes = opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const authorize = (req: IncomingMessage) => checkBearer(req.headers.authorization, opts.token);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [v1, kind, a, b] = parts;

    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (v1 !== 'v1') throw new RegistryError('NOT_FOUND', `no route ${method} ${path}`);

    if (kind === 'index' && parts.length === 2) {
      if (method !== 'GET') methodNotAllowed();
      return sendJson(res, 200, await registry.readIndex());
    }

    if (kind === 'keys' && parts.length === 2) {
      if (method !== 'GET') methodNotAllowed();
      return sendJson(res, 200, { capsule: (await registry.trustedKeys()).map((k) => k.pem) });
    }

    if (kind === 'blobs' && parts.length === 3 && a !== undefined) {
      digestHex(a);
      if (method === 'PUT') {
        authorize(req);
        const declared = Number(req.headers['content-length']);
        if (declared > maxBlobBytes) {
          throw new RegistryError(
            'TOO_LARGE',
            `blob of ${declared} bytes exceeds the limit of ${maxBlobBytes} bytes`,
          );
        }
        const blob = await registry.blobs.put(req, { expected: a, maxBytes: maxBlobBytes });
        return sendJson(res, 201, blob);
      }
      if (method !== 'GET' && method !== 'HEAD') methodNotAllowed();
      const size = await registry.blobs.size(a);
      if (size === undefined) throw new RegistryError('NOT_FOUND', `no blob ${a}`);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': size, 'capsule-digest': a });
      if (method === 'HEAD') return void res.end();
      await new Promise<void>((resolve, reject) => {
        createReadStream(registry.blobs.path(a))
          .on('error', reject)
          .pipe(res)
          .on('finish', resolve)
          .on('error', reject);
      });
      return;
    }

    if (kind === 'capsules') {
      if (parts.length === 2) {
        if (method !== 'POST') methodNotAllowed();
        authorize(req);
        const digest = stringField(await readJson(req), 'digest');
        digestHex(digest);
        return sendJson(res, 201, await registry.register(digest));
      }
      if (parts.length === 4 && a !== undefined && isDigest(a) && b === 'proofs') {
        if (method !== 'POST') methodNotAllowed();
        authorize(req);
        const proofId = stringField(await readJson(req), 'proofId');
        return sendJson(res, 200, await registry.attachProof(a, proofId));
      }
      if (parts.length === 4 && a !== undefined && b !== undefined) {
        if (method !== 'GET') methodNotAllowed();
        const ref = parseCapsuleUri(`capsule://${a}:${b}${url.search}`);
        return sendJson(res, 200, await registry.resolve(ref));
      }
    }

    if (kind === 'proofs') {
      if (parts.length === 2) {
        if (method !== 'GET') methodNotAllowed();
        const subject = url.searchParams.get('subject');
        if (!subject)
          throw new RegistryError('BAD_REQUEST', 'query parameter subject=sha256:<hex> is required');
        return sendJson(res, 200, { proofs: await registry.proofsFor(subject) });
      }
      if (parts.length === 3 && a === 'generate') {
        if (method !== 'POST') methodNotAllowed();
        authorize(req);
        // generateProof checks the claim field by field.
        return sendJson(res, 201, await registry.generateProof((await readJson(req)) as ProofClaim));
      }
      if (parts.length === 3 && a !== undefined) {
        if (method !== 'GET') methodNotAllowed();
        digestHex(a, 'proof id');
        return sendJson(res, 200, await registry.getProof(a));
      }
    }

    if (kind === 'log' && parts.length === 3) {
      if (method !== 'GET') methodNotAllowed();
      const log = registry.log;
      if (!log) throw new RegistryError('NOT_FOUND', 'this registry has no transparency log');
      const q = url.searchParams;
      if (a === 'checkpoint') return sendJson(res, 200, await log.checkpoint());
      if (a === 'proof') {
        return sendJson(
          res,
          200,
          await log.inclusionProof(intParam(q, 'index', true)!, intParam(q, 'size', false)),
        );
      }
      if (a === 'consistency') {
        return sendJson(
          res,
          200,
          await log.consistencyProof(intParam(q, 'first', true)!, intParam(q, 'second', true)!),
        );
      }
    }
    throw new RegistryError('NOT_FOUND', `no route ${method} ${path}`);
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://registry');
    route(req, res, url)
      .catch((err: unknown) => {
        const known = err instanceof RegistryError;
        // Bad URIs or escapes, and out-of-range log indexes (RangeError from the log), are the caller's mistake.
        const badInput =
          err instanceof CapsuleUriError || err instanceof RangeError || err instanceof URIError;
        const code = known ? err.code : badInput ? 'BAD_REQUEST' : 'INTERNAL';
        const message = known || badInput ? (err as Error).message : 'internal error';
        if (!known && code === 'INTERNAL')
          logger.error({ err, method: req.method, path: url.pathname }, 'request failed');
        if (res.headersSent) return void res.destroy();
        const headers =
          code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer realm="capsule-registry"' } : {};
        const detail = known && err.detail ? { detail: err.detail } : {};
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        // An unread request body (a refused upload) is drained, unless it is too large to bother.
        if (!req.complete && code === 'TOO_LARGE') res.setHeader('connection', 'close');
        else if (!req.complete) req.resume();
        sendJson(res, HTTP_STATUS[code], { error: { code, message, ...detail } });
      })
      .finally(() => {
        logger.info(
          {
            method: req.method,
            path: url.pathname,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      });
  };

  const server: Server = opts.tls ? createHttpsServer(opts.tls, handle) : createHttpServer(handle);
  // Node's 5-minute default would cut off the upload of a large capsule over a slow link.
  server.requestTimeout = 60 * 60 * 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
