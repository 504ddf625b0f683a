// A Signer over a private key in a PKCS#11 token (an HSM, or SoftHSM2 in tests). The digest is
// computed here and the token signs it: CKM_ECDSA returns raw r‖s, converted to DER so signatures
// look exactly like openssl's; Ed25519 keys sign the message itself with CKM_EDDSA.
import { createHash, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pkcs11js from 'pkcs11js';
import { ecdsaRawToDer } from '../ecdsa.ts';
import { SignerError } from '../errors.ts';
import { publicKeyFromKeyObject, type KeyAlgorithm, type PublicKey } from '../keys.ts';
import type { Signer } from '../signer.ts';
import { parsePkcs11Uri, type Pkcs11Uri } from './uri.ts';

type Handle = Buffer;

// Not (yet) in pkcs11js' constants: PKCS#11 3.0 values, which SoftHSM2 ≥ 2.6 implements.
const CKK_EC_EDWARDS = 0x40;
const CKM_EDDSA = 0x1057;

const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');
const ED25519_OID = Buffer.from('06032b6570', 'hex');
const ED25519_NAME = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519')]);

/** One initialised library per module path: C_Initialize is process-wide, so signers share it. */
const modules = new Map<string, { lib: pkcs11js.PKCS11; users: number }>();

function acquireModule(path: string): pkcs11js.PKCS11 {
  const loaded = modules.get(path);
  if (loaded) {
    loaded.users++;
    return loaded.lib;
  }
  const lib = new pkcs11js.PKCS11();
  step(`load PKCS#11 module ${path}`, () => lib.load(path));
  step(`initialise PKCS#11 module ${path}`, () => lib.C_Initialize());
  modules.set(path, { lib, users: 1 });
  return lib;
}

function releaseModule(path: string): void {
  const loaded = modules.get(path);
  if (!loaded || --loaded.users > 0) return;
  modules.delete(path);
  loaded.lib.C_Finalize();
  loaded.lib.close();
}

/** Runs a PKCS#11 call, turning its error into a SignerError that says what was being done. */
function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new SignerError(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

export async function openPkcs11Signer(uriText: string, env: NodeJS.ProcessEnv): Promise<Signer> {
  const uri = parsePkcs11Uri(uriText);
  const modulePath = uri.modulePath ?? env.PKCS11_MODULE;
  if (!modulePath)
    throw new SignerError(
      'no PKCS#11 module: add module-path=/path/to/module.so to the URI or set PKCS11_MODULE',
    );
  if (uri.object === undefined && uri.id === undefined)
    throw new SignerError('the PKCS#11 URI names no key: give object=<label> and/or id=<%xx bytes>');
  if (uri.type !== undefined && uri.type !== 'private')
    throw new SignerError(`the PKCS#11 URI has type=${uri.type}; signing needs a private key (type=private)`);
  const pin = await readPin(uri, env);

  const lib = acquireModule(modulePath);
  let session: Handle | undefined;
  try {
    const slot = findSlot(lib, uri);
    const s = step('open a PKCS#11 session', () => lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION));
    session = s;
    login(lib, s, pin, uri.token ?? '');
    const privateKey = findKey(lib, s, uri, pkcs11js.CKO_PRIVATE_KEY, 'private key');
    const [keyType, id] = attributes(lib, s, privateKey, [pkcs11js.CKA_KEY_TYPE, pkcs11js.CKA_ID]);
    const algorithm = keyAlgorithm(keyType);
    const publicHandle = findKey(
      lib,
      s,
      { ...uri, id: uri.id ?? (id && id.length ? id : undefined) },
      pkcs11js.CKO_PUBLIC_KEY,
      'public key',
    );
    const publicKey = readPublicKeyObject(lib, s, publicHandle, algorithm, uriText);
    return tokenSigner(lib, s, privateKey, publicKey, () => releaseModule(modulePath));
  } catch (err) {
    if (session) lib.C_CloseSession(session);
    releaseModule(modulePath);
    throw err;
  }
}

/** The login belongs to the token, not the session: another signer on the same token may hold it already. */
function login(lib: pkcs11js.PKCS11, session: Handle, pin: string, token: string): void {
  try {
    lib.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (err) {
    if ((err as Error).message === 'CKR_USER_ALREADY_LOGGED_IN') return;
    throw new SignerError(`log in to token "${token}": ${(err as Error).message}`, { cause: err });
  }
}

async function readPin(uri: Pkcs11Uri, env: NodeJS.ProcessEnv): Promise<string> {
  if (uri.pinSource) {
    try {
      return (await readFile(uri.pinSource, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new SignerError(
        `cannot read the PKCS#11 PIN from pin-source ${uri.pinSource}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  if (env.PKCS11_PIN !== undefined) return env.PKCS11_PIN;
  throw new SignerError('no PKCS#11 PIN: add pin-source=file:/path to the URI or set PKCS11_PIN');
}

/** PKCS#11 pads token fields with spaces to a fixed width. */
function field(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}

function findSlot(lib: pkcs11js.PKCS11, uri: Pkcs11Uri): Handle {
  const slots = step('list PKCS#11 slots', () => lib.C_GetSlotList(true));
  const matches = slots.filter((slot) => {
    if (uri.slotId !== undefined && slot.readUIntLE(0, Math.min(slot.length, 6)) !== uri.slotId) return false;
    const info = lib.C_GetTokenInfo(slot);
    return (
      (uri.token === undefined || field(info.label) === uri.token) &&
      (uri.manufacturer === undefined || field(info.manufacturerID) === uri.manufacturer) &&
      (uri.serial === undefined || field(info.serialNumber) === uri.serial) &&
      (uri.model === undefined || field(info.model) === uri.model)
    );
  });
  const wanted = uri.token === undefined ? 'the PKCS#11 URI' : `token "${uri.token}"`;
  if (matches.length === 0) throw new SignerError(`no PKCS#11 token matches ${wanted}`);
  if (matches.length > 1)
    throw new SignerError(`${matches.length} PKCS#11 tokens match ${wanted}; add serial=…`);
  return matches[0] as Handle;
}

function findKey(lib: pkcs11js.PKCS11, session: Handle, uri: Pkcs11Uri, cls: number, what: string): Handle {
  const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: cls }];
  if (uri.object !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: uri.object });
  if (uri.id !== undefined) template.push({ type: pkcs11js.CKA_ID, value: uri.id });
  const found = step(`find the ${what}`, () => {
    lib.C_FindObjectsInit(session, template);
    try {
      return lib.C_FindObjects(session, 2);
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  });
  const name = [
    uri.object !== undefined ? `object=${uri.object}` : '',
    uri.id !== undefined ? `id=${uri.id.toString('hex')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (found.length === 0) throw new SignerError(`no ${what} with ${name} in token "${uri.token ?? ''}"`);
  if (found.length > 1) throw new SignerError(`several ${what}s match ${name}; add id=… to the URI`);
  return found[0] as Handle;
}

function attributes(
  lib: pkcs11js.PKCS11,
  session: Handle,
  handle: Handle,
  types: number[],
): (Buffer | undefined)[] {
  const result = step('read key attributes', () =>
    lib.C_GetAttributeValue(
      session,
      handle,
      types.map((type) => ({ type })),
    ),
  );
  return types.map((type) => result.find((a) => a.type === type)?.value as Buffer | undefined);
}

function keyAlgorithm(keyType: Buffer | undefined): KeyAlgorithm {
  // CK_ULONG in host byte order (little-endian on the platforms we run on).
  const type = keyType ? keyType.readUIntLE(0, Math.min(keyType.length, 6)) : -1;
  if (type === pkcs11js.CKK_EC) return 'ecdsa-p256';
  if (type === CKK_EC_EDWARDS) return 'ed25519';
  throw new SignerError(`the PKCS#11 key has key type 0x${type.toString(16)}; EC P-256 or Ed25519 is needed`);
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (some modules omit the wrapper). */
function unwrapPoint(value: Buffer, size: number): Buffer {
  if (value.length === size + 2 && value[0] === 0x04 && value[1] === size) return value.subarray(2);
  return value;
}

function readPublicKeyObject(
  lib: pkcs11js.PKCS11,
  session: Handle,
  handle: Handle,
  algorithm: KeyAlgorithm,
  source: string,
): PublicKey {
  const [params, point] = attributes(lib, session, handle, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
  if (!params || !point) throw new SignerError('the PKCS#11 public key has no CKA_EC_PARAMS / CKA_EC_POINT');
  const b64 = (b: Buffer): string => b.toString('base64url');
  if (algorithm === 'ed25519') {
    if (!params.equals(ED25519_OID) && !params.equals(ED25519_NAME))
      throw new SignerError('the PKCS#11 Edwards key is not on edwards25519');
    const x = unwrapPoint(point, 32);
    return publicKeyFromKeyObject(
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(x) }, format: 'jwk' }),
      source,
    );
  }
  if (!params.equals(P256_OID))
    throw new SignerError(`the PKCS#11 EC key is not on P-256 (CKA_EC_PARAMS ${params.toString('hex')})`);
  const xy = unwrapPoint(point, 65);
  if (xy.length !== 65 || xy[0] !== 0x04)
    throw new SignerError('the PKCS#11 EC point is not an uncompressed P-256 point');
  const jwk = { kty: 'EC', crv: 'P-256', x: b64(xy.subarray(1, 33)), y: b64(xy.subarray(33)) };
  return publicKeyFromKeyObject(createPublicKey({ key: jwk, format: 'jwk' }), source);
}

function tokenSigner(
  lib: pkcs11js.PKCS11,
  session: Handle,
  key: Handle,
  publicKey: PublicKey,
  release: () => void,
): Signer {
  let open = true;
  return {
    algorithm: publicKey.algorithm,
    publicKey,
    async sign(data) {
      if (!open) throw new SignerError('the PKCS#11 signer is closed');
      // pkcs11js calls are synchronous, so SignInit and Sign of one call never interleave with another.
      return step('sign with the PKCS#11 key', () => {
        if (publicKey.algorithm === 'ed25519') {
          lib.C_SignInit(session, { mechanism: CKM_EDDSA }, key);
          return Buffer.from(lib.C_Sign(session, Buffer.from(data), Buffer.alloc(64)));
        }
        lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
        const digest = createHash('sha256').update(data).digest();
        return ecdsaRawToDer(lib.C_Sign(session, digest, Buffer.alloc(64)));
      });
    },
    async close() {
      if (!open) return;
      open = false;
      // Closing the token's last session logs the user out; an explicit C_Logout would also log
      // out other signers sharing the token.
      try {
        lib.C_CloseSession(session);
      } finally {
        release();
      }
    },
  };
}
