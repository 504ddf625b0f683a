// One Signer interface over a PEM key file and a PKCS#11 token, and signature verification.
import { sign, verify, type KeyObject } from 'node:crypto';
import { SignerError } from './errors.ts';
import { publicKeyFromKeyObject, readPrivateKeyFile, type KeyAlgorithm, type PublicKey } from './keys.ts';
import { openPkcs11Signer } from './pkcs11/signer.ts';

export interface Signer {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: PublicKey;
  /** ECDSA P-256: DER signature over SHA-256(data); Ed25519: 64-byte raw signature over data. */
  sign(data: Uint8Array): Promise<Buffer>;
  close(): Promise<void>;
}

/** A signer over an in-memory private key. */
export function keySigner(privateKey: KeyObject, source?: string): Signer {
  const publicKey = publicKeyFromKeyObject(privateKey, source);
  return {
    algorithm: publicKey.algorithm,
    publicKey,
    sign: async (data) => sign(publicKey.algorithm === 'ed25519' ? null : 'sha256', data, privateKey),
    close: async () => {},
  };
}

export async function keyFileSigner(path: string): Promise<Signer> {
  const { key } = await readPrivateKeyFile(path);
  return keySigner(key, path);
}

/** Opens exactly one of: a PEM private key file (`key`) or a PKCS#11 key (`pkcs11Uri`, RFC 7512). */
export async function openSigner(opts: {
  key?: string;
  pkcs11Uri?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<Signer> {
  if (opts.key && opts.pkcs11Uri) throw new SignerError('give either a key file or a PKCS#11 URI, not both');
  if (opts.key) return keyFileSigner(opts.key);
  if (opts.pkcs11Uri) return openPkcs11Signer(opts.pkcs11Uri, opts.env ?? process.env);
  throw new SignerError('no signing key: give a key file or a PKCS#11 URI');
}

/** True when `signature` (DER for ECDSA, 64 raw bytes for Ed25519) signs `data` under `publicKey`. */
export function verifySignature(publicKey: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (publicKey.algorithm === 'ed25519') return verify(null, data, publicKey.key, signature);
    return verify('sha256', data, { key: publicKey.key, dsaEncoding: 'der' }, signature);
  } catch {
    // Malformed signatures make OpenSSL throw; they are simply invalid.
    return false;
  }
}
