// Builders of capsule archives for tests, hostile ones included: tar-stream writes the entries
// as told (no path or type checks), zlib compresses.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export interface RawEntry {
  name: string;
  type?: Header['type'];
  content?: Buffer | string;
  linkname?: string;
  mode?: number;
  /** Header size when it differs from the content (directories, links). */
  size?: number;
}

/** The uncompressed tar of `entries`, in order. */
export async function tar(entries: RawEntry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    const header: Partial<Header> & { name: string } = {
      name: e.name,
      type: e.type ?? 'file',
      mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(0),
      ...(e.linkname ? { linkname: e.linkname } : {}),
      ...(e.size !== undefined ? { size: e.size } : {}),
    };
    if (content) p.entry(header, content);
    else p.entry(header);
  }
  p.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of p) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

export async function tarGz(entries: RawEntry[]): Promise<Buffer> {
  return gzipSync(await tar(entries));
}

export interface PayloadFile {
  name: string;
  content: string | Buffer;
  mode?: number;
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function checksumText(files: PayloadFile[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((f) => `${sha256(f.content)}  ${f.name}\n`)
    .join('');
}

/** base64 signature as `openssl dgst -sha256 -sign` (ECDSA, DER) or Ed25519 makes it. */
export function signText(text: string, key: KeyObject): string {
  const sig = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from(text), key);
  return sig.toString('base64') + '\n';
}

export const MANIFEST = {
  name: 'demo',
  version: '1.0.0',
  entrypoint: 'run.sh',
  requirements: ['gpu:false', 'cpu:1', 'memory:128Mi'],
  proof_policy: { required: false, types: [] },
  prewarm: false,
  billing: { unit: 'run', price: 0.5 },
};

export function payload(manifest: object = MANIFEST): PayloadFile[] {
  return [
    { name: 'capsule.json', content: JSON.stringify(manifest) },
    { name: 'run.sh', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
    { name: 'data/model.bin', content: Buffer.alloc(2000, 7) },
  ];
}

/**
 * Entries of a capsule over `files`: checksum and signature computed unless overridden (`null`
 * leaves the entry out), then `extra` entries appended.
 */
export function capsuleEntries(
  files: PayloadFile[],
  key: KeyObject,
  opts: {
    checksum?: string | null;
    signature?: string | null;
    listed?: PayloadFile[];
    extra?: RawEntry[];
  } = {},
): RawEntry[] {
  const checksum = opts.checksum === undefined ? checksumText(opts.listed ?? files) : opts.checksum;
  const signature =
    opts.signature === undefined ? (checksum === null ? null : signText(checksum, key)) : opts.signature;
  return [
    ...files.map((f) => ({ name: f.name, content: f.content, mode: f.mode ?? 0o644 })),
    ...(checksum === null ? [] : [{ name: 'checksum.sha256', content: checksum }]),
    ...(signature === null ? [] : [{ name: 'signature.sig', content: signature }]),
    ...(opts.extra ?? []),
  ];
}
