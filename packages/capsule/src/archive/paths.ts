// Paths inside a capsule: relative, `/`-separated, never leaving the package root.
import { CapsuleError } from '../errors.ts';

export const CHECKSUM_FILE = 'checksum.sha256';
export const SIGNATURE_FILE = 'signature.sig';
export const MANIFEST_FILE = 'capsule.json';

const MAX_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;

/**
 * The canonical form of an archive or checksum path: `./` prefixes, `.` and empty segments and a
 * trailing `/` are dropped ('' is the package root). Absolute paths, `..`, drive letters,
 * backslashes and control characters are UNSAFE_PATH: they could escape the root on extraction or
 * mean different files on different systems.
 */
export function normalisePath(raw: string): string {
  const unsafe = (why: string) => new CapsuleError('UNSAFE_PATH', `${JSON.stringify(raw)}: ${why}`, raw);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw unsafe('has a control character');
  if (raw.includes('\\')) throw unsafe('has a backslash');
  if (raw.startsWith('/')) throw unsafe('is absolute');
  if (/^[A-Za-z]:/.test(raw)) throw unsafe('starts with a drive letter');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafe('has a ".." segment');
  const path = segments.join('/');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw unsafe(`is longer than ${MAX_PATH_BYTES} bytes`);
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES))
    throw unsafe(`has a name longer than ${MAX_SEGMENT_BYTES} bytes`);
  return path;
}

/** True when `path` is already canonical and names something below the root. */
export function isCanonicalPath(path: string): boolean {
  try {
    return path !== '' && normalisePath(path) === path;
  } catch {
    return false;
  }
}

/** Byte order of the UTF-8 encodings: the order of entries in a packed capsule. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
