// A registry in a directory:
//   index.json            the index (replaced atomically under index.lock)
//   blobs/sha256/<hex>    capsules, content-addressed
//   proofs/               proof envelopes, receipts, by-subject markers (see proofs/store.ts)
//   log/                  the transparency log that anchors proofs
//   keys/capsule/*.pem    public keys trusted to sign capsules (with trustOnFirstUse, the first signer)
//   keys/proof/*.pem      public keys trusted to sign proofs (the proof signer's is added)
//   private/proof.key     the registry's own proof signing key, when it was given none (mode 0600)
// Several processes may push at once: the index is only rewritten under the lock, and a push
// verifies the capsule before it takes the lock.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROOF_TYPES } from '@industriverse/kaas/api';
import {
  generateKeyPair,
  readPublicKeyFile,
  withFileLock,
  writeFileAtomic,
  type PublicKey,
} from '@industriverse/trust';
import type { Anchor } from '../proofs/anchor.ts';
import { ProofService, type ProofRecord } from '../proofs/service.ts';
import { parseProofClaim, type ProofClaim } from '../proofs/statement.ts';
import { ProofStore } from '../proofs/store.ts';
import { TransparencyLogAnchor } from '../proofs/tlog-anchor.ts';
import { formatCapsuleUri, type CapsuleRef } from '../uri.ts';
import { readCapsule } from '../contents.ts';
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
  private readonly trustOnFirstUse: boolean;
  private readonly indexPath: string;
  private readonly capsuleKeyDir: string;

  private constructor(dir: string, opts: DirRegistryOptions, proofs: ProofService) {
    this.dir = dir;
    this.blobs = new BlobStore(dir);
    this.proofs = proofs;
    this.publicKeys = opts.publicKeys ?? [];
    this.trustOnFirstUse = opts.trustOnFirstUse ?? false;
    this.indexPath = join(dir, 'index.json');
    this.capsuleKeyDir = join(dir, 'keys', 'capsule');
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
    return new DirRegistry(dir, opts, proofs);
  }

  /**
   * The registry's own proof signing key (created once, mode 0600 in a 0700 folder), for a local
   * registry that was given no --proof-key: whoever may write the directory may sign its proofs.
   */
  static async localProofKey(dir: string): Promise<string> {
    const folder = join(dir, 'private');
    const file = join(folder, 'proof.key');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    try {
      await writeFile(file, generateKeyPair().privateKeyPem, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return file;
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
    let keys = await this.trustedKeys();
    let firstSigner: PublicKey | undefined;
    if (keys.length === 0) {
      firstSigner = this.trustOnFirstUse ? await this.recordedSigner(digest) : undefined;
      if (!firstSigner) {
        throw new RegistryError(
          'BAD_REQUEST',
          'the registry trusts no capsule signing key: give it one (--key or --trusted-key)',
        );
      }
      keys = [firstSigner];
    }
    const result = await verifyCapsule(this.blobs.path(digest), { publicKeys: keys });
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
    if (firstSigner) await this.trustFirstSigner(firstSigner);
    return this.updateIndex((index) => {
      const added = addEntry(index, entry);
      return { index: added.added ? added.index : undefined, value: added.entry };
    });
  }

  async trustedKeys(): Promise<PublicKey[]> {
    return uniqueKeys([...this.publicKeys, ...(await readKeysIn(this.capsuleKeyDir))]);
  }

  /** The signer recorded in the capsule at packing time (unverified: verification follows). */
  private async recordedSigner(digest: string): Promise<PublicKey | undefined> {
    return (await readCapsule(this.blobs.path(digest), { limits: {} })).signerHint;
  }

  /** Records the first signer, unless another push recorded one meanwhile (then that one decides). */
  private async trustFirstSigner(key: PublicKey): Promise<void> {
    await mkdir(this.capsuleKeyDir, { recursive: true });
    await withFileLock(join(this.dir, 'keys.lock'), async () => {
      const existing = await readKeysIn(this.capsuleKeyDir);
      if (existing.length > 0 && !existing.some((k) => k.keyId === key.keyId)) {
        throw new RegistryError(
          'VERIFY_FAILED',
          `the registry came to trust another signer meanwhile; key ${key.keyId} is not trusted`,
        );
      }
      if (existing.length === 0) await writeFileAtomic(join(this.capsuleKeyDir, `${key.keyId}.pem`), key.pem);
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
