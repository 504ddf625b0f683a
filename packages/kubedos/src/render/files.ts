import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** One file a renderer produces, relative to the output directory. */
export interface RenderedFile {
  /** Relative POSIX path, e.g. `wireguard/cp-1/wg1.conf`. */
  path: string;
  content: string;
  /** Exact file mode; defaults to 0o600 for secrets and 0o644 otherwise. */
  mode?: number;
  /** Key material or tokens: written 0o600 by default, inside 0o700 directories, never printed. */
  secret?: boolean;
}

export type Rendered = RenderedFile[];

/** Byte-order comparison, so the order never depends on the locale. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files sorted by path (a new array); the canonical order for writing and hashing. */
export function sortFiles(files: readonly RenderedFile[]): Rendered {
  return [...files].sort((a, b) => compareBytes(a.path, b.path));
}

/** The mode a file is written with. */
export function fileMode(file: RenderedFile): number {
  return file.mode ?? (file.secret ? 0o600 : 0o644);
}

/** Rejects absolute paths, `..`/`.` segments, empty segments and backslashes: a path must stay inside outDir. */
export function checkRelativePath(p: string): void {
  const bad =
    p === '' ||
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad)
    throw new Error(
      `rendered file path ${JSON.stringify(p)} is not a plain relative path inside the output directory`,
    );
}

/**
 * Writes the files under outDir: parent directories created as needed (0o755, or 0o700 when they hold a
 * secret), each file written to a temporary name with its exact mode and renamed into place, so a reader
 * never sees a half-written file. Paths that would escape outDir (lexically or through a symlinked
 * directory) and duplicate paths are refused before anything is written. The I/O is synchronous and in
 * path order: for thousands of small files that is about twice as fast as going through the thread pool.
 */
export async function writeRendered(outDir: string, files: readonly RenderedFile[]): Promise<void> {
  const sorted = sortFiles(files);
  const dirModes = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    checkRelativePath(f.path);
    if (i > 0 && sorted[i - 1]!.path === f.path) throw new Error(`rendered file ${f.path} is produced twice`);
    const segments = f.path.split('/');
    for (let d = 1; d < segments.length; d++) {
      const dir = segments.slice(0, d).join('/');
      if (f.secret) dirModes.set(dir, 0o700);
      else if (!dirModes.has(dir)) dirModes.set(dir, 0o755);
    }
  }
  mkdirSync(outDir, { recursive: true });
  const root = realpathSync(outDir);
  for (const dir of [...dirModes.keys()].sort(compareBytes)) {
    const abs = path.join(root, dir);
    mkdirSync(abs, { recursive: true });
    if (realpathSync(abs) !== abs)
      throw new Error(`output directory ${dir} is not a plain directory inside ${outDir} (symlinked?)`);
    chmodSync(abs, dirModes.get(dir)!);
  }
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  for (const f of sorted) writeOne(path.join(root, f.path), f.content, fileMode(f), tag);
}

function writeOne(target: string, content: string, mode: number, tag: string): void {
  const tmp = `${target}.tmp-${tag}`;
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      const bytes = Buffer.from(content);
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
      fchmodSync(fd, mode); // the umask may have narrowed the mode given to open()
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
