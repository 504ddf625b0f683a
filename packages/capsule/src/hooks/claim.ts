// What a proof hook prints on stdout: one JSON object, the claim the registry turns into a signed
// proof. `type` must be one of the manifest's proof_policy.types; `cost` is what producing the
// proof cost, in the currency of the manifest's billing (USD when it names none).
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DeployError } from '../loader/errors.ts';

export const HookClaimSchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    inputs: Type.Record(Type.String(), Type.Unknown()),
    result: Type.Record(Type.String(), Type.Unknown()),
    cost: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type HookClaim = Static<typeof HookClaimSchema>;

/** Parses a hook's stdout into a claim; CLAIM_INVALID names the hook and what is wrong. */
export function parseHookClaim(hook: string, stdout: string, proofTypes: readonly string[]): HookClaim {
  const fail = (why: string): never => {
    throw new DeployError('CLAIM_INVALID', `proof hook ${hook}: ${why}`);
  };
  const text = stdout.trim();
  if (!text) fail('printed no claim on stdout (expected one JSON object {type, inputs, result, cost})');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`stdout is not one JSON object: ${(err as Error).message}`);
  }
  if (!Value.Check(HookClaimSchema, value)) {
    const first = Value.Errors(HookClaimSchema, value).First();
    fail(`claim field ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
  const claim = value as HookClaim;
  if (!proofTypes.includes(claim.type)) {
    fail(
      `claim type "${claim.type}" is not in the manifest's proof_policy.types (${proofTypes.join(', ') || 'none'})`,
    );
  }
  return claim;
}

/** The numbers of a claim's result, flattened one level, for the ASAL check. */
export function numericResults(result: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'boolean') out[key] = value ? 1 : 0;
  }
  return out;
}
