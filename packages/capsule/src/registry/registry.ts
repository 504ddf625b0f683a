// One interface over a registry in a directory and a registry behind `capsule registry serve`.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PublicKey, Signer } from '@industriverse/trust';
import type { ProofRecord } from '../proofs/service.ts';
import type { ProofClaim } from '../proofs/statement.ts';
import type { CapsuleRef } from '../uri.ts';
import type { IndexEntry } from './capsule-index.ts';
import { DirRegistry } from './dir.ts';
import { HttpRegistry } from './http.ts';

export interface Registry {
  /** Verifies the capsule with the registry's trusted keys, stores its blob and indexes it. */
  push(file: string): Promise<IndexEntry>;
  /** The entry for name:version; with `ref.proof`, only when a valid proof bundle exists (else PROOF_MISSING). */
  resolve(ref: CapsuleRef): Promise<IndexEntry>;
  /** Writes the blob to `dest`, checking its digest. */
  fetch(digest: string, dest: string): Promise<void>;
  list(): Promise<IndexEntry[]>;
  /** Signs the claim with the registry's proof signer, stores it and anchors it. */
  generateProof(claim: ProofClaim): Promise<ProofRecord>;
  /** Records a (valid) proof's id in the capsule's metadata (`proof_id`); idempotent. */
  attachProof(digest: string, proofId: string): Promise<IndexEntry>;
  getProof(id: string): Promise<ProofRecord>;
  /** Proofs whose subject is `digest`, oldest first. */
  proofsFor(digest: string): Promise<ProofRecord[]>;
  /** Keys the registry trusts to sign capsules: what a pull without its own keys verifies with. */
  trustedKeys(): Promise<PublicKey[]>;
  close(): Promise<void>;
}

export interface RegistryOptions {
  /** Bearer token for writes to an HTTP registry. */
  token?: string;
  /** Keys trusted to sign capsules (a directory registry verifies pushes with them and with DIR/keys/capsule). */
  publicKeys?: PublicKey[];
  /**
   * A directory registry that trusts no capsule key yet trusts the signer of its first push and
   * records it under DIR/keys/capsule (trust on first use, for a local registry one user owns).
   */
  trustOnFirstUse?: boolean;
  /** Keys trusted to sign proofs; a directory registry also trusts those under DIR/keys/proof. */
  proofKeys?: PublicKey[];
  /** Signs proofs and the transparency log's tree heads (a directory registry only). */
  proofSigner?: Signer;
}

/** Where commands find the registry when neither --registry nor $CAPSULE_REGISTRY names one. */
export function defaultRegistryLocation(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'capsule', 'registry');
}

export function isRegistryUrl(location: string): boolean {
  return /^https?:\/\//.test(location);
}

export async function openRegistry(location: string, opts: RegistryOptions = {}): Promise<Registry> {
  return isRegistryUrl(location) ? new HttpRegistry(location, opts) : DirRegistry.open(location, opts);
}
