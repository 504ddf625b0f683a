// The checks on each tar entry, made on its header before any of its data is read: path, type,
// sizes against the limits, and uniqueness. Pure: it sees the headers tar-stream decodes.
import type { Header } from 'tar-stream';
import { CapsuleError } from '../errors.ts';
import { normalisePath } from './paths.ts';

export interface Limits {
  /** Largest file, in bytes. */
  maxEntrySize: number;
  /** Sum of the file sizes, in bytes. */
  maxTotalSize: number;
  /** Files and folders. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxEntrySize: 4 * 1024 ** 3,
  maxTotalSize: 16 * 1024 ** 3,
  maxEntries: 10_000,
};

/** A header as tar-stream reports it: its published types are narrower than what it gives. */
export interface TarHeader extends Omit<Header, 'type' | 'pax'> {
  /** null for a type flag tar-stream does not know. */
  type: Header['type'] | null;
  /** pax records of the entry, vendor keywords included. */
  pax?: Record<string, string> | null;
  /** Offset of the entry's data in the tar stream. */
  byteOffset?: number;
}

export interface ArchiveEntry {
  /** Canonical path (see normalisePath). */
  path: string;
  type: 'file' | 'directory';
  mode: number;
  size: number;
  pax: Readonly<Record<string, string>>;
}

const corrupt = (message: string, path?: string) => new CapsuleError('ARCHIVE_CORRUPT', message, path);
const sizeLimit = (message: string, path?: string) => new CapsuleError('SIZE_LIMIT', message, path);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * ustar and GNU names are read as latin1 (one char a byte, see readArchive) and must be UTF-8;
 * pax paths are UTF-8 by definition.
 */
function entryName(h: TarHeader): string {
  if (h.pax?.path !== undefined) return h.pax.path;
  const bytes = Buffer.from(h.name, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CapsuleError('UNSAFE_PATH', `an entry name is not valid UTF-8: ${h.name}`);
  }
}

export class EntryChecker {
  private readonly limits: Limits;
  private entries = 0;
  private total = 0;
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly parents = new Set<string>();

  constructor(limits: Limits = DEFAULT_LIMITS) {
    this.limits = limits;
  }

  /** The entry as the capsule sees it; undefined for the archive root folder (`./`). */
  check(h: TarHeader): ArchiveEntry | undefined {
    const pax = h.pax ?? {};
    if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.')))
      throw corrupt('sparse files are not supported');
    const type = h.type;
    // tar-stream reports type flags it does not know (vendor, GNU sparse …) as null.
    if (!type) throw corrupt(`tar header of ${JSON.stringify(h.name)}: unsupported entry type`);
    const name = entryName(h);
    const path = normalisePath(name);
    if (type === 'link' || type === 'symlink')
      throw new CapsuleError(
        'LINK_NOT_ALLOWED',
        `${path}: ${type === 'link' ? 'hardlink' : 'symlink'}s are not allowed in a capsule`,
        path,
      );
    if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory')
      throw new CapsuleError('SPECIAL_FILE', `${path}: ${type} entries are not allowed in a capsule`, path);
    const size = h.size;
    if (type === 'directory') {
      if (size !== 0) throw corrupt(`${path}: a folder entry with ${size} bytes of data`, path);
      if (path === '') return undefined; // the archive root, as in `tar -C dir .`
    } else if (path === '') {
      throw new CapsuleError(
        'UNSAFE_PATH',
        `${JSON.stringify(name)}: a file entry names the package root`,
        name,
      );
    }
    if (++this.entries > this.limits.maxEntries)
      throw sizeLimit(`more than ${this.limits.maxEntries} entries`, path);
    if (size > this.limits.maxEntrySize)
      throw sizeLimit(`${path}: ${size} bytes exceeds the entry limit of ${this.limits.maxEntrySize}`, path);
    this.total += size;
    if (this.total > this.limits.maxTotalSize)
      throw sizeLimit(`${path}: the files exceed the total limit of ${this.limits.maxTotalSize} bytes`, path);
    const kind = type === 'directory' ? 'directory' : 'file';
    this.claim(path, kind);
    return { path, type: kind, mode: h.mode & 0o7777, size, pax };
  }

  /** Each path names one thing: a file is never also a folder, nothing appears twice. */
  private claim(path: string, type: 'file' | 'directory'): void {
    const dup = (why: string) => new CapsuleError('DUPLICATE_ENTRY', `${path}: ${why}`, path);
    if (this.files.has(path) || this.dirs.has(path)) throw dup('appears twice in the archive');
    if (type === 'file' && this.parents.has(path)) throw dup('is a file and also a folder of other entries');
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.files.has(parent)) throw dup(`its folder ${parent} is a file`);
      this.parents.add(parent);
    }
    (type === 'file' ? this.files : this.dirs).add(path);
  }
}
