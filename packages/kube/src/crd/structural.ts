// Converts a TypeBox (JSON) schema to a Kubernetes structural OpenAPI v3 schema, the only kind an
// apiextensions.k8s.io/v1 CRD accepts: every node typed, no $ref, no `additionalProperties` beside `properties`,
// unions only where Kubernetes has a structural spelling for them (enums, nullable, int-or-string).
import { Kind } from '@sinclair/typebox';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export type StructuralType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that a structural schema may use. */
export interface StructuralSchema {
  additionalProperties?: StructuralSchema;
  anyOf?: StructuralSchema[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  example?: unknown;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  format?: string;
  items?: StructuralSchema;
  maxItems?: number;
  maxLength?: number;
  maxProperties?: number;
  maximum?: number;
  minItems?: number;
  minLength?: number;
  minProperties?: number;
  minimum?: number;
  multipleOf?: number;
  nullable?: boolean;
  pattern?: string;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  title?: string;
  type?: StructuralType;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
}

export class StructuralSchemaError extends Error {
  /** JSON path of the offending value in the resource, e.g. `$.spec.ports[*].name`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'StructuralSchemaError';
    this.path = path;
  }
}

type Json = Record<string | symbol, unknown>;

interface Context {
  /** Named schemas a `$ref` may be inlined from (a TypeBox Module's `$defs`). */
  readonly defs: ReadonlyMap<string, Json>;
  /** `$id`s of enclosing schemas: a `$ref` to one of them is a recursive type. */
  readonly ancestors: readonly string[];
}

const TYPES: ReadonlySet<unknown> = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

// Copied verbatim: these mean the same in JSON Schema and in Kubernetes' OpenAPI v3 dialect.
const PASSTHROUGH: ReadonlySet<string> = new Set([
  'default',
  'description',
  'enum',
  'example',
  'format',
  'maxItems',
  'maxLength',
  'maxProperties',
  'maximum',
  'minItems',
  'minLength',
  'minProperties',
  'minimum',
  'multipleOf',
  'nullable',
  'pattern',
  'title',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
]);

// Annotations without validation meaning that the apiserver does not know: dropped.
const STRIPPED: ReadonlySet<string> = new Set([
  '$id',
  '$schema',
  '$comment',
  '$defs',
  'examples',
  'readOnly',
  'writeOnly',
]);

// TypeBox kinds with no JSON representation, reported with a hint rather than as a bad `type`.
const KIND_HINTS: Readonly<Record<string, string>> = {
  Any: "has no type; use Type.Unsafe({ 'x-kubernetes-preserve-unknown-fields': true }) for free-form values",
  Unknown:
    "has no type; use Type.Unsafe({ 'x-kubernetes-preserve-unknown-fields': true }) for free-form values",
  Date: "Type.Date is not JSON; use Type.String({ format: 'date-time' })",
  Null: 'a bare null is not structural; use Type.Union([X, Type.Null()]) for a nullable X',
  Tuple: 'tuples are not structural; use Type.Array with a single item schema',
  Never: 'Type.Never cannot be expressed in a structural schema',
  Not: 'Type.Not cannot be expressed in a structural schema',
};

const INT_OR_STRING: StructuralSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  'x-kubernetes-int-or-string': true,
};

/**
 * Converts `schema` (a TypeBox schema or plain JSON schema) to a structural schema. `path` names the root in
 * error messages. Throws StructuralSchemaError naming the JSON path of the first offending node.
 */
export function toStructural(schema: unknown, path = '$'): StructuralSchema {
  return convert(schema, path, { defs: new Map(), ancestors: [] });
}

function convert(input: unknown, path: string, outer: Context): StructuralSchema {
  const node = asJson(input, path);
  const ctx = enter(node, outer);
  const hint = KIND_HINTS[String(node[Kind])];
  if (hint !== undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new StructuralSchemaError(path, hint);
  }
  if (typeof node['$ref'] === 'string') return convert(inline(node, path, ctx), path, ctx);
  if (node['x-kubernetes-int-or-string'] === true) return intOrString(node, path, ctx);
  if (node['anyOf'] !== undefined) return convert(fromUnion(node, path, ctx), path, ctx);
  if (node['allOf'] !== undefined) return convert(fromIntersect(node, path, ctx), path, ctx);
  return sortKeys(fromKeywords(node, path, ctx));
}

