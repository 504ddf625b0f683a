// The default anchor: the registry's transparency log (RFC 9162 Merkle tree, DIR/log). The receipt
// holds the leaf index and hash, an inclusion proof and the signed tree head it was proved against.
// Checking it later verifies the tree head's signature with a trusted key, the inclusion proof,
// and, against the live log, that the log has only grown since (consistency) and still holds the
// entry byte for byte, so a log whose entries were rewritten no longer backs the receipt.
import {
  TransparencyLog,
  leafHash as logLeafHash,
  LogCorruptError,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
  type ConsistencyProof,
  type InclusionProof,
  type PublicKey,
  type SignedTreeHead,
  type Signer,
} from '@industriverse/trust';
import { RegistryError } from '../registry/errors.ts';
import type { Anchor, AnchorReceipt } from './anchor.ts';

export const TRANSPARENCY_LOG_ANCHOR = 'transparency-log';

export interface LogReceipt extends AnchorReceipt {
  anchor: typeof TRANSPARENCY_LOG_ANCHOR;
  leafIndex: number;
  leafHash: string;
  inclusionProof: InclusionProof;
  treeHead: SignedTreeHead;
}

function invalid(receipt: AnchorReceipt, why: string): never {
  throw new RegistryError('PROOF_INVALID', `proof ${receipt.proofId}: transparency-log receipt: ${why}`);
}

function asLogReceipt(receipt: AnchorReceipt): LogReceipt {
  const r = receipt as Partial<LogReceipt>;
  if (
    typeof r.leafIndex !== 'number' ||
    typeof r.leafHash !== 'string' ||
    typeof r.inclusionProof !== 'object' ||
    typeof r.treeHead !== 'object'
  ) {
    invalid(receipt, 'malformed (needs leafIndex, leafHash, inclusionProof, treeHead)');
  }
  return receipt as LogReceipt;
}

function trustedTreeHead(receipt: AnchorReceipt, sth: SignedTreeHead, keys: PublicKey[], what: string): void {
  const key = keys.find((k) => k.keyId === sth.keyId);
  if (!key) invalid(receipt, `${what} is signed by key ${sth.keyId}, which is not trusted`);
  if (!verifyTreeHead(sth, key)) invalid(receipt, `${what} signature is not valid`);
}

/**
 * The checks that need only the receipt and trusted keys: the tree head is signed by a trusted key,
 * the leaf is the hash of `bytes`, and the inclusion proof leads to the tree head's root.
 */
export function verifyLogReceipt(receipt: AnchorReceipt, bytes: Uint8Array, keys: PublicKey[]): LogReceipt {
  const r = asLogReceipt(receipt);
  trustedTreeHead(receipt, r.treeHead, keys, 'tree head');
  if (r.leafHash !== logLeafHash(bytes)) invalid(receipt, 'the leaf hash is not the hash of this proof');
  if (r.inclusionProof.leafIndex !== r.leafIndex || r.inclusionProof.treeSize !== r.treeHead.treeSize) {
    invalid(receipt, 'the inclusion proof is not for this leaf and tree head');
  }
  if (!verifyInclusion(r.leafHash, r.inclusionProof, r.treeHead.rootHash)) {
    invalid(receipt, `the inclusion proof of leaf ${r.leafIndex} does not match the tree head's root`);
  }
  return r;
}

/** A receipt checker for the transparency log without access to it (clients, `capsule proof verify`). */
export function logReceiptChecker(keys: PublicKey[]): Pick<Anchor, 'name' | 'verify'> {
  return {
    name: TRANSPARENCY_LOG_ANCHOR,
    verify: async (receipt, bytes) => void verifyLogReceipt(receipt, bytes, keys),
  };
}

/** Lets a reader without the log's key open an existing log: reading never signs. */
function readOnlySigner(publicKey: PublicKey): Signer {
  return {
    algorithm: publicKey.algorithm,
    publicKey,
    sign: () =>
      Promise.reject(new Error('this registry has no proof signer: the transparency log is read-only')),
    close: async () => {},
  };
}

