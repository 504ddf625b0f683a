// RFC 9162 transparency log: the log on disk, and the checks a client makes with what it returns.
import type { ConsistencyProof, InclusionProof } from './log.ts';
import { hashLeaf, verifyConsistencyPath, verifyInclusionPath } from './merkle.ts';

export { TransparencyLog, LogCorruptError, type InclusionProof, type ConsistencyProof } from './log.ts';
export { MerkleTree, hashLeaf, hashChildren } from './merkle.ts';
export { treeHeadMessage, signTreeHead, verifyTreeHead, type SignedTreeHead } from './sth.ts';

/** Lowercase hex leaf hash of an entry: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): string {
  return hashLeaf(entry).toString('hex');
}

const HEX32 = /^[0-9a-f]{64}$/;

function hashes(values: unknown[]): Buffer[] | undefined {
  return values.every((v) => typeof v === 'string' && HEX32.test(v))
    ? values.map((v) => Buffer.from(v as string, 'hex'))
    : undefined;
}

/** True when `proof` shows the leaf with hash `leafHashHex` at proof.leafIndex in the tree with root `rootHash`. */
export function verifyInclusion(leafHashHex: string, proof: InclusionProof, rootHash: string): boolean {
  const parts = hashes([leafHashHex, rootHash, ...(Array.isArray(proof?.hashes) ? proof.hashes : [null])]);
  if (!parts) return false;
  const [leaf, root, ...path] = parts as [Buffer, Buffer, ...Buffer[]];
  return verifyInclusionPath(leaf, proof.leafIndex, proof.treeSize, path, root);
}

/** True when `proof` shows the tree of proof.first leaves (root `firstRoot`) is a prefix of the one of proof.second (root `secondRoot`). */
export function verifyConsistency(proof: ConsistencyProof, firstRoot: string, secondRoot: string): boolean {
  const parts = hashes([firstRoot, secondRoot, ...(Array.isArray(proof?.hashes) ? proof.hashes : [null])]);
  if (!parts) return false;
  const [first, second, ...path] = parts as [Buffer, Buffer, ...Buffer[]];
  return verifyConsistencyPath(proof.first, proof.second, path, first, second);
}