function asJson(input: unknown, path: string): Json {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StructuralSchemaError(path, `expected a schema object, got ${JSON.stringify(input)}`);
  }
  return input as Json;
}

function enter(node: Json, ctx: Context): Context {
  const $defs = node['$defs'];
  const $id = node['$id'];
  if ($defs === undefined && typeof $id !== 'string') return ctx;
  const defs = new Map(ctx.defs);
  if (typeof $defs === 'object' && $defs !== null) {
    for (const [name, def] of Object.entries($defs)) defs.set(name, def as Json);
  }
  return { defs, ancestors: typeof $id === 'string' ? [...ctx.ancestors, $id] : ctx.ancestors };
}

/** Replaces a `$ref` by the schema it names; sibling keywords (description, default, ...) win. */
function inline(node: Json, path: string, ctx: Context): Json {
  const ref = node['$ref'] as string;
  const name = ref.replace(/^#\/\$defs\//, '');
  if (ctx.ancestors.includes(name)) {
    throw new StructuralSchemaError(
      path,
      `recursive $ref '${ref}' cannot be expressed in a structural schema`,
    );
  }
  const target = ctx.defs.get(name);
  if (target === undefined) {
    throw new StructuralSchemaError(
      path,
      `$ref '${ref}' is not allowed in a structural schema and cannot be inlined; ` +
        'embed the schema itself instead of Type.Ref',
    );
  }
  const merged: Json = { ...target, $id: name };
  for (const key of Object.keys(node))
    if (key !== '$ref' && key !== '$defs' && key !== '$id') merged[key] = node[key];
  return merged;
}

function intOrString(node: Json, path: string, ctx: Context): StructuralSchema {
  if (node['type'] !== undefined) {
    throw new StructuralSchemaError(path, 'x-kubernetes-int-or-string must not be combined with a type');
  }
  // The anyOf of the input is replaced by the canonical one, so a TypeBox Union and a hand-written Unsafe agree.
  const { anyOf: _anyOf, ...rest } = node;
  return sortKeys({ ...fromKeywords(rest, path, ctx), ...INT_OR_STRING });
}

/** Keywords of `node` other than the combinator, to carry over onto the rewritten schema. */
function annotations(node: Json, combinator: string): Json {
  const out: Json = {};
  for (const key of Object.keys(node)) if (key !== combinator && key !== 'type') out[key] = node[key];
  return out;
}

function resolved(member: unknown, path: string, ctx: Context): Json {
  const node = asJson(member, path);
  return typeof node['$ref'] === 'string' ? inline(node, path, ctx) : node;
}

/** Flattens nested unions so `Union([Union([A, B]), C])` reads as `A | B | C`. */
function unionMembers(node: Json, path: string, ctx: Context): Json[] {
  const anyOf = node['anyOf'];
  if (!Array.isArray(anyOf) || anyOf.length === 0) {
    throw new StructuralSchemaError(path, 'anyOf must be a non-empty array');
  }
  return anyOf.flatMap((m: unknown) => {
    const member = resolved(m, path, ctx);
    return member['anyOf'] !== undefined && Object.keys(member).length === 1
      ? unionMembers(member, path, ctx)
      : [member];
  });
}

/**
 * Rewrites a union into the structural forms Kubernetes has for it: literals -> `enum`, `X | null` ->
 * `nullable`, `Integer | String` -> `x-kubernetes-int-or-string`.
 */
function fromUnion(node: Json, path: string, ctx: Context): Json {
  const members = unionMembers(node, path, ctx);
  const present = members.filter((m) => m['type'] !== 'null');
  const nullable = present.length < members.length ? { nullable: true } : {};
  const outer = annotations(node, 'anyOf');
  if (present.length === 0) throw new StructuralSchemaError(path, KIND_HINTS['Null'] as string);
  if (present.length === 1) return { ...(present[0] as Json), ...outer, ...nullable };
  if (present.every(isLiteral)) return { ...literalEnum(present, path), ...outer, ...nullable };
  if (isIntOrString(present)) return { ...outer, ...nullable, 'x-kubernetes-int-or-string': true };
  throw new StructuralSchemaError(
    path,
    'unions are not structural; only unions of literals (enum), X | null (nullable) and ' +
      'Integer | String (int-or-string) are supported; use one object with optional fields and ' +
      'x-kubernetes-validations instead',
  );
}

function isLiteral(node: Json): boolean {
  return node[Kind] === 'Literal' || 'const' in node;
}

function literalEnum(members: Json[], path: string): Json {
  const values = [...new Set(members.map((m) => m['const']))];
  const types = new Set(values.map(literalType));
  if (types.size > 1 && !(types.size === 2 && types.has('integer') && types.has('number'))) {
    throw new StructuralSchemaError(
      path,
      `a union of literals must not mix types (${[...types].join(', ')})`,
    );
  }
  return { type: types.has('number') ? 'number' : [...types][0], enum: values };
}

function literalType(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isIntOrString(members: Json[]): boolean {
  const types = members.map((m) => m['type']);
  const plain = members.every((m) => Object.keys(m).every((k) => k === 'type' || k === 'description'));
  return plain && members.length === 2 && types.includes('integer') && types.includes('string');
}

/** Merges an intersection of objects (`Type.Intersect`) into one object schema. */
function fromIntersect(node: Json, path: string, ctx: Context): Json {
  const allOf = node['allOf'];
  if (!Array.isArray(allOf) || allOf.length === 0) {
    throw new StructuralSchemaError(path, 'allOf must be a non-empty array');
  }
  const properties: Json = {};
  const required: string[] = [];
  const rules: unknown[] = [];
  for (const m of allOf) {
    const member = resolved(m, path, ctx);
    if (member['type'] !== 'object' || member['anyOf'] !== undefined || member['allOf'] !== undefined) {
      throw new StructuralSchemaError(
        path,
        'only intersections of object schemas are supported; prefer Type.Composite',
      );
    }
    for (const [name, prop] of Object.entries((member['properties'] ?? {}) as Json)) {
      if (name in properties) {
        throw new StructuralSchemaError(
          propertyPath(path, name),
          'property is defined by more than one intersected object',
        );
      }
      properties[name] = prop;
    }
    required.push(...((member['required'] ?? []) as string[]));
    rules.push(...((member['x-kubernetes-validations'] ?? []) as unknown[]));
    for (const key of Object.keys(member)) {
      const known = ['type', 'properties', 'required', 'description', 'x-kubernetes-validations', '$id'];
      if (!known.includes(key) && !(key === 'additionalProperties' && member[key] === false)) {
        throw new StructuralSchemaError(path, `keyword '${key}' on an intersected object is not supported`);
      }
    }
  }
  // The apiserver prunes unknown fields anyway, which is what unevaluatedProperties: false asks for.
  const { unevaluatedProperties: _unevaluated, ...outer } = annotations(node, 'allOf');
  const ownRules = (outer['x-kubernetes-validations'] ?? []) as unknown[];
  return {
    ...outer,
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(rules.length + ownRules.length > 0 ? { 'x-kubernetes-validations': [...rules, ...ownRules] } : {}),
  };
}

function fromKeywords(node: Json, path: string, ctx: Context): StructuralSchema {
  const out: Json = {};
  for (const key of Object.keys(node)) {
    const value = node[key];
    switch (key) {
      case 'type':
        out['type'] = checkType(value, path);
        break;
      case 'properties':
        if (Object.keys(asJson(value, path)).length > 0)
          out['properties'] = fromProperties(value as Json, path, ctx);
        break;
      case 'required':
        if (Array.isArray(value) && value.length > 0) out['required'] = [...new Set(value)];
        break;
      case 'items':
        if (Array.isArray(value)) throw new StructuralSchemaError(path, KIND_HINTS['Tuple'] as string);
        out['items'] = convert(value, `${path}[*]`, ctx);
        break;
      case 'additionalProperties':
        // `false` beside properties is rejected by the apiserver, and pruning gives the same effect.
        if (value === true) out['x-kubernetes-preserve-unknown-fields'] = true;
        else if (value !== false) out['additionalProperties'] = convert(value, `${path}.*`, ctx);
        break;
      case 'patternProperties':
        out['additionalProperties'] = fromPatternProperties(value, path, ctx);
        break;
      case 'const':
        out['enum'] = [value];
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        exclusiveBound(out, key, value);
        break;
      case 'uniqueItems':
        if (value === true) {
          throw new StructuralSchemaError(
            path,
            "uniqueItems is forbidden by Kubernetes; use { 'x-kubernetes-list-type': 'set' }",
          );
        }
        break;
      default:
        if (PASSTHROUGH.has(key)) out[key] = passthrough(key, value, path);
        else if (!STRIPPED.has(key)) {
          throw new StructuralSchemaError(path, `keyword '${key}' is not supported in a structural schema`);
        }
    }
  }
  if (out['nullable'] === true && Array.isArray(out['enum'])) nullableEnum(out);
  if (out['properties'] !== undefined && out['additionalProperties'] !== undefined) {
    throw new StructuralSchemaError(
      path,
      'properties and additionalProperties (a map) are mutually exclusive',
    );
  }
  if (out['type'] === 'array' && out['items'] === undefined) {
    throw new StructuralSchemaError(path, 'an array needs an items schema');
  }
  const untyped =
    out['x-kubernetes-preserve-unknown-fields'] === true || out['x-kubernetes-int-or-string'] === true;
  if (out['type'] === undefined && !untyped) {
    throw new StructuralSchemaError(
      path,
      "has no type; every node needs one (or { 'x-kubernetes-preserve-unknown-fields': true })",
    );
  }
  return out as StructuralSchema;
}

function checkType(type: unknown, path: string): StructuralType {
  if (TYPES.has(type)) return type as StructuralType;
  throw new StructuralSchemaError(
    path,
    `type ${JSON.stringify(type)} is not allowed; use one of ${[...TYPES].join(', ')}`,
  );
}

function fromProperties(properties: Json, path: string, ctx: Context): Record<string, StructuralSchema> {
  const out: Record<string, StructuralSchema> = {};
  for (const [name, prop] of Object.entries(properties))
    out[name] = convert(prop, propertyPath(path, name), ctx);
  return out;
}

function propertyPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}['${name}']`;
}

/** `Type.Record(Type.String(), X)` is `patternProperties: { '^(.*)$': X }`, i.e. a map. */
function fromPatternProperties(value: unknown, path: string, ctx: Context): StructuralSchema {
  const entries = Object.entries(asJson(value, path));
  const [pattern, schema] = entries[0] ?? [];
  if (entries.length !== 1 || pattern !== '^(.*)$') {
    throw new StructuralSchemaError(
      path,
      'map keys cannot be restricted in a structural schema; use Type.Record(Type.String(), X) ' +
        'and x-kubernetes-validations for key rules',
    );
  }
  return convert(schema, `${path}.*`, ctx);
}

/**
 * The apiserver rejects null for a nullable enum, even one that lists null, so the allowed values move to a
 * CEL rule, which is not evaluated for null values.
 */
function nullableEnum(out: Json): void {
  const values = (out['enum'] as unknown[]).filter((v) => v !== null);
  const literals = values.map((v) =>
    out['type'] === 'number' && Number.isInteger(v) ? `${v}.0` : JSON.stringify(v),
  );
  const rule: ValidationRule = {
    rule: `self in [${literals.join(', ')}]`,
    message: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  };
  delete out['enum'];
  out['x-kubernetes-validations'] = [...((out['x-kubernetes-validations'] ?? []) as ValidationRule[]), rule];
}

/** JSON Schema 2019 numeric exclusive bounds -> OpenAPI v3.0 boolean flags beside minimum/maximum. */
function exclusiveBound(out: Json, key: 'exclusiveMinimum' | 'exclusiveMaximum', value: unknown): void {
  if (typeof value === 'number') {
    out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
    out[key] = true;
  } else if (value === true) {
    out[key] = true;
  }
}

function passthrough(key: string, value: unknown, path: string): unknown {
  const allowed: Readonly<Record<string, readonly unknown[]>> = {
    'x-kubernetes-list-type': ['atomic', 'set', 'map'],
    'x-kubernetes-map-type': ['granular', 'atomic'],
  };
  const choices = allowed[key];
  if (choices !== undefined && !choices.includes(value)) {
    throw new StructuralSchemaError(path, `${key} must be one of ${choices.join(', ')}`);
  }
  const rules = key === 'x-kubernetes-validations';
  if (rules && !(Array.isArray(value) && value.every((r) => typeof r?.rule === 'string'))) {
    throw new StructuralSchemaError(
      path,
      'x-kubernetes-validations must be an array of { rule: string, ... }',
    );
  }
  return structuredClone(value);
}

// Alphabetical keywords, as controller-gen writes them: output does not depend on how the schema was built.
function sortKeys(schema: StructuralSchema): StructuralSchema {
  const entries = Object.entries(schema).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries) as StructuralSchema;
}
