// Reading a capsule: the archive streamed once, payload files hashed (and extracted when asked),
// the generated files kept in memory, then the checks in their documented order.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChecksumFormatError,
  parseSha256Sum,
  readPublicKey,
  verifySignature,
  type FileDigest,
  type PublicKey,
} from '@industriverse/trust';
import {
  CHECKSUM_FILE,
  comparePaths,
  MANIFEST_FILE,
  normalisePath,
  SIGNATURE_FILE,
} from './archive/paths.ts';
import { DEFAULT_LIMITS, type ArchiveEntry, type Limits } from './archive/entries.ts';
import { readArchive, type EntryVisitor } from './archive/read.ts';
import { CapsuleError } from './errors.ts';
import { parseManifest, type CapsuleManifest } from './manifest.ts';

/**
 * The pax `comment` of signature.sig names the signer's public key (this prefix + base64 SPKI DER):
 * a hint for inspect and bundle, never trusted. `comment` is the pax keyword every tar ignores.
 */
export const SIGNER_COMMENT_PREFIX = 'capsule-signer-spki:';

/** Sizes above which the generated files and the manifest are refused (they are read into memory). */
const MAX_IN_MEMORY: Record<string, number> = {
  [CHECKSUM_FILE]: 16 * 1024 * 1024,
  [SIGNATURE_FILE]: 64 * 1024,
  [MANIFEST_FILE]: 1024 * 1024,
};

export interface CapsuleContents {
  /** `sha256:<hex>` of the archive file. */
  digest: string;
  error?: CapsuleError;
  /** Payload files (everything but checksum.sha256 and signature.sig), sorted by path. */
  files: FileDigest[];
  checksum?: Buffer;
  signature?: Buffer;
  /** The signer key recorded at packing time (unverified). */
  signerHint?: PublicKey;
  manifestText?: Buffer;
  /** Extraction folder (payload files only), when asked for and reading succeeded. */
  dir?: string;
}

/** Reads and structurally checks the archive; `extract` writes payload files into a fresh temp folder. */
export async function readCapsule(
  file: string,
  opts: { limits?: Partial<Limits>; extract?: boolean } = {},
): Promise<CapsuleContents> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const dir = opts.extract ? mkdtempSync(join(tmpdir(), 'capsule-')) : undefined;
  const files: FileDigest[] = [];
  const kept = new Map<string, Buffer[]>();
  let current: { entry: ArchiveEntry; hash?: Hash; fd?: number; keep?: Buffer[] } | undefined;
  let signerSpki: string | undefined;

  const visitor: EntryVisitor = {
    entry(entry) {
      if (entry.type === 'directory') {
        if (dir) mkdirSync(join(dir, entry.path), { recursive: true, mode: 0o755 });
        return;
      }
      const max = MAX_IN_MEMORY[entry.path];
      if (max !== undefined && entry.size > max)
        throw new CapsuleError('SIZE_LIMIT', `${entry.path}: ${entry.size} bytes exceeds ${max}`, entry.path);
      const generated = entry.path === CHECKSUM_FILE || entry.path === SIGNATURE_FILE;
      if (entry.path === SIGNATURE_FILE) {
        const comment = entry.pax.comment;
        if (comment?.startsWith(SIGNER_COMMENT_PREFIX))
          signerSpki = comment.slice(SIGNER_COMMENT_PREFIX.length);
      }
      current = { entry };
      if (max !== undefined) kept.set(entry.path, (current.keep = []));
      if (generated) return;
      current.hash = createHash('sha256');
      if (dir) {
        const slash = entry.path.lastIndexOf('/');
        if (slash > 0) mkdirSync(join(dir, entry.path.slice(0, slash)), { recursive: true, mode: 0o755 });
        // O_EXCL and O_NOFOLLOW: never reuse or follow anything already there.
        current.fd = openSync(
          join(dir, entry.path),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          entry.mode & 0o111 ? 0o755 : 0o644,
        );
      }
    },
    data(chunk) {
      const c = current!;
      c.hash?.update(chunk);
      c.keep?.push(Buffer.from(chunk));
      if (c.fd !== undefined) for (let at = 0; at < chunk.length;) at += writeSync(c.fd, chunk, at);
    },
    end() {
      const c = current!;
      current = undefined;
      if (c.fd !== undefined) closeSync(c.fd);
      if (c.hash) files.push({ path: c.entry.path, sha256: c.hash.digest('hex'), size: c.entry.size });
    },
  };

  let outcome;
  try {
    outcome = await readArchive(file, visitor, limits);
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    if (current?.fd !== undefined) closeSync(current.fd);
  }
  if (outcome.error && dir) rmSync(dir, { recursive: true, force: true });
  const joined = (p: string) => (kept.has(p) ? Buffer.concat(kept.get(p)!) : undefined);
  let signerHint: PublicKey | undefined;
  if (signerSpki) {
    try {
      const der = Buffer.from(signerSpki, 'base64');
      const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
      signerHint = readPublicKey(`-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`);
    } catch {
      // A hint that does not parse is ignored: it is never trusted anyway.
    }
  }
  const contents: CapsuleContents = {
    digest: `sha256:${outcome.sha256}`,
    files: files.sort((a, b) => comparePaths(a.path, b.path)),
  };
  if (outcome.error) contents.error = outcome.error;
  const checksum = joined(CHECKSUM_FILE);
  const signature = joined(SIGNATURE_FILE);
  const manifestText = joined(MANIFEST_FILE);
  if (checksum) contents.checksum = checksum;
  if (signature) contents.signature = signature;
  if (manifestText) contents.manifestText = manifestText;
  if (signerHint) contents.signerHint = signerHint;
  if (dir && !outcome.error) contents.dir = dir;
  return contents;
}

