import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  generateKeyPair,
  keySigner,
  readPublicKey,
  signStatement,
  type Envelope,
} from '@industriverse/trust';
import { createPrivateKey } from 'node:crypto';
import { PROOF_TYPES } from '@industriverse/kaas/api';
import { RegistryError } from '../../src/registry/errors.ts';
import type { Anchor, AnchorReceipt } from '../../src/proofs/anchor.ts';
import { envelopeBytes, verifyProof, type ProofRecord } from '../../src/proofs/service.ts';
import {
  checkProofStatement,
  parseProofClaim,
  PROOF_PREDICATE_TYPE,
  proofStatement,
  type ProofClaim,
} from '../../src/proofs/statement.ts';
import { proofId } from '../../src/proofs/store.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const claim: ProofClaim = {
  digest,
  type: 'sim_alignment',
  inputs: { episodes: 100 },
  result: { passed: true, score: 0.98 },
  generator: { name: 'generate_proof.py', version: '1' },
  cost: { seconds: 12.5 },
};
const code = (c: string) => (err: unknown) => err instanceof RegistryError && err.code === c;

function signer() {
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  return { signer: keySigner(createPrivateKey(privateKeyPem)), publicKey: readPublicKey(publicKeyPem) };
}

/** An anchor that accepts receipts it issued: enough to test how verification uses anchors. */
function memoryAnchor(): Anchor {
  const seen = new Map<string, string>();
  return {
    name: 'memory',
    anchor: async (id, bytes) => {
      seen.set(id, proofId(bytes));
      return { anchor: 'memory', proofId: id };
    },
    verify: async (receipt: AnchorReceipt, bytes) => {
      if (seen.get(receipt.proofId) !== proofId(bytes))
        throw new RegistryError('PROOF_INVALID', 'not anchored');
    },
  };
}

async function record(envelope: Envelope, anchor: Anchor): Promise<ProofRecord> {
  const id = proofId(envelopeBytes(envelope));
  return {
    id,
    subject: digest,
    type: claim.type,
    envelope,
    receipts: [await anchor.anchor(id, envelopeBytes(envelope))],
  };
}

test('claims are checked field by field', () => {
  assert.deepEqual(parseProofClaim(claim, PROOF_TYPES), claim);
  assert.throws(() => parseProofClaim({ ...claim, digest: 'sha256:xyz' }, PROOF_TYPES), /\/digest/);
  assert.throws(
    () => parseProofClaim({ ...claim, type: 'vibes' }, PROOF_TYPES),
    /"vibes" is not a proof type/,
  );
  assert.throws(() => parseProofClaim({ ...claim, extra: 1 }, PROOF_TYPES), code('BAD_REQUEST'));
  const { generator: _g, ...noGenerator } = claim;
  assert.throws(() => parseProofClaim(noGenerator, PROOF_TYPES), /generator/);
});

test('the statement is an in-toto v1 statement about the capsule digest', () => {
  const st = proofStatement(claim, 'x:1.0.0', new Date('2026-01-01T00:00:00Z'));
  assert.equal(st._type, 'https://in-toto.io/Statement/v1');
  assert.deepEqual(st.subject, [{ name: 'x:1.0.0', digest: { sha256: 'a'.repeat(64) } }]);
  assert.equal(st.predicateType, PROOF_PREDICATE_TYPE);
  assert.deepEqual(st.predicate, {
    type: 'sim_alignment',
    inputs: { episodes: 100 },
    result: { passed: true, score: 0.98 },
    generator: { name: 'generate_proof.py', version: '1' },
    cost: { seconds: 12.5 },
    timestamp: '2026-01-01T00:00:00.000Z',
  });
  assert.equal(checkProofStatement(st, digest).type, 'sim_alignment');
  assert.throws(() => checkProofStatement(st, `sha256:${'b'.repeat(64)}`), /subject is not the capsule/);
  assert.throws(() => checkProofStatement({ ...st, predicateType: 'x' }, digest), /predicate type/);
});

test('a proof verifies with the trusted key, the right subject and its receipts', async () => {
  const { signer: s, publicKey } = signer();
  const anchor = memoryAnchor();
  const rec = await record(await signStatement(proofStatement(claim, 'x:1.0.0', new Date()), s), anchor);
  const verified = await verifyProof(rec, { keys: [publicKey], digest, anchors: [anchor] });
  assert.equal(verified.keyId, publicKey.keyId);
  assert.equal(verified.predicate.type, 'sim_alignment');

  const other = signer();
  await assert.rejects(
    verifyProof(rec, { keys: [other.publicKey], digest, anchors: [anchor] }),
    /trusted proof key/,
  );
  await assert.rejects(
    verifyProof(rec, { keys: [publicKey], digest: `sha256:${'c'.repeat(64)}`, anchors: [anchor] }),
    /subject is not the capsule/,
  );
  await assert.rejects(
    verifyProof({ ...rec, receipts: [] }, { keys: [publicKey], digest, anchors: [anchor] }),
    /no memory receipt/,
  );
  await assert.rejects(
    verifyProof({ ...rec, id: digest }, { keys: [publicKey], digest, anchors: [anchor] }),
    /envelope's digest/,
  );
  const forged = { ...rec.envelope, payload: Buffer.from('{}').toString('base64') };
  await assert.rejects(
    verifyProof(
      { ...rec, envelope: forged, id: proofId(envelopeBytes(forged)) },
      { keys: [publicKey], digest, anchors: [anchor] },
    ),
    code('PROOF_INVALID'),
  );
});
