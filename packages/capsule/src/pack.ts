// capsule pack: a folder → a deterministic, signed .tar.gz. tar-stream writes the entries, sorted
// by path (folders included), owned by 0:0 with empty owner names, mtime 0 and modes 0644/0755;
// checksum.sha256 and signature.sig are generated and come last. GzipWriter compresses.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pack, type Pack } from 'tar-stream';
import { formatSha256Sum, tempPath, type FileDigest, type Signer } from '@industriverse/trust';
import type { Limits } from './archive/entries.ts';
import { GzipWriter } from './archive/gzip-writer.ts';
import {
  CHECKSUM_FILE,
  comparePaths,
  MANIFEST_FILE,
  normalisePath,
  SIGNATURE_FILE,
} from './archive/paths.ts';
import { checkCapsule, readCapsule, SIGNER_COMMENT_PREFIX } from './contents.ts';
import { CapsuleError } from './errors.ts';
import { parseManifest, type CapsuleManifest } from './manifest.ts';

const READ_CHUNK = 1024 * 1024;
const EPOCH = new Date(0);

export interface PackOptions {
  out: string;
  signer: Signer;
  /** Called with the payload bytes packed so far. */
  onProgress?: (bytes: number, total: number) => void;
}

export interface PackResult {
  file: string;
  /** `sha256:<hex>` of the .tar.gz. */
  digest: string;
  manifest: CapsuleManifest;
}

interface Item {
  path: string;
  abs: string;
  stat: Stats;
}

/** Regular files and folders under `dir`, sorted; links and special files are refused. */
async function walk(dir: string): Promise<Item[]> {
  const items: Item[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const raw = rel ? `${rel}/${name}` : name;
      const path = normalisePath(raw);
      if (path !== raw) throw new CapsuleError('UNSAFE_PATH', `${raw}: not a canonical path`, raw);
      // Generated at packing time; copies in the folder (from an extracted capsule) are ignored.
      if (path === CHECKSUM_FILE || path === SIGNATURE_FILE) continue;
      const abs = join(dir, path);
      const stat = await lstat(abs);
      if (stat.isSymbolicLink())
        throw new CapsuleError(
          'LINK_NOT_ALLOWED',
          `${path} is a symbolic link; capsules hold regular files only`,
          path,
        );
      if (stat.isDirectory()) {
        items.push({ path, abs, stat });
        await visit(path);
      } else if (stat.isFile()) items.push({ path, abs, stat });
      else throw new CapsuleError('SPECIAL_FILE', `${path} is not a regular file or folder`, path);
    }
  };
  await visit('');
  return items.sort((a, b) => comparePaths(a.path, b.path));
}

/** A fixed header: only the path, type, mode, size and pax records vary. */
function header(
  path: string,
  type: 'file' | 'directory',
  mode: number,
  size: number,
  pax?: Record<string, string>,
): Parameters<Pack['entry']>[0] {
  return {
    name: type === 'directory' ? `${path}/` : path,
    type,
    mode,
    size,
    mtime: EPOCH,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    ...(pax ? { pax } : {}),
  };
}

/** tar-stream's entry() as a promise: settles once tar-stream has taken the whole entry. */
function addEntry(tar: Pack, h: Parameters<Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) tar.entry(h, body, done);
    else tar.entry(h, done);
  });
}

async function readFull(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, position + n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n;
}

async function packFile(tar: Pack, item: Item, progress: (n: number) => void): Promise<FileDigest> {
  // O_NOFOLLOW: the file was checked by lstat; a symlink swapped in since then is refused here.
  const fh = await open(item.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stat = await fh.stat();
    if (!stat.isFile())
      throw new CapsuleError('SPECIAL_FILE', `${item.path} is not a regular file`, item.path);
    const size = stat.size;
    const hash = createHash('sha256');
    let sink!: ReturnType<Pack['entry']>;
    const taken = new Promise<void>((resolve, reject) => {
      const h = header(item.path, 'file', stat.mode & 0o111 ? 0o755 : 0o644, size);
      sink = tar.entry(h, (err) => (err ? reject(err) : resolve()));
    });
    sink.on('error', () => {}); // reported through `taken`
    taken.catch(() => {}); // awaited below, unless reading the file fails first
    let done = 0;
    while (done < size) {
      // A fresh buffer each time: tar-stream passes it on as it is.
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - done));
      const n = await readFull(fh, buf, done);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      done += n;
      progress(n);
      // `taken` fails when tar-stream drops the entry (the archive's consumer failed).
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), taken]);
    }
    if (done !== size || (await fh.read(Buffer.alloc(1), 0, 1, size)).bytesRead !== 0)
      throw new Error(`${item.path} changed while it was being packed`);
    sink.end(null);
    await taken;
    return { path: item.path, sha256: hash.digest('hex'), size };
  } finally {
    await fh.close();
  }
}

