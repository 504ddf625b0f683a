// A registry in a directory:
//   index.json            the index (replaced atomically under index.lock)
//   blobs/sha256/<hex>    capsules, content-addressed
//   proofs/               proof envelopes, receipts, by-subject markers (see proofs/store.ts)
//   log/                  the transparency log that anchors proofs
//   keys/proof/*.pem      public keys trusted to sign proofs (the proof signer's is added)
// Several processes may push at once: the index is only rewritten under the lock, and a push
// verifies the capsule before it takes the lock.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROOF_TYPES } from '@industriverse/kaas/api';
import { readPublicKeyFile, withFileLock, writeFileAtomic, type PublicKey } from '@industriverse/trust';
import type { Anchor } from '../proofs/anchor.ts';
import { ProofService, type ProofRecord } from '../proofs/service.ts';
import { parseProofClaim, type ProofClaim } from '../proofs/statement.ts';
import { ProofStore } from '../proofs/store.ts';
import { TransparencyLogAnchor } from '../proofs/tlog-anchor.ts';
import { formatCapsuleUri, type CapsuleRef } from '../uri.ts';
import { verifyCapsule } from '../verify.ts';
import { BlobStore } from './blobs.ts';
import {
  addEntry,
  attachProofId,
  emptyIndex,
  findByDigest,
  findEntry,
  parseIndex,
  serializeIndex,
  type CapsuleIndex,
  type IndexEntry,
} from './capsule-index.ts';
import { digestHex } from './digest.ts';
import { RegistryError } from './errors.ts';
import type { Registry, RegistryOptions } from './registry.ts';

async function readKeysIn(dir: string): Promise<PublicKey[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(names.filter((n) => n.endsWith('.pem')).map((n) => readPublicKeyFile(join(dir, n))));
}

function uniqueKeys(keys: PublicKey[]): PublicKey[] {
  return [...new Map(keys.map((k) => [k.keyId, k])).values()];
}

export interface DirRegistryOptions extends RegistryOptions {
  /** Anchors for new proofs and checked on every proof; default: the transparency log in DIR/log. */
  anchors?: Anchor[];
}

export class DirRegistry implements Registry {
  readonly dir: string;
  readonly blobs: BlobStore;
  readonly proofs: ProofService;
  private readonly publicKeys: PublicKey[];
  private readonly indexPath: string;

  private constructor(dir: string, publicKeys: PublicKey[], proofs: ProofService) {
    this.dir = dir;
    this.blobs = new BlobStore(dir);
    this.proofs = proofs;
    this.publicKeys = publicKeys;
    this.indexPath = join(dir, 'index.json');
  }

  /** Opens the registry in `dir`; the directory is created by the first write. */
  static async open(dir: string, opts: DirRegistryOptions = {}): Promise<DirRegistry> {
    const proofKeyDir = join(dir, 'keys', 'proof');
    if (opts.proofSigner) {
      // Publish the signer's key so that later readers of this directory trust its proofs.
      const key = opts.proofSigner.publicKey;
      await mkdir(proofKeyDir, { recursive: true });
      await writeFileAtomic(join(proofKeyDir, `${key.keyId}.pem`), key.pem);
    }
    const proofKeys = uniqueKeys([...(opts.proofKeys ?? []), ...(await readKeysIn(proofKeyDir))]);
    const anchors = opts.anchors ?? [
      await TransparencyLogAnchor.open(join(dir, 'log'), proofKeys, opts.proofSigner),
    ];
    const proofs = new ProofService({
      store: new ProofStore(dir),
      anchors,
      keys: proofKeys,
      ...(opts.proofSigner ? { signer: opts.proofSigner } : {}),
    });
    return new DirRegistry(dir, opts.publicKeys ?? [], proofs);
  }

