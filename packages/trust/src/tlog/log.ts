// The transparency log on disk, in one folder:
//   entries     append-only records: a 4-byte big-endian length, then the entry bytes
//   leaves      the leaf hash of each entry, 32 bytes each, in order
//   checkpoint  the signed tree head (JSON) plus the byte size of `entries` it covers
// An append writes and fsyncs the record and its leaf hash, then replaces the checkpoint atomically
// (temp file, fsync, rename, fsync of the folder). Bytes past the checkpointed sizes are a torn
// append — the writer died before committing — and are cut off by the next writer or opener.
// Appends are serialised in the process by a promise queue and across processes by a lock file.
import { constants } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../signer.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import { withFileLock } from '../file-lock.ts';
import { hashLeaf, MerkleTree } from './merkle.ts';
import { signTreeHead, type SignedTreeHead } from './sth.ts';

const HASH_SIZE = 32;
const HEADER_SIZE = 4;
const MAX_ENTRY = 0xffff_ffff;

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Audit path, lowercase hex, leaf to root. */
  hashes: string[];
}

export interface ConsistencyProof {
  first: number;
  second: number;
  hashes: string[];
}

interface Checkpoint extends SignedTreeHead {
  entriesSize: number;
}

export class LogCorruptError extends Error {
  constructor(dir: string, message: string) {
    super(`transparency log ${dir}: ${message}`);
    this.name = 'LogCorruptError';
  }
}