export async function packCapsule(dir: string, opts: PackOptions): Promise<PackResult> {
  const items = await walk(dir);
  const manifestItem = items.find((i) => i.path === MANIFEST_FILE && i.stat.isFile());
  if (!manifestItem)
    throw new CapsuleError('MANIFEST_INVALID', `${MANIFEST_FILE} is missing in ${dir}`, MANIFEST_FILE);
  const fh = await open(manifestItem.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  const manifest = parseManifest(await fh.readFile('utf8').finally(() => fh.close()));
  if (!items.some((i) => i.path === manifest.entrypoint && i.stat.isFile()))
    throw new CapsuleError(
      'ENTRYPOINT_MISSING',
      `entrypoint ${manifest.entrypoint} is not a file in ${dir}`,
      manifest.entrypoint,
    );
  const total = items.reduce((s, i) => s + (i.stat.isFile() ? i.stat.size : 0), 0);
  let packed = 0;
  const progress = (n: number) => opts.onProgress?.((packed += n), total);

  // Written next to the target and renamed at the end: no half-written capsule under its name.
  const partial = tempPath(opts.out);
  const gz = new GzipWriter(partial);
  const tar = pack();
  tar.on('error', () => {}); // reported through `pumped` and the entries' callbacks
  const pumped = (async () => {
    for await (const chunk of tar) await gz.write(chunk as Buffer);
  })();
  // A failing consumer (the file system) stops the producer: tar-stream fails the entry being
  // written, and the consumer's error is the one reported.
  let consumerError: unknown;
  pumped.catch((err: unknown) => {
    consumerError = err;
    tar.destroy();
  });
  try {
    const digests: FileDigest[] = [];
    for (const item of items) {
      if (item.stat.isDirectory()) await addEntry(tar, header(item.path, 'directory', 0o755, 0));
      else digests.push(await packFile(tar, item, progress));
    }
    const checksum = Buffer.from(formatSha256Sum(digests));
    const signature = Buffer.from((await opts.signer.sign(checksum)).toString('base64') + '\n');
    const spki = opts.signer.publicKey.key.export({ type: 'spki', format: 'der' }).toString('base64');
    await addEntry(tar, header(CHECKSUM_FILE, 'file', 0o644, checksum.length), checksum);
    await addEntry(
      tar,
      header(SIGNATURE_FILE, 'file', 0o644, signature.length, { comment: SIGNER_COMMENT_PREFIX + spki }),
      signature,
    );
    tar.finalize();
    await pumped;
    const sha256 = await gz.close();
    await rename(partial, opts.out);
    return { file: opts.out, digest: `sha256:${sha256}`, manifest };
  } catch (err) {
    tar.destroy();
    await pumped.catch(() => {});
    await gz.abort();
    await rm(partial, { force: true });
    throw consumerError ?? err;
  }
}

/**
 * Signs an existing capsule again (with another key or an HSM): its payload is checked (checksum,
 * manifest; the old signature is not needed) and packed anew, so the result is what `pack` of the
 * same files gives. `out` may be `file` itself.
 */
export async function resignCapsule(
  file: string,
  opts: PackOptions & { limits?: Partial<Limits> },
): Promise<PackResult> {
  const contents = await readCapsule(file, { limits: opts.limits ?? {}, extract: true });
  try {
    checkCapsule(contents, undefined, opts.limits);
    return await packCapsule(contents.dir!, opts);
  } finally {
    if (contents.dir) await rm(contents.dir, { recursive: true, force: true });
  }
}