  /** The transparency log, when it is one of the anchors (the server publishes its reads). */
  get log(): TransparencyLogAnchor | undefined {
    return this.proofs.anchors.find((a): a is TransparencyLogAnchor => a instanceof TransparencyLogAnchor);
  }

  async readIndex(): Promise<CapsuleIndex> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
      throw err;
    }
    return parseIndex(text, this.indexPath);
  }

  /** Read-modify-write of the index under the lock; `change` returns undefined to leave it as is. */
  private async updateIndex<T>(
    change: (index: CapsuleIndex) => { index?: CapsuleIndex; value: T },
  ): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    return withFileLock(join(this.dir, 'index.lock'), async () => {
      const { index, value } = change(await this.readIndex());
      if (index) await writeFileAtomic(this.indexPath, serializeIndex(index));
      return value;
    });
  }

  async push(file: string): Promise<IndexEntry> {
    const blob = await this.blobs.putFile(file);
    return this.register(blob.digest);
  }

  /** Verifies a stored blob and indexes it (the second half of an HTTP push). */
  async register(digest: string): Promise<IndexEntry> {
    const size = await this.blobs.size(digest);
    if (size === undefined) throw new RegistryError('NOT_FOUND', `no blob ${digest}: upload it first`);
    if (this.publicKeys.length === 0) {
      throw new RegistryError(
        'BAD_REQUEST',
        'the registry trusts no capsule signing key: give it one (--key or --trusted-key)',
      );
    }
    const result = await verifyCapsule(this.blobs.path(digest), { publicKeys: this.publicKeys });
    if (!result.ok) {
      if (findByDigest(await this.readIndex(), digest).length === 0) await this.blobs.remove(digest);
      throw new RegistryError(
        'VERIFY_FAILED',
        `capsule ${digest} failed verification: ${result.error.code}: ${result.error.message}`,
        { detail: result.error },
      );
    }
    const entry: IndexEntry = {
      name: result.manifest.name,
      version: result.manifest.version,
      digest,
      size,
      manifest: result.manifest as unknown as Record<string, unknown>,
      keyId: result.keyId,
      pushedAt: new Date().toISOString(),
      proofs: [],
      metadata: {},
    };
    return this.updateIndex((index) => {
      const added = addEntry(index, entry);
      return { index: added.added ? added.index : undefined, value: added.entry };
    });
  }

  async resolve(ref: CapsuleRef): Promise<IndexEntry> {
    const entry = findEntry(await this.readIndex(), ref.name, ref.version);
    if (!entry)
      throw new RegistryError('NOT_FOUND', `${ref.name}:${ref.version} is not in the registry ${this.dir}`);
    if (ref.proof) await this.proofs.requireValid(entry.digest, formatCapsuleUri(ref));
    return entry;
  }

  fetch(digest: string, dest: string): Promise<void> {
    return this.blobs.copyTo(digest, dest);
  }

  async list(): Promise<IndexEntry[]> {
    return (await this.readIndex()).entries;
  }

  async generateProof(claim: ProofClaim): Promise<ProofRecord> {
    const valid = parseProofClaim(claim, PROOF_TYPES);
    const entry = findByDigest(await this.readIndex(), valid.digest)[0];
    const name = valid.name ?? (entry ? `${entry.name}:${entry.version}` : valid.digest);
    return this.proofs.generate(valid, name);
  }

  async attachProof(digest: string, proofId: string): Promise<IndexEntry> {
    digestHex(digest);
    await this.proofs.verify(await this.proofs.get(proofId), digest);
    return this.updateIndex((index) => {
      const attached = attachProofId(index, digest, proofId);
      return { index: attached.changed ? attached.index : undefined, value: attached.entry };
    });
  }

  getProof(id: string): Promise<ProofRecord> {
    return this.proofs.get(id);
  }

  async proofsFor(digest: string): Promise<ProofRecord[]> {
    digestHex(digest);
    return this.proofs.bySubject(digest);
  }

  async close(): Promise<void> {}
}
