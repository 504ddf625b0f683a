// capsule bundle: the capsule's signature as a Sigstore bundle (v0.3, public-key hint, no log
// entries) over the bytes of checksum.sha256, for `cosign verify-blob --key … --bundle …
// --insecure-ignore-tlog checksum.sha256`.
import { messageSignatureBundle, type PublicKey, type SigstoreBundle } from '@industriverse/trust';
import type { Limits } from './archive/entries.ts';
import { checkCapsule, readCapsule } from './contents.ts';
import { CapsuleError } from './errors.ts';

export interface CapsuleBundle {
  bundle: SigstoreBundle;
  /** The signed artifact: the exact bytes of checksum.sha256. */
  checksum: Buffer;
  keyId: string;
  digest: string;
}

/**
 * Checks the capsule and exports its signature. With `publicKeys` the signature must verify with
 * one of them; without, it must verify with the signer key recorded in the capsule (the bundle is
 * then only as trustworthy as the key its verifier supplies, as always with cosign --key).
 */
export async function bundleCapsule(
  file: string,
  opts: { publicKeys?: PublicKey[]; limits?: Partial<Limits> } = {},
): Promise<CapsuleBundle> {
  const contents = await readCapsule(file, { limits: opts.limits ?? {} });
  const keys = opts.publicKeys?.length
    ? opts.publicKeys
    : contents.signerHint
      ? [contents.signerHint]
      : undefined;
  if (!keys && !contents.error)
    throw new CapsuleError(
      'SIGNATURE_INVALID',
      'the capsule does not record its signer key: give the public key (--key)',
      'signature.sig',
    );
  const { key } = checkCapsule(contents, keys ?? [], opts.limits);
  const raw = Buffer.from(contents.signature!.toString('latin1').replace(/\s+/g, ''), 'base64');
  return {
    bundle: messageSignatureBundle(contents.checksum!, raw, key!),
    checksum: contents.checksum!,
    keyId: key!.keyId,
    digest: contents.digest,
  };
}
