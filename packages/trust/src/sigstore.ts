// Sigstore bundles (v0.3) for signatures made with a plain public key: the verification material is
// a public-key hint and there are no transparency-log entries, so `cosign verify-blob --key …
// --insecure-ignore-tlog` and `cosign verify-blob-attestation` check them with no network.
import { createHash } from 'node:crypto';
import { verifyEnvelope, type Envelope, type Statement } from './dsse.ts';
import { VerificationError } from './errors.ts';
import type { PublicKey } from './keys.ts';
import { verifySignature } from './signer.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface SigstoreBundle {
  mediaType: string;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: unknown[] };
  messageSignature?: { messageDigest: { algorithm: 'SHA2_256'; digest: string }; signature: string };
  dsseEnvelope?: Envelope;
}

/** cosign's hint: base64 of SHA-256 over the SPKI DER (the same hash as the key id, in base64). */
export function publicKeyHint(publicKey: PublicKey): string {
  return Buffer.from(publicKey.keyId, 'hex').toString('base64');
}

function material(publicKey: PublicKey): SigstoreBundle['verificationMaterial'] {
  return { publicKey: { hint: publicKeyHint(publicKey) }, tlogEntries: [] };
}

/** A bundle for a detached signature over `artifact` (DER ECDSA over its SHA-256, or Ed25519). */
export function messageSignatureBundle(
  artifact: Uint8Array,
  signature: Uint8Array,
  publicKey: PublicKey,
): SigstoreBundle {
  return messageSignatureBundleForDigest(
    createHash('sha256').update(artifact).digest('hex'),
    signature,
    publicKey,
  );
}

/** The same, from the artifact's SHA-256 (hex), for artifacts hashed by streaming. */
export function messageSignatureBundleForDigest(
  sha256: string,
  signature: Uint8Array,
  publicKey: PublicKey,
): SigstoreBundle {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: material(publicKey),
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(sha256, 'hex').toString('base64') },
      signature: Buffer.from(signature).toString('base64'),
    },
  };
}

export function dsseBundle(envelope: Envelope, publicKey: PublicKey): SigstoreBundle {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: material(publicKey),
    dsseEnvelope: {
      payload: envelope.payload,
      payloadType: envelope.payloadType,
      // cosign only accepts a keyid that is empty or its own SSH-style fingerprint of the key; the
      // keyid is not signed, and the hint above already names the key.
      signatures: envelope.signatures.map(({ sig }) => ({ sig, keyid: '' })),
    },
  };
}

export type BundleVerification =
  { kind: 'messageSignature'; keyId: string } | { kind: 'dsseEnvelope'; keyId: string; statement: Statement };

/**
 * Verifies a bundle made by this module against trusted keys. A message signature needs the
 * artifact; a DSSE bundle carries its statement (its subject digests are the caller's to check).
 */
export function verifyBundle(bundle: unknown, keys: PublicKey[], artifact?: Uint8Array): BundleVerification {
  const b = bundle as Partial<SigstoreBundle> | null;
  if (!b || typeof b !== 'object') throw new VerificationError('Sigstore bundle: not a JSON object');
  if (b.mediaType !== BUNDLE_MEDIA_TYPE)
    throw new VerificationError(
      `Sigstore bundle: mediaType is ${JSON.stringify(b.mediaType)}, expected "${BUNDLE_MEDIA_TYPE}"`,
    );
  const hint = b.verificationMaterial?.publicKey?.hint;
  // The hint narrows the keys to try; an unknown hint is no reason to refuse a valid signature.
  const hinted = keys.filter((k) => publicKeyHint(k) === hint);
  const candidates = hinted.length ? hinted : keys;
  if (b.dsseEnvelope) {
    const { statement, keyId } = verifyEnvelope(b.dsseEnvelope, candidates);
    return { kind: 'dsseEnvelope', keyId, statement };
  }
  const ms = b.messageSignature;
  if (!ms) throw new VerificationError('Sigstore bundle: neither messageSignature nor dsseEnvelope');
  if (!artifact)
    throw new VerificationError('Sigstore bundle: a message signature needs the signed artifact');
  if (ms.messageDigest?.algorithm !== 'SHA2_256')
    throw new VerificationError('Sigstore bundle: messageDigest.algorithm must be SHA2_256');
  const digest = createHash('sha256').update(artifact).digest('base64');
  if (ms.messageDigest.digest !== digest)
    throw new VerificationError('Sigstore bundle: messageDigest does not match the artifact');
  const signature = Buffer.from(String(ms.signature), 'base64');
  const key = candidates.find((k) => verifySignature(k, artifact, signature));
  if (!key)
    throw new VerificationError('Sigstore bundle: the signature does not verify with any trusted key');
  return { kind: 'messageSignature', keyId: key.keyId };
}