/** The checksum list: each path canonical and listed once, the generated files not listed. */
export function parseChecksumList(text: Buffer, limits: Limits): Map<string, string> {
  const mismatch = (message: string) => new CapsuleError('CHECKSUM_MISMATCH', message, CHECKSUM_FILE);
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    throw mismatch(`${CHECKSUM_FILE} is not UTF-8 text`);
  }
  let parsed: { path: string; sha256: string }[];
  try {
    parsed = parseSha256Sum(source);
  } catch (err) {
    if (!(err instanceof ChecksumFormatError)) throw err;
    const line = source.split('\n')[err.line - 1] ?? '';
    // A line that parses on its own failed only for being a repeat.
    let alone: boolean;
    try {
      alone = parseSha256Sum(line).length === 1;
    } catch {
      alone = false;
    }
    if (alone) throw new CapsuleError('DUPLICATE_ENTRY', `${CHECKSUM_FILE}: ${err.message}`, CHECKSUM_FILE);
    throw mismatch(`${CHECKSUM_FILE}: ${err.message}`);
  }
  if (parsed.length > limits.maxEntries)
    throw new CapsuleError('SIZE_LIMIT', `${CHECKSUM_FILE} lists more than ${limits.maxEntries} files`);
  const out = new Map<string, string>();
  for (const { path: raw, sha256 } of parsed) {
    const path = normalisePath(raw);
    if (path === '') throw new CapsuleError('UNSAFE_PATH', `${CHECKSUM_FILE} lists the package root`, raw);
    if (path === CHECKSUM_FILE || path === SIGNATURE_FILE)
      throw mismatch(`${CHECKSUM_FILE} lists ${path}, which it cannot cover`);
    if (out.has(path))
      throw new CapsuleError('DUPLICATE_ENTRY', `${CHECKSUM_FILE} lists ${path} twice`, path);
    out.set(path, sha256);
  }
  return out;
}

/** Which trusted key made `signature` (base64) over `checksum`; SIGNATURE_INVALID otherwise. */
export function checkSignature(checksum: Buffer, signature: Buffer, keys: PublicKey[]): PublicKey {
  const invalid = (message: string) => new CapsuleError('SIGNATURE_INVALID', message, SIGNATURE_FILE);
  const text = signature.toString('latin1').replace(/\s+/g, '');
  if (!text || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    throw invalid(`${SIGNATURE_FILE} is not base64`);
  const raw = Buffer.from(text, 'base64');
  const key = keys.find((k) => verifySignature(k, checksum, raw));
  if (!key)
    throw invalid(
      keys.length
        ? `${SIGNATURE_FILE} does not verify ${CHECKSUM_FILE} with the trusted key${keys.length > 1 ? 's' : ''}`
        : 'no trusted key to verify the signature with',
    );
  return key;
}

export interface CheckedCapsule {
  manifest: CapsuleManifest;
  /** The key that verified the signature; undefined when the signature was not checked. */
  key?: PublicKey;
}

/**
 * The checks after reading, in precedence order: CHECKSUM_MISSING, the checksum list itself
 * (CHECKSUM_MISMATCH when malformed, UNSAFE_PATH, DUPLICATE_ENTRY, SIZE_LIMIT), SIGNATURE_MISSING,
 * SIGNATURE_INVALID, then the files (CHECKSUM_MISMATCH, MISSING_FILE, UNLISTED_FILE, each in path
 * order), MANIFEST_INVALID, ENTRYPOINT_MISSING. `keys` undefined skips the signature check.
 */
export function checkCapsule(
  c: CapsuleContents,
  keys: PublicKey[] | undefined,
  limits: Partial<Limits> = {},
  onManifest: (m: CapsuleManifest) => void = () => {},
): CheckedCapsule {
  if (c.error) throw c.error;
  if (!c.checksum) throw new CapsuleError('CHECKSUM_MISSING', `${CHECKSUM_FILE} is missing`, CHECKSUM_FILE);
  const listed = parseChecksumList(c.checksum, { ...DEFAULT_LIMITS, ...limits });
  if (!c.signature)
    throw new CapsuleError('SIGNATURE_MISSING', `${SIGNATURE_FILE} is missing`, SIGNATURE_FILE);
  const key = keys ? checkSignature(c.checksum, c.signature, keys) : undefined;
  const present = new Map(c.files.map((f) => [f.path, f.sha256]));
  const paths = [...listed.keys()].sort(comparePaths);
  for (const path of paths) {
    const actual = present.get(path);
    if (actual !== undefined && actual !== listed.get(path))
      throw new CapsuleError(
        'CHECKSUM_MISMATCH',
        `${path}: sha256 ${actual} is not the listed ${listed.get(path)}`,
        path,
      );
  }
  for (const path of paths)
    if (!present.has(path))
      throw new CapsuleError(
        'MISSING_FILE',
        `${path} is listed in ${CHECKSUM_FILE} but not in the archive`,
        path,
      );
  for (const f of c.files)
    if (!listed.has(f.path))
      throw new CapsuleError('UNLISTED_FILE', `${f.path} is not listed in ${CHECKSUM_FILE}`, f.path);
  if (!c.manifestText)
    throw new CapsuleError('MANIFEST_INVALID', `${MANIFEST_FILE} is missing`, MANIFEST_FILE);
  const manifest = parseManifest(c.manifestText.toString('utf8'));
  onManifest(manifest);
  if (!present.has(manifest.entrypoint))
    throw new CapsuleError(
      'ENTRYPOINT_MISSING',
      `entrypoint ${manifest.entrypoint} is not a file in the capsule`,
      manifest.entrypoint,
    );
  return key ? { manifest, key } : { manifest };
}
