// A proof bundle is a DSSE envelope around an in-toto Statement v1: the subject is the capsule
// (its .tar.gz digest), the predicate records what was proved, from which inputs, with which
// result, by which generator and at what cost.
import { DIGEST_PATTERN } from '@industriverse/kaas/api';
import { STATEMENT_TYPE, type Statement } from '@industriverse/trust';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { digestHex } from '../registry/digest.ts';
import { RegistryError } from '../registry/errors.ts';

export const PROOF_PREDICATE_TYPE = 'https://industriverse.ai/capsule/proof/v1';

const Json = Type.Unknown();

export const ProofClaimSchema = Type.Object(
  {
    /** The capsule: "sha256:<hex>" of its .tar.gz. */
    digest: Type.String({ pattern: DIGEST_PATTERN }),
    /** Subject name; defaults to name:version of the indexed capsule. */
    name: Type.Optional(Type.String({ minLength: 1 })),
    /** One of the manifest's proof types (proof_policy.types). */
    type: Type.String({ minLength: 1 }),
    inputs: Type.Record(Type.String(), Json),
    result: Type.Record(Type.String(), Json),
    generator: Type.Object(
      { name: Type.String({ minLength: 1 }), version: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    /** What producing the proof cost, e.g. {"seconds": 12.5, "price": 5, "currency": "USD"}. */
    cost: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]))),
  },
  { additionalProperties: false },
);
export type ProofClaim = Static<typeof ProofClaimSchema>;

export interface ProofPredicate {
  type: string;
  inputs: Record<string, unknown>;
  result: Record<string, unknown>;
  generator: { name: string; version?: string };
  cost: Record<string, number | string>;
  /** RFC 3339, when the proof was generated. */
  timestamp: string;
}

/** Checks a claim's shape (from a request body or a caller); BAD_REQUEST names the first bad field. */
export function parseProofClaim(value: unknown, proofTypes: readonly string[]): ProofClaim {
  if (!Value.Check(ProofClaimSchema, value)) {
    const first = Value.Errors(ProofClaimSchema, value).First();
    throw new RegistryError(
      'BAD_REQUEST',
      `invalid proof claim at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`,
    );
  }
  if (!proofTypes.includes(value.type)) {
    throw new RegistryError(
      'BAD_REQUEST',
      `invalid proof claim at /type: "${value.type}" is not a proof type (one of ${proofTypes.join(', ')})`,
    );
  }
  return value;
}

export function proofStatement(claim: ProofClaim, subjectName: string, now: Date): Statement<ProofPredicate> {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName, digest: { sha256: digestHex(claim.digest) } }],
    predicateType: PROOF_PREDICATE_TYPE,
    predicate: {
      type: claim.type,
      inputs: claim.inputs,
      result: claim.result,
      generator: claim.generator,
      cost: claim.cost ?? {},
      timestamp: now.toISOString(),
    },
  };
}

/**
 * Checks that a verified statement is a capsule proof about `digest`; PROOF_INVALID otherwise.
 * Returns its predicate.
 */
export function checkProofStatement(statement: Statement, digest: string): ProofPredicate {
  if (statement._type !== STATEMENT_TYPE) {
    throw new RegistryError(
      'PROOF_INVALID',
      `statement type is ${String(statement._type)}, not ${STATEMENT_TYPE}`,
    );
  }
  if (statement.predicateType !== PROOF_PREDICATE_TYPE) {
    throw new RegistryError(
      'PROOF_INVALID',
      `predicate type is ${statement.predicateType}, not ${PROOF_PREDICATE_TYPE}`,
    );
  }
  const hex = digestHex(digest);
  if (!Array.isArray(statement.subject) || !statement.subject.some((s) => s?.digest?.sha256 === hex)) {
    throw new RegistryError('PROOF_INVALID', `the proof's subject is not the capsule ${digest}`);
  }
  const predicate = statement.predicate as Partial<ProofPredicate> | null;
  if (!predicate || typeof predicate.type !== 'string') {
    throw new RegistryError('PROOF_INVALID', 'the proof predicate has no type');
  }
  return predicate as ProofPredicate;
}
