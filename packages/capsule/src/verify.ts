// capsule verification: one pass over the archive, then the checks in precedence order (see
// checkCapsule); the result carries exactly one error code when the capsule is not valid.
import { rmSync } from 'node:fs';
import type { FileDigest, PublicKey } from '@industriverse/trust';
import type { Limits } from './archive/entries.ts';
import { checkCapsule, readCapsule } from './contents.ts';
import { CapsuleError, type ErrorCode } from './errors.ts';
import type { CapsuleManifest } from './manifest.ts';

export interface VerifyOptions {
  publicKeys: PublicKey[];
  limits?: Partial<Limits>;
  /** Extract the payload into a fresh temp folder (`dir` of the result; the caller removes it). */
  extract?: boolean;
}

export type VerifyResult =
  | {
      ok: true;
      digest: string;
      manifest: CapsuleManifest;
      files: FileDigest[];
      keyId: string;
      dir?: string;
    }
  | {
      ok: false;
      digest: string;
      error: { code: ErrorCode; message: string; path?: string };
      /** Present when the manifest was valid and a later check failed. */
      manifest?: CapsuleManifest;
    };

export async function verifyCapsule(file: string, opts: VerifyOptions): Promise<VerifyResult> {
  const contents = await readCapsule(file, { limits: opts.limits ?? {}, extract: opts.extract ?? false });
  let manifest: CapsuleManifest | undefined;
  try {
    const checked = checkCapsule(contents, opts.publicKeys, opts.limits, (m) => (manifest = m));
    return {
      ok: true,
      digest: contents.digest,
      manifest: checked.manifest,
      files: contents.files,
      keyId: checked.key!.keyId,
      ...(contents.dir ? { dir: contents.dir } : {}),
    };
  } catch (err) {
    if (contents.dir) rmSync(contents.dir, { recursive: true, force: true });
    if (!(err instanceof CapsuleError)) throw err;
    return { ok: false, digest: contents.digest, error: err.toJSON(), ...(manifest ? { manifest } : {}) };
  }
}
