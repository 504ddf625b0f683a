// Capsule and proof digests are written "sha256:<64 lowercase hex>".
import { RegistryError } from './errors.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a "sha256:<hex>" digest; BAD_REQUEST naming `what` when it is malformed. */
export function digestHex(digest: string, what = 'digest'): string {
  const m = DIGEST.exec(digest);
  if (!m)
    throw new RegistryError('BAD_REQUEST', `${what} "${digest}" is not of the form sha256:<64 hex digits>`);
  return m[1]!;
}

export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}