export class TransparencyLog {
  readonly dir: string;
  private readonly signer: Signer;
  private tree = new MerkleTree();
  private checkpoint: Checkpoint | undefined;
  /** Byte offset of each entry's record, filled on demand by entry(). */
  private readonly offsets: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, signer: Signer) {
    this.dir = dir;
    this.signer = signer;
  }

  /** Opens (creating if needed) the log in `dir`; new tree heads are signed by `signer`. */
  static async open(dir: string, signer: Signer): Promise<TransparencyLog> {
    await mkdir(dir, { recursive: true });
    const log = new TransparencyLog(dir, signer);
    await log.serial(() =>
      withFileLock(log.path('lock'), async () => {
        const checkpoint = await log.refresh();
        await log.truncateTornAppend(checkpoint);
        if (!log.checkpoint) await log.commit(0, 0);
      }),
    );
    return log;
  }

  async append(entry: Uint8Array): Promise<{ index: number; leafHash: string; treeHead: SignedTreeHead }> {
    if (entry.length > MAX_ENTRY) throw new RangeError(`a log entry is limited to ${MAX_ENTRY} bytes`);
    return this.serial(() =>
      withFileLock(this.path('lock'), async () => {
        const checkpoint = await this.refresh();
        await this.truncateTornAppend(checkpoint);
        const index = this.tree.size;
        const offset = checkpoint?.entriesSize ?? 0;
        const leaf = hashLeaf(entry);
        const header = Buffer.alloc(HEADER_SIZE);
        header.writeUInt32BE(entry.length);
        await withFile(this.path('entries'), async (fh) => {
          await fh.write(Buffer.concat([header, entry]), 0, HEADER_SIZE + entry.length, offset);
          await fh.datasync();
        });
        await withFile(this.path('leaves'), async (fh) => {
          await fh.write(leaf, 0, HASH_SIZE, index * HASH_SIZE);
          await fh.datasync();
        });
        this.tree.leaves.push(leaf);
        try {
          await this.commit(index + 1, offset + HEADER_SIZE + entry.length);
        } catch (err) {
          // Cached subtree hashes may include the leaf that was not committed.
          this.tree = new MerkleTree(this.tree.leaves.slice(0, index));
          throw err;
        }
        return { index, leafHash: leaf.toString('hex'), treeHead: this.head() };
      }),
    );
  }

  /** The latest signed tree head, including appends made by other processes. */
  async treeHead(): Promise<SignedTreeHead> {
    return this.serial(async () => {
      await this.refresh();
      return this.head();
    });
  }

  /** RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` leaves (default: the current tree). */
  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    return this.serial(async () => {
      await this.refresh();
      const size = treeSize ?? this.tree.size;
      const hashes = this.tree.inclusionPath(index, size).map(hex);
      return { leafIndex: index, treeSize: size, hashes };
    });
  }

  /** RFC 9162 consistency proof between the trees of `first` and `second` leaves (0 < first ≤ second). */
  async consistencyProof(first: number, second: number): Promise<ConsistencyProof> {
    return this.serial(async () => {
      await this.refresh();
      return { first, second, hashes: this.tree.consistencyPath(first, second).map(hex) };
    });
  }

  /** The bytes of entry `index`. */
  async entry(index: number): Promise<Buffer> {
    return this.serial(async () => {
      await this.refresh();
      if (!Number.isInteger(index) || index < 0 || index >= this.tree.size)
        throw new RangeError(`entry ${index} is not in the log (size ${this.tree.size})`);
      return withFile(this.path('entries'), async (fh) => {
        const header = Buffer.alloc(HEADER_SIZE);
        for (let i = this.offsets.length; i <= index; i++) {
          const at =
            i === 0
              ? 0
              : (this.offsets[i - 1] as number) +
                HEADER_SIZE +
                (await readLength(fh, this.offsets[i - 1] as number, header));
          this.offsets.push(at);
        }
        const at = this.offsets[index] as number;
        const data = Buffer.alloc(await readLength(fh, at, header));
        await fh.read(data, 0, data.length, at + HEADER_SIZE);
        return data;
      });
    });
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private head(): SignedTreeHead {
    const { entriesSize: _, ...head } = this.checkpoint as Checkpoint;
    return head;
  }

  /** Loads the checkpoint and any leaves committed since the last look, checking the root they give. */
  private async refresh(): Promise<Checkpoint | undefined> {
    let checkpoint: Checkpoint;
    try {
      checkpoint = JSON.parse(await readFile(this.path('checkpoint'), 'utf8')) as Checkpoint;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LogCorruptError(this.dir, `cannot read the checkpoint: ${(err as Error).message}`);
    }
    const known = this.tree.size;
    if (checkpoint.treeSize < known)
      throw new LogCorruptError(
        this.dir,
        `the checkpoint went back from ${known} to ${checkpoint.treeSize} entries`,
      );
    if (checkpoint.treeSize > known) {
      const bytes = await withFile(this.path('leaves'), async (fh) => {
        const buf = Buffer.alloc((checkpoint.treeSize - known) * HASH_SIZE);
        const { bytesRead } = await fh.read(buf, 0, buf.length, known * HASH_SIZE);
        return bytesRead === buf.length ? buf : undefined;
      });
      if (!bytes)
        throw new LogCorruptError(
          this.dir,
          `the leaves file is shorter than the checkpointed ${checkpoint.treeSize} entries`,
        );
      const tree = new MerkleTree([...this.tree.leaves]);
      for (let i = 0; i < bytes.length; i += HASH_SIZE) tree.leaves.push(bytes.subarray(i, i + HASH_SIZE));
      if (hex(tree.hash()) !== checkpoint.rootHash)
        throw new LogCorruptError(
          this.dir,
          `the leaves do not hash to the checkpointed root ${checkpoint.rootHash}`,
        );
      this.tree = tree;
    }
    this.checkpoint = checkpoint;
    return checkpoint;
  }

  /** Cuts both files back to the checkpointed sizes (a writer died between writing and committing). */
  private async truncateTornAppend(checkpoint: Checkpoint | undefined): Promise<void> {
    const sizes: [string, number][] = [
      ['entries', checkpoint?.entriesSize ?? 0],
      ['leaves', (checkpoint?.treeSize ?? 0) * HASH_SIZE],
    ];
    for (const [name, size] of sizes)
      await withFile(this.path(name), async (fh) => {
        const { size: actual } = await fh.stat();
        // open() commits an empty checkpoint before any append: data without one is not a torn append.
        if (!checkpoint && actual > 0)
          throw new LogCorruptError(this.dir, `${name} has data but there is no checkpoint`);
        if (actual < size)
          throw new LogCorruptError(this.dir, `${name} has ${actual} bytes, the checkpoint needs ${size}`);
        if (actual > size) {
          await fh.truncate(size);
          await fh.sync();
        }
      });
  }

  /** Signs the current tree at `treeSize` and replaces the checkpoint atomically. */
  private async commit(treeSize: number, entriesSize: number): Promise<void> {
    const head = await signTreeHead(this.signer, treeSize, hex(this.tree.hash(0, treeSize)));
    const checkpoint: Checkpoint = { ...head, entriesSize };
    await writeFileAtomic(this.path('checkpoint'), JSON.stringify(checkpoint, null, 2) + '\n');
    this.checkpoint = checkpoint;
  }
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

async function withFile<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    return await fn(fh);
  } finally {
    await fh.close();
  }
}

async function readLength(fh: FileHandle, at: number, buf: Buffer): Promise<number> {
  await fh.read(buf, 0, HEADER_SIZE, at);
  return buf.readUInt32BE(0);
}
