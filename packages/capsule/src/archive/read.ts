// Streams a .tar.gz once: file → SHA-256 of the archive bytes → gunzip (zlib, on the thread pool)
// → tar-stream's extract → the visitor. Each entry is checked at its header (EntryChecker), before
// any of its data is read. Nothing is buffered beyond a few chunks, whatever the archive size, and
// a gzip bomb stops at the limits.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { CapsuleError } from '../errors.ts';
import { GarbageCollector } from './gc.ts';
import { EntryChecker, type ArchiveEntry, type Limits, type TarHeader } from './entries.ts';

const CHUNK = 1024 * 1024;
/** Decompressed bytes that are not file data (headers, padding, zero blocks) beyond this: a bomb. */
const MAX_METADATA = 64 * 1024 * 1024;
/** Two zero blocks end a tar archive. */
const END_BLOCKS = 1024;
/** Zeros after them (tar pads to its record size, 10 KiB by default). */
const MAX_TRAILER = 1024 * 1024;
const ZEROS = Buffer.alloc(4096);

export interface EntryVisitor {
  entry(entry: ArchiveEntry): void;
  data(chunk: Buffer): void;
  end(): void;
}

export interface ReadOutcome {
  /** sha256 (hex) of the whole file, also when reading stopped at an error. */
  sha256: string;
  error?: CapsuleError;
}

const corrupt = (message: string) => new CapsuleError('ARCHIVE_CORRUPT', message);
const sizeLimit = (message: string) => new CapsuleError('SIZE_LIMIT', message);

/** Length of `chunk` without its trailing zero bytes. */
function nonZeroLength(chunk: Buffer): number {
  for (let end = chunk.length; end > 0;) {
    const start = Math.max(0, end - ZEROS.length);
    if (!chunk.subarray(start, end).equals(ZEROS.subarray(0, end - start))) {
      while (chunk[end - 1] === 0) end--;
      return end;
    }
    end = start;
  }
  return 0;
}

/**
 * Reads the archive through `visitor`. Problems with the archive come back as `error`: the first
 * one met in stream order, since output that zlib produced before a decompression error is parsed
 * before that error is reported. An unreadable file, or a visitor failing with anything but a
 * CapsuleError, rejects.
 */
