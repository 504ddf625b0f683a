// capsule.json: the manifest schema (strict: unknown fields are errors) and its requirement strings.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import semver from 'semver';
import { PROOF_TYPES } from '@industriverse/kaas/proof-types';
import { isCanonicalPath, MANIFEST_FILE } from './archive/paths.ts';
import { CapsuleError } from './errors.ts';
import { parseQuantity, QuantityError } from '@industriverse/kube/quantity';

// cpu and memory values are checked as Kubernetes quantities by validateManifest.
const REQUIREMENT = '^(gpu:(true|false)|utid:(hardware-bound|soft)|cpu:[^\\s]+|memory:[^\\s]+)$';

export const CapsuleManifestSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      description: 'DNS-1123 label',
    }),
    version: Type.String({ minLength: 1, description: 'semantic version (semver.org)' }),
    entrypoint: Type.String({ minLength: 1, description: 'relative path of a file in the package' }),
    requirements: Type.Optional(
      Type.Array(Type.String({ pattern: REQUIREMENT }), {
        uniqueItems: true,
        description: 'gpu:true|false, utid:hardware-bound|soft, cpu:N, memory:Q (Kubernetes quantity)',
      }),
    ),
    proof_policy: Type.Optional(
      Type.Object(
        {
          required: Type.Boolean(),
          types: Type.Array(Type.Union(PROOF_TYPES.map((t) => Type.Literal(t))), { uniqueItems: true }),
        },
        { additionalProperties: false },
      ),
    ),
    prewarm: Type.Optional(Type.Boolean()),
    billing: Type.Optional(
      Type.Object(
        {
          unit: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 63 }),
          price: Type.Number({ minimum: 0 }),
          currency: Type.Optional(
            Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, default USD' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type CapsuleManifest = Static<typeof CapsuleManifestSchema>;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const invalid = (pointer: string, message: string) =>
  new CapsuleError('MANIFEST_INVALID', `${MANIFEST_FILE} ${pointer || '/'}: ${message}`, MANIFEST_FILE);

/**
 * The manifest, or a MANIFEST_INVALID CapsuleError naming the JSON pointer of the first problem.
 * The returned copy has the defaults filled in (billing currency USD).
 */
export function validateManifest(value: unknown): CapsuleManifest {
  const first = Value.Errors(CapsuleManifestSchema, value).First();
  if (first) throw invalid(first.path, first.message);
  const m = value as CapsuleManifest;
  if (semver.valid(m.version) !== m.version)
    throw invalid('/version', `${JSON.stringify(m.version)} is not a semantic version (e.g. 1.2.3)`);
  if (!isCanonicalPath(m.entrypoint))
    throw invalid(
      '/entrypoint',
      `${JSON.stringify(m.entrypoint)} must be a relative path inside the package (no "/", "./" or ".." segments)`,
    );
  const keys = new Set<string>();
  (m.requirements ?? []).forEach((r, i) => {
    const key = r.slice(0, r.indexOf(':'));
    if (keys.has(key)) throw invalid(`/requirements/${i}`, `requirement "${key}" is given twice`);
    keys.add(key);
    if (key === 'cpu' || key === 'memory') {
      const value = r.slice(key.length + 1);
      let amount: number;
      try {
        amount = parseQuantity(value);
      } catch (err) {
        if (err instanceof QuantityError) throw invalid(`/requirements/${i}`, err.message);
        throw err;
      }
      if (!(amount > 0)) throw invalid(`/requirements/${i}`, `${key} must be more than zero`);
    }
  });
  if (m.proof_policy?.required && m.proof_policy.types.length === 0)
    throw invalid('/proof_policy/types', 'a required proof policy names at least one proof type');
  if (m.billing?.currency !== undefined && !CURRENCIES.has(m.billing.currency))
    throw invalid('/billing/currency', `${m.billing.currency} is not an ISO 4217 currency code`);
  const copy = structuredClone(m);
  if (copy.billing) copy.billing.currency ??= 'USD';
  return copy;
}

/** Parses capsule.json text: MANIFEST_INVALID when it is not JSON or not a valid manifest. */
export function parseManifest(text: string): CapsuleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid('', `not valid JSON: ${(err as Error).message}`);
  }
  return validateManifest(value);
}

export interface Requirements {
  gpu: boolean;
  utid?: 'hardware-bound' | 'soft';
  /** CPU in millicores (`cpu:2` is 2000, `cpu:500m` is 500). */
  cpuMillis?: number;
  /** Memory in bytes. */
  memoryBytes?: number;
}

/** The requirement strings of a (validated) manifest as values. */
export function parseRequirements(requirements: readonly string[] = []): Requirements {
  const out: Requirements = { gpu: false };
  for (const r of requirements) {
    const i = r.indexOf(':');
    const key = r.slice(0, i);
    const value = r.slice(i + 1);
    if (key === 'gpu' && (value === 'true' || value === 'false')) out.gpu = value === 'true';
    else if (key === 'utid' && (value === 'hardware-bound' || value === 'soft')) out.utid = value;
    else if (key === 'cpu') out.cpuMillis = Math.round(parseQuantity(value) * 1000);
    else if (key === 'memory') out.memoryBytes = Math.round(parseQuantity(value));
    else throw new Error(`unknown requirement ${JSON.stringify(r)}`);
  }
  return out;
}
