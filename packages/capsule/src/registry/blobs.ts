// Content-addressed blob storage: blobs/sha256/<hex>. A blob is streamed to a temp file while it is
// hashed, and renamed into place only when its digest is the one expected, so a reader never sees a
// partial or mismatching blob.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempPath } from '@industriverse/trust';
import { digestHex } from './digest.ts';
import { RegistryError } from './errors.ts';

export interface StoredBlob {
  digest: string;
  size: number;
}

/**
 * Streams `source` into `file` (created, must not exist) while hashing it; stops with TOO_LARGE
 * past `maxBytes`. The file is fsynced. On failure it is removed.
 */
export async function writeHashed(
  source: AsyncIterable<Uint8Array>,
  file: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<StoredBlob> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(file, 'wx', 0o644);
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes)
        throw new RegistryError('TOO_LARGE', `blob exceeds the size limit of ${maxBytes} bytes`);
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(file, { force: true });
    throw err;
  }
  await handle.close();
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/**
 * Writes `source` to `dest` through a temp file beside it; the rename happens only when the
 * content's digest equals `expected` (when given).
 */
export async function writeVerified(
  source: AsyncIterable<Uint8Array>,
  dest: string,
  opts: { expected?: string; maxBytes?: number } = {},
): Promise<StoredBlob> {
  const tmp = tempPath(dest);
  const blob = await writeHashed(source, tmp, opts.maxBytes);
  if (opts.expected && blob.digest !== opts.expected) {
    await rm(tmp, { force: true });
    throw new RegistryError(
      'DIGEST_MISMATCH',
      `content has digest ${blob.digest}, expected ${opts.expected}`,
    );
  }
  await rename(tmp, dest);
  return blob;
}

export class BlobStore {
  readonly root: string;

  constructor(registryDir: string) {
    this.root = join(registryDir, 'blobs', 'sha256');
  }

  path(digest: string): string {
    return join(this.root, digestHex(digest));
  }

  /** The blob's size, or undefined when it is absent. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Stores a blob; with `expected`, refuses content whose digest differs. */
  async put(
    source: AsyncIterable<Uint8Array>,
    opts: { expected?: string; maxBytes?: number } = {},
  ): Promise<StoredBlob> {
    await mkdir(this.root, { recursive: true });
    // The final name is only known after hashing: write beside the store, then rename.
    const tmp = tempPath(join(this.root, 'upload'));
    const blob = await writeHashed(source, tmp, opts.maxBytes);
    if (opts.expected && blob.digest !== opts.expected) {
      await rm(tmp, { force: true });
      throw new RegistryError(
        'DIGEST_MISMATCH',
        `uploaded content has digest ${blob.digest}, not ${opts.expected}`,
      );
    }
    await rename(tmp, this.path(blob.digest));
    return blob;
  }

  putFile(file: string): Promise<StoredBlob> {
    return this.put(createReadStream(file));
  }

  /** Copies a blob to `dest`, checking its digest on the way (a blob corrupted at rest is refused). */
  async copyTo(digest: string, dest: string): Promise<void> {
    if ((await this.size(digest)) === undefined) throw new RegistryError('NOT_FOUND', `no blob ${digest}`);
    await mkdir(dirname(dest), { recursive: true });
    await writeVerified(createReadStream(this.path(digest)), dest, { expected: digest });
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }
}