export async function readArchive(file: string, visitor: EntryVisitor, limits: Limits): Promise<ReadOutcome> {
  const fh = await open(file, 'r');
  const outer = createHash('sha256');
  const checker = new EntryChecker(limits);
  const gunzip = createGunzip({ chunkSize: CHUNK });
  // latin1 keeps the bytes of ustar and GNU names, which EntryChecker decodes strictly as UTF-8;
  // a buffer of a few chunks lets zlib inflate the next ones while this thread hashes.
  const untar = extract({ filenameEncoding: 'latin1', highWaterMark: 4 * CHUNK } as Parameters<
    typeof extract
  >[0]);
  let failure: CapsuleError | undefined;
  let fatal: { error: unknown } | undefined;
  let gzipError: Error | undefined;
  let tarError: Error | undefined;
  let gzipEnded = false;
  /** Decompressed bytes; file data announced by headers; where the last entry's data ends. */
  let inflated = 0;
  let declared = 0;
  let entriesEnd = 0;
  /** Offset just after the last non-zero decompressed byte. */
  let nonZeroEnd = 0;
  const gc = new GarbageCollector();
  const stopped = () => failure !== undefined || fatal !== undefined;
  const fail = (err: unknown) => {
    if (stopped()) return;
    if (err instanceof CapsuleError) failure = err;
    else fatal = { error: err };
    gunzip.destroy();
    untar.destroy();
  };

  untar.on('entry', (raw, stream, next) => {
    const header = raw as unknown as TarHeader;
    stream.on('error', () => {}); // reported through untar
    let entry: ArchiveEntry | undefined;
    try {
      entry = checker.check(header);
      const size = header.size;
      entriesEnd = (header.byteOffset ?? 0) + Math.ceil(size / 512) * 512;
      if (entry) {
        declared += entry.size;
        visitor.entry(entry);
      }
      if (entry?.type === 'file' && entry.size === 0) visitor.end();
    } catch (err) {
      return fail(err);
    }
    if (entry?.type !== 'file' || entry.size === 0) return process.nextTick(next);
    stream.on('data', (chunk) => {
      if (stopped()) return;
      try {
        visitor.data(chunk as Buffer);
      } catch (err) {
        fail(err);
      }
    });
    stream.on('end', () => {
      if (stopped()) return;
      try {
        visitor.end();
      } catch (err) {
        return fail(err);
      }
      next();
    });
  });
  const untarDone = new Promise<void>((resolve) => {
    untar.on('error', (err: Error) => {
      tarError ??= err;
      gunzip.destroy(); // what follows a broken tar stream is not read
    });
    untar.on('close', resolve);
    untar.on('finish', resolve);
  });

  gunzip.on('data', (chunk: Buffer) => {
    if (stopped()) return;
    const nonZero = nonZeroLength(chunk);
    if (nonZero) nonZeroEnd = inflated + nonZero;
    inflated += chunk.length;
    gc.allocated(chunk.length);
    if (inflated - declared > MAX_METADATA)
      return fail(sizeLimit(`tar headers, padding and zero blocks exceed ${MAX_METADATA} bytes`));
    if (!untar.write(chunk)) {
      gunzip.pause();
      untar.once('drain', () => gunzip.resume());
    }
  });
  const gunzipDone = new Promise<void>((resolve) => {
    gunzip.on('end', () => {
      gzipEnded = true;
      resolve();
    });
    gunzip.on('error', (err: Error) => {
      if (!gzipEnded) gzipError ??= err;
      resolve();
    });
    gunzip.on('close', resolve);
  });

  let read = 0;
  try {
    // Two buffers in turn: one is read into while zlib consumes the other.
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    const busy: (Promise<void> | undefined)[] = [undefined, undefined];
    for (let i = 0; ; i ^= 1) {
      // zlib may drop the callback of the chunk it was inflating when it fails.
      await Promise.race([busy[i], gunzipDone]);
      const { bytesRead } = await fh.read(buffers[i]!, 0, CHUNK, read);
      if (bytesRead === 0) break;
      const chunk = buffers[i]!.subarray(0, bytesRead);
      outer.update(chunk);
      read += bytesRead;
      // Once reading stopped, the rest of the file is only hashed: the digest covers all of it.
      busy[i] =
        stopped() || gzipEnded || gzipError || tarError
          ? undefined
          : new Promise((resolve) => gunzip.write(chunk, () => resolve()));
    }
  } catch (err) {
    gunzip.destroy();
    untar.destroy();
    throw err;
  } finally {
    await fh.close();
  }
  if (!stopped()) gunzip.end();
  await gunzipDone;
  // What zlib produced is parsed to its end before a gzip error is reported.
  if (!stopped()) untar.end(null);
  await untarDone;
  if (fatal) throw fatal.error;
  const sha256 = outer.digest('hex');
  const error =
    failure ??
    (gzipError && corrupt(`not a valid gzip stream: ${gzipError.message}`)) ??
    (tarError && tarFailure(tarError)) ??
    endOfArchive(read - gunzip.bytesWritten, inflated - entriesEnd, nonZeroEnd > entriesEnd);
  return error ? { sha256, error } : { sha256 };
}

function tarFailure(err: Error): CapsuleError {
  // tar-stream's cap on one pax header or GNU long name (4 MiB).
  if (err.message === 'Header exceeds max size')
    return sizeLimit('an extended tar header (pax or GNU long name) exceeds 4 MiB');
  return corrupt(`not a valid tar archive: ${err.message}`);
}

/** After a clean read: nothing after the gzip stream, and the tar ends with its zero blocks. */
function endOfArchive(afterGzip: number, tail: number, dataInTail: boolean): CapsuleError | undefined {
  if (afterGzip > 0) return corrupt(`${afterGzip} bytes after the gzip stream`);
  if (dataInTail) return corrupt('data after the last entry of the tar archive');
  if (tail < END_BLOCKS) return corrupt('the tar archive is truncated (no end-of-archive blocks)');
  if (tail - END_BLOCKS > MAX_TRAILER)
    return sizeLimit(`more than ${MAX_TRAILER} bytes of zeros after the end of the tar archive`);
  return undefined;
}
