// Public and private keys: ECDSA P-256 (the default) and Ed25519, as PEM (SPKI / PKCS#8).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sha256Hex } from './digest.ts';
import { KeyError } from './errors.ts';

export type KeyAlgorithm = 'ecdsa-p256' | 'ed25519';

export interface PublicKey {
  algorithm: KeyAlgorithm;
  /** Lowercase hex SHA-256 of the SPKI DER encoding. */
  keyId: string;
  /** SPKI PEM. */
  pem: string;
  key: KeyObject;
}

export function generateKeyPair(algorithm: KeyAlgorithm = 'ecdsa-p256'): {
  privateKeyPem: string;
  publicKeyPem: string;
} {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const { privateKey, publicKey } =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** The algorithm of a key object, or a KeyError saying which unsupported type it is. */
export function keyAlgorithm(key: KeyObject, source?: string): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-p256';
    throw new KeyError(`EC curve ${curve ?? 'unknown'} is not supported (use P-256)`, { source });
  }
  throw new KeyError(
    `key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (use ECDSA P-256 or Ed25519)`,
    {
      source,
    },
  );
}

/** Wraps a public KeyObject (or derives the public half of a private one). */
export function publicKeyFromKeyObject(key: KeyObject, source?: string): PublicKey {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const algorithm = keyAlgorithm(pub, source);
  const der = pub.export({ type: 'spki', format: 'der' });
  return {
    algorithm,
    keyId: sha256Hex(der),
    pem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    key: pub,
  };
}

export function readPublicKey(pem: string | Buffer, source?: string): PublicKey {
  const text = pem.toString();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    throw new KeyError('is a private key; a public key (SPKI PEM, "BEGIN PUBLIC KEY") is expected', {
      source,
    });
  if (!text.includes('-----BEGIN PUBLIC KEY-----'))
    throw new KeyError('is not a PEM public key (no "BEGIN PUBLIC KEY" block)', { source });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new KeyError(`the PEM public key cannot be parsed: ${(err as Error).message}`, {
      source,
      cause: err,
    });
  }
  return publicKeyFromKeyObject(key, source);
}

export async function readPublicKeyFile(path: string): Promise<PublicKey> {
  return readPublicKey(await readKeyFile(path), path);
}

/** A private key from a PEM file (PKCS#8, or the SEC1 / traditional forms openssl also writes). */
export async function readPrivateKeyFile(path: string): Promise<{ algorithm: KeyAlgorithm; key: KeyObject }> {
  const text = await readKeyFile(path);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    throw new KeyError('is not a PEM private key (no "BEGIN PRIVATE KEY" block)', { source: path });
  if (text.includes('ENCRYPTED PRIVATE KEY'))
    throw new KeyError('is an encrypted private key; an unencrypted PKCS#8 key is expected', {
      source: path,
    });
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new KeyError(`the PEM private key cannot be parsed: ${(err as Error).message}`, {
      source: path,
      cause: err,
    });
  }
  return { algorithm: keyAlgorithm(key, path), key };
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new KeyError(`cannot read the key file: ${(err as Error).message}`, { source: path, cause: err });
  }
}
