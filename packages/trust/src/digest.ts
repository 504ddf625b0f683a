// SHA-256 of bytes, files and folders, and the sha256sum text format that lists them.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ChecksumFormatError, TreeEntryError } from './errors.ts';

/** Large reads keep hashing close to the speed of `sha256sum` on big files. */
const READ_CHUNK = 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Streams the file through SHA-256; memory use does not grow with the file size. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface FileDigest {
  /** Relative to the hashed folder, `/`-separated. */
  path: string;
  sha256: string;
  size: number;
}

/** Digests of every regular file under `dir`, sorted by path; symlinks and special files are refused. */
export async function sha256Tree(dir: string): Promise<FileDigest[]> {
  const out: FileDigest[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) throw new TreeEntryError(path, 'symlink', 'is a symbolic link');
      else if (!entry.isFile()) throw new TreeEntryError(path, 'special', 'is not a regular file or folder');
      else {
        const abs = join(dir, path);
        const { size } = await lstat(abs);
        out.push({ path, sha256: await sha256File(abs), size });
      }
    }
  }
  await walk('');
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

/** Byte-wise (UTF-16 code unit) order: the same on every machine, unlike localeCompare. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `sha256sum` output: one `<hex>  <path>` line per entry, sorted by path. */
export function formatSha256Sum(entries: { path: string; sha256: string }[]): string {
  return [...entries]
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((e, i) => {
      if (!HEX64.test(e.sha256))
        throw new ChecksumFormatError(i + 1, `${e.path}: sha256 is not 64 lowercase hex digits`);
      // sha256sum would escape these; refusing them keeps the format one path per line.
      if (/[\n\r\\]/.test(e.path) || e.path === '')
        throw new ChecksumFormatError(
          i + 1,
          `path ${JSON.stringify(e.path)} is empty or has a newline or backslash`,
        );
      return `${e.sha256}  ${e.path}\n`;
    })
    .join('');
}

/** Parses `sha256sum` output (text `  ` or binary ` *` separators); blank lines are skipped. */
export function parseSha256Sum(text: string): { path: string; sha256: string }[] {
  const out: { path: string; sha256: string }[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new ChecksumFormatError(n, 'expected "<64 hex digits>  <path>"');
    const [, sha256 = '', path = ''] = m;
    if (seen.has(path)) throw new ChecksumFormatError(n, `${path} is listed twice`);
    seen.add(path);
    out.push({ path, sha256: sha256.toLowerCase() });
  });
  return out;
}
