// Signed tree heads: the log's commitment to its size and root, signed over a fixed text form.
import type { PublicKey } from '../keys.ts';
import { verifySignature, type Signer } from '../signer.ts';

export interface SignedTreeHead {
  treeSize: number;
  /** Lowercase hex MTH of the first treeSize leaves. */
  rootHash: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** Base64 signature over treeHeadMessage(). */
  signature: string;
  keyId: string;
}

/** The signed bytes: one field a line, so no JSON canonicalisation question arises. */
export function treeHeadMessage(head: Pick<SignedTreeHead, 'treeSize' | 'rootHash' | 'timestamp'>): Buffer {
  return Buffer.from(
    `industriverse transparency log tree head v1\n${head.treeSize}\n${head.rootHash}\n${head.timestamp}\n`,
    'utf8',
  );
}

export async function signTreeHead(
  signer: Signer,
  treeSize: number,
  rootHash: string,
  timestamp = Date.now(),
): Promise<SignedTreeHead> {
  const signature = await signer.sign(treeHeadMessage({ treeSize, rootHash, timestamp }));
  return {
    treeSize,
    rootHash,
    timestamp,
    signature: signature.toString('base64'),
    keyId: signer.publicKey.keyId,
  };
}

export function verifyTreeHead(head: SignedTreeHead, publicKey: PublicKey): boolean {
  if (
    !Number.isSafeInteger(head.treeSize) ||
    head.treeSize < 0 ||
    !/^[0-9a-f]{64}$/.test(head.rootHash) ||
    !Number.isSafeInteger(head.timestamp) ||
    typeof head.signature !== 'string' ||
    head.keyId !== publicKey.keyId
  )
    return false;
  return verifySignature(publicKey, treeHeadMessage(head), Buffer.from(head.signature, 'base64'));
}
