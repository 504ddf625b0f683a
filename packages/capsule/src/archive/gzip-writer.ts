// Deterministic gzip of a tar stream: the input is cut into fixed 1 MiB blocks, each compressed at
// level 6 unless a sample of it does not compress (weights, media, compressed images), then it is
// stored (level 0), which packs at disk speed. A level change starts a new gzip member (concatenated
// members are one gzip stream for every reader). Member headers are fixed (no name, mtime 0, OS
// "unknown"), so the bytes depend only on the data and the zlib version.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { crc32, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';
import { GarbageCollector } from './gc.ts';

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown). */
const MEMBER_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
const BLOCK = 1024 * 1024;
const LEVEL = 6;
const SAMPLE = 16 * 1024;

/** Level 0 when the middle of the block does not compress at level 1. */
function levelFor(block: Buffer): number {
  if (block.length < BLOCK) return LEVEL;
  const at = (block.length - SAMPLE) >> 1;
  const sample = block.subarray(at, at + SAMPLE);
  return deflateRawSync(sample, { level: 1 }).length >= sample.length * 0.98 ? 0 : LEVEL;
}

interface Member {
  level: number;
  deflate: DeflateRaw;
  crc: number;
  size: number;
  done: Promise<void>;
}

export class GzipWriter {
  private readonly out: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private member: Member | undefined;
  private block = Buffer.allocUnsafe(BLOCK);
  private fill = 0;
  private failed: Error | undefined;
  private readonly gc = new GarbageCollector();

  /** Creates `path`, which must not exist. */
  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o644, highWaterMark: 4 * BLOCK });
    this.out.on('error', (err) => (this.failed ??= err));
  }

  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length;) {
      const n = Math.min(BLOCK - this.fill, data.length - at);
      this.block.set(data.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === BLOCK) await this.flushBlock();
    }
  }

  /** Finishes the file; returns the sha256 (hex) of the gzip bytes. */
  async close(): Promise<string> {
    if (this.fill) await this.flushBlock();
    if (this.member) await this.endMember();
    this.out.end();
    await once(this.out, 'close');
    if (this.failed) throw this.failed;
    return this.hash.digest('hex');
  }

  /** Closes the file after a failure (the caller removes it). */
  async abort(): Promise<void> {
    this.member?.deflate.destroy();
    this.out.destroy();
    if (!this.out.closed) await once(this.out, 'close').catch(() => {});
  }

  /** Writes to the file; the promise, when back-pressure asks to wait, ends on drain or close. */
  private emit(chunk: Buffer): Promise<void> | undefined {
    if (this.failed) return undefined;
    this.hash.update(chunk);
    if (this.out.write(chunk)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.out.off('drain', done).off('close', done);
        resolve();
      };
      this.out.on('drain', done).on('close', done);
    });
  }

  private startMember(level: number): Member {
    void this.emit(MEMBER_HEADER);
    const deflate = createDeflateRaw({ level, chunkSize: 256 * 1024 });
    const done = new Promise<void>((resolve, reject) => {
      deflate.on('data', (chunk: Buffer) => {
        const wait = this.emit(chunk);
        if (wait) {
          deflate.pause();
          void wait.then(() => deflate.resume());
        }
      });
      deflate.on('end', resolve);
      deflate.on('error', reject);
    });
    // Awaited by flushBlock and endMember; an error in between must not count as unhandled.
    done.catch(() => {});
    return { level, deflate, crc: 0, size: 0, done };
  }

  private async flushBlock(): Promise<void> {
    if (this.failed) throw this.failed;
    const block = this.block.subarray(0, this.fill);
    const level = levelFor(block);
    if (this.member && this.member.level !== level) await this.endMember();
    const m = (this.member ??= this.startMember(level));
    m.crc = crc32(block, m.crc);
    m.size += block.length;
    const more = m.deflate.write(block);
    // zlib holds the block until it has consumed it: the next one goes into a fresh buffer. The
    // block, the file chunks copied into it and zlib's output chunks become garbage.
    this.gc.allocated(3 * block.length);
    this.block = Buffer.allocUnsafe(BLOCK);
    this.fill = 0;
    if (!more) await Promise.race([once(m.deflate, 'drain'), m.done]);
    if (this.failed) throw this.failed;
  }

  private async endMember(): Promise<void> {
    const m = this.member!;
    this.member = undefined;
    m.deflate.end();
    await m.done;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(m.crc >>> 0, 0);
    trailer.writeUInt32LE(m.size % 2 ** 32, 4);
    await this.emit(trailer);
    if (this.failed) throw this.failed;
  }
}
