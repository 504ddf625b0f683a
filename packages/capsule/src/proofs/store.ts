// Content-addressed proof storage under DIR/proofs:
//   sha256/<hex>.json           the DSSE envelope, exactly the bytes whose digest is the id
//   sha256/<hex>.receipts.json  the anchors' receipts
//   by-subject/<hex>/<proofhex> one empty marker per proof about capsule <hex>
// Markers are created, never rewritten, so concurrent writers need no lock.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@industriverse/trust';
import { digestHex } from '../registry/digest.ts';
import { RegistryError } from '../registry/errors.ts';
import type { AnchorReceipt } from './anchor.ts';

export function proofId(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class ProofStore {
  readonly root: string;

  constructor(registryDir: string) {
    this.root = join(registryDir, 'proofs');
  }

  private envelopePath(id: string): string {
    return join(this.root, 'sha256', `${digestHex(id, 'proof id')}.json`);
  }

  private receiptsPath(id: string): string {
    return join(this.root, 'sha256', `${digestHex(id, 'proof id')}.receipts.json`);
  }

  /** Stores envelope bytes; returns their id. Storing the same bytes twice is harmless. */
  async put(bytes: Uint8Array): Promise<string> {
    const id = proofId(bytes);
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    await writeFileAtomic(this.envelopePath(id), bytes);
    return id;
  }

  /** The envelope bytes, or undefined when absent. Bytes that no longer match their id are refused. */
  async get(id: string): Promise<Buffer | undefined> {
    const bytes = await readOptional(this.envelopePath(id));
    if (bytes && proofId(bytes) !== id) {
      throw new RegistryError(
        'PROOF_INVALID',
        `stored proof ${id} has been altered (its digest is ${proofId(bytes)})`,
      );
    }
    return bytes;
  }

  async putReceipts(id: string, receipts: AnchorReceipt[]): Promise<void> {
    await writeFileAtomic(this.receiptsPath(id), JSON.stringify(receipts, null, 2) + '\n');
  }

  async receipts(id: string): Promise<AnchorReceipt[]> {
    const bytes = await readOptional(this.receiptsPath(id));
    if (!bytes) return [];
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (!Array.isArray(parsed)) throw new RegistryError('INTERNAL', `receipts of ${id} are not a JSON array`);
    return parsed as AnchorReceipt[];
  }

  async addSubject(subject: string, id: string): Promise<void> {
    const dir = join(this.root, 'by-subject', digestHex(subject, 'subject'));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, digestHex(id, 'proof id')), '', { flag: 'a' });
  }

  /** Ids of the proofs about `subject`, oldest first. */
  async bySubject(subject: string): Promise<string[]> {
    const dir = join(this.root, 'by-subject', digestHex(subject, 'subject'));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const marked = await Promise.all(
      names
        .filter((n) => /^[0-9a-f]{64}$/.test(n))
        .map(async (n) => ({ id: `sha256:${n}`, at: (await stat(join(dir, n))).mtimeMs })),
    );
    return marked.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((m) => m.id);
  }
}