export class TransparencyLogAnchor implements Anchor {
  readonly name = TRANSPARENCY_LOG_ANCHOR;
  readonly dir: string;
  private readonly keys: PublicKey[];
  private opened: Promise<TransparencyLog> | undefined;

  private constructor(dir: string, keys: PublicKey[], log?: TransparencyLog) {
    this.dir = dir;
    this.keys = keys;
    if (log) this.opened = Promise.resolve(log);
  }

  /**
   * The log in `dir`; `keys` are trusted to sign tree heads (the signer's key is added). Without a
   * signer the log is opened read-only on first use.
   */
  static async open(dir: string, keys: PublicKey[], signer?: Signer): Promise<TransparencyLogAnchor> {
    if (!signer) return new TransparencyLogAnchor(dir, keys);
    return new TransparencyLogAnchor(
      dir,
      [...keys, signer.publicKey],
      await TransparencyLog.open(dir, signer),
    );
  }

  private log(): Promise<TransparencyLog> {
    if (!this.opened) {
      const key = this.keys[0];
      this.opened = key
        ? TransparencyLog.open(this.dir, readOnlySigner(key)).catch((err: unknown) => {
            throw new RegistryError(
              'NOT_FOUND',
              `no transparency log in ${this.dir}: ${(err as Error).message}`,
            );
          })
        : Promise.reject(new RegistryError('NOT_FOUND', 'no key is trusted to sign the transparency log'));
      // A failed open (no log yet) is retried next time.
      this.opened.catch(() => (this.opened = undefined));
    }
    return this.opened;
  }

  async anchor(id: string, bytes: Uint8Array): Promise<LogReceipt> {
    const log = await this.log();
    const { index, leafHash, treeHead } = await log.append(bytes);
    const inclusionProof = await log.inclusionProof(index, treeHead.treeSize);
    return {
      anchor: TRANSPARENCY_LOG_ANCHOR,
      proofId: id,
      leafIndex: index,
      leafHash,
      inclusionProof,
      treeHead,
    };
  }

  async verify(receipt: AnchorReceipt, bytes: Uint8Array): Promise<void> {
    const r = verifyLogReceipt(receipt, bytes, this.keys);
    try {
      await this.checkLive(receipt, r);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'PROOF_INVALID') throw err;
      if (err instanceof LogCorruptError || err instanceof RangeError) invalid(receipt, err.message);
      invalid(receipt, `cannot read the transparency log: ${(err as Error).message}`);
    }
  }

  private async checkLive(receipt: AnchorReceipt, r: LogReceipt): Promise<void> {
    const log = await this.log();
    const current = await log.treeHead();
    trustedTreeHead(receipt, current, this.keys, "the log's current tree head");
    if (current.treeSize < r.treeHead.treeSize) {
      invalid(receipt, `the log has shrunk from ${r.treeHead.treeSize} to ${current.treeSize} entries`);
    }
    const consistency = await log.consistencyProof(r.treeHead.treeSize, current.treeSize);
    if (!verifyConsistency(consistency, r.treeHead.rootHash, current.rootHash)) {
      invalid(receipt, `the log is not consistent with the receipt's tree of size ${r.treeHead.treeSize}`);
    }
    const inclusion = await log.inclusionProof(r.leafIndex, current.treeSize);
    if (!verifyInclusion(r.leafHash, inclusion, current.rootHash)) {
      invalid(receipt, `the log no longer holds leaf ${r.leafIndex}`);
    }
    if (logLeafHash(await log.entry(r.leafIndex)) !== r.leafHash) {
      invalid(receipt, `entry ${r.leafIndex} of the log has been altered`);
    }
  }

  async checkpoint(): Promise<SignedTreeHead> {
    return (await this.log()).treeHead();
  }

  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    return (await this.log()).inclusionProof(index, treeSize);
  }

  async consistencyProof(first: number, second: number): Promise<ConsistencyProof> {
    return (await this.log()).consistencyProof(first, second);
  }
}
