import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import {
  BUNDLE_MEDIA_TYPE,
  dsseBundle,
  generateKeyPair,
  keySigner,
  messageSignatureBundle,
  pae,
  readPublicKey,
  sha256Hex,
  signStatement,
  verifyBundle,
  verifyEnvelope,
  VerificationError,
  type Envelope,
  type KeyAlgorithm,
  type Statement,
} from '../../src/index.ts';

function newSigner(algorithm: KeyAlgorithm = 'ecdsa-p256') {
  return keySigner(createPrivateKey(generateKeyPair(algorithm).privateKeyPem));
}

const statement: Statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'demo-1.0.0.tar.gz', digest: { sha256: sha256Hex('capsule') } }],
  predicateType: 'https://industriverse.ai/capsule/proof/v1',
  predicate: { type: 'sim_alignment', result: { passed: true } },
};

test('PAE matches the DSSE specification example', () => {
  assert.equal(
    pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  );
  assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
});

for (const algorithm of ['ecdsa-p256', 'ed25519'] as KeyAlgorithm[]) {
  test(`statements sign and verify (${algorithm})`, async () => {
    const signer = newSigner(algorithm);
    const envelope = await signStatement(statement, signer);
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    assert.equal(envelope.signatures[0]?.keyid, signer.publicKey.keyId);
    const other = newSigner();
    const result = verifyEnvelope(envelope, [other.publicKey, signer.publicKey]);
    assert.deepEqual(result, { statement, keyId: signer.publicKey.keyId });
  });
}

test('tampering, unknown keys and bad statements are refused', async () => {
  const signer = newSigner();
  const envelope = await signStatement(statement, signer);
  const keys = [signer.publicKey];
  const tampered: Envelope = {
    ...envelope,
    payload: Buffer.from(JSON.stringify({ ...statement, predicate: {} })).toString('base64'),
  };
  assert.throws(() => verifyEnvelope(tampered, keys), /no signature verifies/);
  assert.throws(() => verifyEnvelope({ ...envelope, payloadType: 'text/plain' }, keys), /payloadType/);
  assert.throws(() => verifyEnvelope(envelope, [newSigner().publicKey]), VerificationError);
  assert.throws(() => verifyEnvelope({ ...envelope, signatures: [] }, keys), /no signatures/);
  // A keyid naming another key is not tried against this one; an empty keyid is tried against all.
  const sig = envelope.signatures[0]?.sig ?? '';
  assert.throws(
    () => verifyEnvelope({ ...envelope, signatures: [{ keyid: 'ab', sig }] }, keys),
    /no signature/,
  );
  assert.ok(verifyEnvelope({ ...envelope, signatures: [{ keyid: '', sig }] }, keys));
  await assert.rejects(
    signStatement({ ...statement, subject: [] }, signer),
    /subject must be a non-empty array/,
  );
  await assert.rejects(
    signStatement({ ...statement, _type: 'https://in-toto.io/Statement/v0.1' as never }, signer),
    /_type/,
  );
});

test('Sigstore v0.3 bundles: shape and our own verification', async () => {
  const signer = newSigner();
  const artifact = Buffer.from('checksums\n');
  const bundle = messageSignatureBundle(artifact, await signer.sign(artifact), signer.publicKey);
  assert.equal(bundle.mediaType, BUNDLE_MEDIA_TYPE);
  assert.deepEqual(bundle.verificationMaterial, {
    publicKey: { hint: Buffer.from(signer.publicKey.keyId, 'hex').toString('base64') },
    tlogEntries: [],
  });
  assert.equal(
    bundle.messageSignature?.messageDigest.digest,
    Buffer.from(sha256Hex(artifact), 'hex').toString('base64'),
  );
  const roundTrip = JSON.parse(JSON.stringify(bundle)) as unknown;
  assert.deepEqual(verifyBundle(roundTrip, [signer.publicKey], artifact), {
    kind: 'messageSignature',
    keyId: signer.publicKey.keyId,
  });
  assert.throws(
    () => verifyBundle(roundTrip, [signer.publicKey], Buffer.from('other')),
    /messageDigest does not match/,
  );
  assert.throws(() => verifyBundle(roundTrip, [signer.publicKey]), /needs the signed artifact/);
  assert.throws(() => verifyBundle({ ...bundle, mediaType: 'x' }, [signer.publicKey], artifact), /mediaType/);
  assert.throws(() => verifyBundle(roundTrip, [newSigner().publicKey], artifact), /does not verify/);

  const envelope = await signStatement(statement, signer);
  const att = dsseBundle(envelope, signer.publicKey);
  assert.equal(att.dsseEnvelope?.signatures[0]?.keyid, '');
  const result = verifyBundle(JSON.parse(JSON.stringify(att)), [readPublicKey(signer.publicKey.pem)]);
  assert.equal(result.kind, 'dsseEnvelope');
  assert.deepEqual(result.kind === 'dsseEnvelope' && result.statement, statement);
});
