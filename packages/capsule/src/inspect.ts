// capsule inspect: what a capsule holds, without a key. The integrity checks run (all but the
// signature); the signer shown is the key recorded at packing time, which only a verify with a
// trusted key confirms.
import { stat } from 'node:fs/promises';
import type { FileDigest } from '@industriverse/trust';
import type { Limits } from './archive/entries.ts';
import { checkCapsule, readCapsule } from './contents.ts';
import { CapsuleError, type ErrorCode } from './errors.ts';
import type { CapsuleManifest } from './manifest.ts';

export interface Inspection {
  digest: string;
  size: number;
  manifest?: CapsuleManifest;
  files: FileDigest[];
  signer?: { keyId: string; algorithm: string };
  signed: boolean;
  /** The first integrity problem (the signature is not checked). */
  error?: { code: ErrorCode; message: string; path?: string };
}

export async function inspectCapsule(
  file: string,
  opts: { limits?: Partial<Limits> } = {},
): Promise<Inspection> {
  const size = (await stat(file)).size;
  const contents = await readCapsule(file, { limits: opts.limits ?? {} });
  const out: Inspection = {
    digest: contents.digest,
    size,
    files: contents.files,
    signed: !!contents.signature,
  };
  if (contents.signerHint)
    out.signer = { keyId: contents.signerHint.keyId, algorithm: contents.signerHint.algorithm };
  try {
    out.manifest = checkCapsule(contents, undefined, opts.limits, (m) => (out.manifest = m)).manifest;
  } catch (err) {
    if (!(err instanceof CapsuleError)) throw err;
    out.error = err.toJSON();
  }
  return out;
}
