// DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) carrying in-toto
// Statement v1 attestations. The signature covers the pre-authentication encoding (PAE), which
// binds the payload type to the payload.
import { VerificationError } from './errors.ts';
import type { PublicKey } from './keys.ts';
import { verifySignature, type Signer } from './signer.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

export interface Statement<P = unknown> {
  _type: 'https://in-toto.io/Statement/v1';
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: P;
}

export interface Envelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes as ASCII decimal. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** Signs any payload as a DSSE envelope; the signature's keyid is the signer's key id. */
export async function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signer: Signer,
): Promise<Envelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: signer.publicKey.keyId, sig: sig.toString('base64') }],
  };
}

export async function signStatement(statement: Statement, signer: Signer): Promise<Envelope> {
  checkStatement(statement);
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signer);
}

/**
 * Verifies that one signature of the envelope is valid under one of `keys`, and returns the
 * statement it carries. Signatures whose keyid names a key are checked against that key only;
 * an empty keyid (as cosign writes) is tried against every key.
 */
export function verifyEnvelope(
  envelope: Envelope,
  keys: PublicKey[],
): { statement: Statement; keyId: string } {
  if (!envelope || typeof envelope.payload !== 'string' || typeof envelope.payloadType !== 'string')
    throw new VerificationError('DSSE envelope: payload and payloadType must be strings');
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new VerificationError(
      `DSSE envelope: payloadType is "${envelope.payloadType}", expected "${IN_TOTO_PAYLOAD_TYPE}"`,
    );
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length === 0)
    throw new VerificationError('DSSE envelope: no signatures');
  const payload = Buffer.from(envelope.payload, 'base64');
  const message = pae(envelope.payloadType, payload);
  const keyId = signedBy(envelope, message, keys);
  if (!keyId)
    throw new VerificationError(
      `DSSE envelope: no signature verifies with the ${keys.length} trusted key${keys.length === 1 ? '' : 's'}`,
    );
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new VerificationError('DSSE envelope: the payload is not JSON');
  }
  checkStatement(statement);
  return { statement, keyId };
}

function signedBy(envelope: Envelope, message: Buffer, keys: PublicKey[]): string | undefined {
  for (const { keyid, sig } of envelope.signatures) {
    if (typeof sig !== 'string') continue;
    const candidates = keyid ? keys.filter((k) => k.keyId === keyid) : keys;
    const key = candidates.find((k) => verifySignature(k, message, Buffer.from(sig, 'base64')));
    if (key) return key.keyId;
  }
  return undefined;
}

function checkStatement(value: unknown): asserts value is Statement {
  const s = value as Partial<Statement> | null;
  if (!s || typeof s !== 'object') throw new VerificationError('in-toto statement: not an object');
  if (s._type !== STATEMENT_TYPE)
    throw new VerificationError(
      `in-toto statement: _type is ${JSON.stringify(s._type)}, expected "${STATEMENT_TYPE}"`,
    );
  if (!Array.isArray(s.subject) || s.subject.length === 0)
    throw new VerificationError('in-toto statement: subject must be a non-empty array');
  s.subject.forEach((subject, i) => {
    if (typeof subject?.name !== 'string' || !subject.digest || typeof subject.digest !== 'object')
      throw new VerificationError(`in-toto statement: subject[${i}] needs a name and a digest`);
    if (Object.values(subject.digest).some((d) => typeof d !== 'string' || !/^[0-9a-f]+$/.test(d)))
      throw new VerificationError(`in-toto statement: subject[${i}].digest values must be lowercase hex`);
  });
  if (typeof s.predicateType !== 'string' || s.predicateType === '')
    throw new VerificationError('in-toto statement: predicateType must be a non-empty string');
}
