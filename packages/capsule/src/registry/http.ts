// The client of `capsule registry serve` (routes in server/server.ts). Uploads and downloads
// stream; a download is renamed into place only when its digest matches.
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { readPublicKey, sha256File, type PublicKey } from '@industriverse/trust';
import { verifyProof, type ProofRecord } from '../proofs/service.ts';
import { logReceiptChecker } from '../proofs/tlog-anchor.ts';
import type { ProofClaim } from '../proofs/statement.ts';
import { formatCapsuleUri, type CapsuleRef } from '../uri.ts';
import { writeVerified } from './blobs.ts';
import type { CapsuleIndex, IndexEntry } from './capsule-index.ts';
import { digestHex } from './digest.ts';
import { isRegistryErrorCode, RegistryError } from './errors.ts';
import type { Registry, RegistryOptions } from './registry.ts';

export class HttpRegistry implements Registry {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly proofKeys: PublicKey[];

  /** With `proofKeys`, resolving with proof=true also verifies a proof here rather than trusting the server. */
  constructor(url: string, opts: RegistryOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.token = opts.token;
    this.proofKeys = opts.proofKeys ?? [];
  }

  private async request(
    method: string,
    path: string,
    opts: { body?: unknown; stream?: AsyncIterable<Uint8Array>; length?: number; write?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (opts.write) {
      if (!this.token) {
        throw new RegistryError(
          'UNAUTHORIZED',
          `writing to ${this.url} needs a token (CAPSULE_REGISTRY_TOKEN or --token-file)`,
        );
      }
      headers.authorization = `Bearer ${this.token}`;
    }
    let body: RequestInit['body'];
    if (opts.stream) {
      body = opts.stream as RequestInit['body'];
      headers['content-type'] = 'application/octet-stream';
      if (opts.length !== undefined) headers['content-length'] = String(opts.length);
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers,
        body,
        ...(opts.stream ? { duplex: 'half' } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new RegistryError(
        'UNREACHABLE',
        `cannot reach the registry ${this.url}: ${cause ?? (err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let error: { code?: unknown; message?: unknown; detail?: RegistryError['detail'] } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      // Not one of our JSON errors (a proxy, say): report the status.
    }
    const code = isRegistryErrorCode(error?.code)
      ? error.code
      : res.status === 404
        ? 'NOT_FOUND'
        : 'INTERNAL';
    const message =
      typeof error?.message === 'string' ? error.message : `${method} ${path}: HTTP ${res.status}`;
    throw new RegistryError(code, message, error?.detail ? { detail: error.detail } : {});
  }

  private async json<T>(
    method: string,
    path: string,
    opts: { body?: unknown; write?: boolean } = {},
  ): Promise<T> {
    return (await (await this.request(method, path, opts)).json()) as T;
  }

  async push(file: string): Promise<IndexEntry> {
    const digest = `sha256:${await sha256File(file)}`;
    const head = await fetch(`${this.url}/v1/blobs/${digest}`, { method: 'HEAD' }).catch(() => undefined);
    if (head?.status !== 200) {
      const { size } = await stat(file);
      await this.request('PUT', `/v1/blobs/${digest}`, {
        stream: createReadStream(file),
        length: size,
        write: true,
      });
    }
    return this.json<IndexEntry>('POST', '/v1/capsules', { body: { digest }, write: true });
  }

  async resolve(ref: CapsuleRef): Promise<IndexEntry> {
    const query = ref.proof ? '?proof=true' : '';
    const entry = await this.json<IndexEntry>(
      'GET',
      `/v1/capsules/${encodeURIComponent(ref.name)}/${encodeURIComponent(ref.version)}${query}`,
    );
    if (ref.proof && this.proofKeys.length > 0)
      await this.requireLocallyValidProof(entry, formatCapsuleUri(ref));
    return entry;
  }

  private async requireLocallyValidProof(entry: IndexEntry, what: string): Promise<void> {
    const reasons: string[] = [];
    for (const record of (await this.proofsFor(entry.digest)).reverse()) {
      try {
        await verifyProof(record, {
          keys: this.proofKeys,
          digest: entry.digest,
          anchors: [logReceiptChecker(this.proofKeys)],
        });
        return;
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
    throw new RegistryError(
      'PROOF_MISSING',
      `${what} has no proof bundle valid under the given proof keys: ${reasons.join('; ') || 'none'}`,
    );
  }

  async fetch(digest: string, dest: string): Promise<void> {
    digestHex(digest);
    const res = await this.request('GET', `/v1/blobs/${digest}`);
    if (!res.body) throw new RegistryError('INTERNAL', `GET /v1/blobs/${digest}: empty response`);
    await mkdir(dirname(dest), { recursive: true });
    await writeVerified(Readable.fromWeb(res.body), dest, { expected: digest });
  }

  async list(): Promise<IndexEntry[]> {
    return (await this.json<CapsuleIndex>('GET', '/v1/index')).entries;
  }

  generateProof(claim: ProofClaim): Promise<ProofRecord> {
    return this.json<ProofRecord>('POST', '/v1/proofs/generate', { body: claim, write: true });
  }

  attachProof(digest: string, proofId: string): Promise<IndexEntry> {
    digestHex(digest);
    return this.json<IndexEntry>('POST', `/v1/capsules/${digest}/proofs`, { body: { proofId }, write: true });
  }

  getProof(id: string): Promise<ProofRecord> {
    digestHex(id, 'proof id');
    return this.json<ProofRecord>('GET', `/v1/proofs/${id}`);
  }

  async proofsFor(digest: string): Promise<ProofRecord[]> {
    digestHex(digest);
    return (await this.json<{ proofs: ProofRecord[] }>('GET', `/v1/proofs?subject=${digest}`)).proofs;
  }

  async trustedKeys(): Promise<PublicKey[]> {
    const { capsule } = await this.json<{ capsule: string[] }>('GET', '/v1/keys');
    return capsule.map((pem) => readPublicKey(pem));
  }

  async close(): Promise<void> {}
}
