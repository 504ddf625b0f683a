// `kubedos explain PATH`: a ClusterSpec field's documentation straight from the schema, like
// `kubectl explain`. PATH is dotted (spec.networking.planes, optionally prefixed with cluster.) or a
// JSON Pointer as `kubedos validate` prints it (/spec/nodes/inventory/0/name); lists and maps are
// stepped through, and a map key (wg1) may be named.
import type { TSchema } from '@sinclair/typebox';
import { ClusterSpecSchema } from './api/clusterspec.ts';
import { segments } from './validate/pointer.ts';
import { DESTRUCTIVE_FLAGS } from './validate/rules/destructive-flag-explicit.ts';
import { formatHint, kindOf, literalValues, recordValue, typeName } from './validate/schema-info.ts';

export interface ExplainChild {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** Optional in the schema on purpose, yet a rule insists they are written out. */
const REQUIRED_BY_RULE = new Map<string, string>([
  ...DESTRUCTIVE_FLAGS.map((keys): [string, string] => [keys.join('.'), 'destructive-flag-explicit']),
  ['spec.networking.policy.defaultInterPlane', 'inter-plane-default'],
]);

export interface Explanation {
  /** Dotted path from the document root; '' for the document itself. */
  path: string;
  field: string;
  type: string;
  required: boolean;
  /** The rule that makes a schema-optional field required. */
  requiredBy?: string;
  description: string;
  default?: unknown;
  allowedValues?: (string | number | boolean)[];
  /** What a string must look like, or what map keys must look like. */
  format?: string;
  keyFormat?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  children: ExplainChild[];
}

/** PATH names no field; `validChildren` are the fields under the deepest prefix that exists. */
export class ExplainError extends Error {
  readonly path: string;
  readonly knownPrefix: string;
  readonly validChildren: string[];

  constructor(path: string, knownPrefix: string, unknown: string, validChildren: string[]) {
    const under = knownPrefix === '' ? 'the ClusterSpec' : knownPrefix;
    super(
      `no field "${unknown}" in ${under}; valid fields: ${validChildren.join(', ') || '(none: it is a value)'}`,
    );
    this.name = 'ExplainError';
    this.path = path;
    this.knownPrefix = knownPrefix;
    this.validChildren = validChildren;
  }
}

/** The object schema whose properties are the children, stepping through lists and maps. */
function container(schema: TSchema): TSchema {
  let s = schema;
  for (;;) {
    if (kindOf(s) === 'Array') s = s.items as TSchema;
    else if (kindOf(s) === 'Record') s = recordValue(s)?.value ?? s;
    else return s;
  }
}

function properties(schema: TSchema): [string, TSchema][] {
  const s = container(schema);
  return kindOf(s) === 'Object' ? Object.entries(s.properties as Record<string, TSchema>) : [];
}

function isRequired(parent: TSchema, key: string): boolean {
  return Array.isArray(parent.required) && (parent.required as string[]).includes(key);
}

function pathSegments(path: string): string[] {
  const trimmed = path.trim();
  const parts = trimmed.startsWith('/') ? segments(trimmed) : trimmed.split('.').filter((p) => p !== '');
  if (parts.length > 0 && /^(cluster|clusterspec)$/i.test(parts[0] as string)) parts.shift();
  return parts;
}

export function explainJson(path: string): Explanation {
  let schema: TSchema = ClusterSpecSchema;
  let required = true;
  const walked: string[] = [];
  for (const part of pathSegments(path)) {
    if (/^[0-9]+$/.test(part) && kindOf(schema) === 'Array') continue;
    const record = recordValue(schema);
    if (record && new RegExp(record.keyPattern).test(part)) {
      schema = record.value;
      required = false;
      walked.push(part);
      continue;
    }
    const parent = container(schema);
    const child = properties(schema).find(([name]) => name === part);
    if (!child)
      throw new ExplainError(
        path,
        walked.join('.'),
        part,
        properties(schema).map(([name]) => name),
      );
    schema = child[1];
    required = isRequired(parent, part);
    walked.push(part);
  }
  const parent = container(schema);
  const out: Explanation = {
    path: walked.join('.'),
    field: walked.at(-1) ?? 'Cluster',
    type: typeName(schema),
    required,
    description: typeof schema.description === 'string' ? schema.description : '',
    children: properties(schema).map(([name, s]) => ({
      name,
      type: typeName(s),
      required: isRequired(parent, name) || REQUIRED_BY_RULE.has([...walked, name].join('.')),
      description: typeof s.description === 'string' ? s.description : '',
    })),
  };
  const requiredBy = REQUIRED_BY_RULE.get(out.path);
  if (requiredBy) {
    out.required = true;
    out.requiredBy = requiredBy;
  }
  if (schema.default !== undefined) out.default = schema.default;
  const allowed = literalValues(container(schema));
  if (allowed) out.allowedValues = allowed;
  const leaf = container(schema);
  if (typeof leaf.pattern === 'string') out.format = formatHint(leaf.pattern);
  const record = recordValue(schema);
  if (record) out.keyFormat = formatHint(record.keyPattern);
  for (const key of ['minimum', 'maximum'] as const) if (typeof leaf[key] === 'number') out[key] = leaf[key];
  if (typeof schema.minItems === 'number') out.minItems = schema.minItems;
  return out;
}

export function explain(path: string): string {
  const e = explainJson(path);
  const lines = [`FIELD:    ${e.field} <${e.type}>`];
  if (e.path !== '') lines.push(`PATH:     ${e.path}`);
  lines.push(`REQUIRED: ${e.required ? 'yes' : 'no'}${e.requiredBy ? ` (rule ${e.requiredBy})` : ''}`);
  if (e.default !== undefined) lines.push(`DEFAULT:  ${JSON.stringify(e.default)}`);
  if (e.allowedValues) lines.push(`ALLOWED VALUES: ${e.allowedValues.join(', ')}`);
  if (e.format) lines.push(`FORMAT:   ${e.format}`);
  if (e.keyFormat) lines.push(`KEYS:     ${e.keyFormat}`);
  if (e.minimum !== undefined || e.maximum !== undefined)
    lines.push(`RANGE:    ${e.minimum ?? '-inf'} to ${e.maximum ?? 'inf'}`);
  if (e.minItems !== undefined) lines.push(`MIN ITEMS: ${e.minItems}`);
  lines.push('', 'DESCRIPTION:', `    ${e.description || '(none)'}`);
  if (e.children.length > 0) {
    lines.push('', 'FIELDS:');
    const width = Math.max(...e.children.map((c) => c.name.length + c.type.length + 3));
    for (const c of e.children) {
      const head = `${c.name} <${c.type}>`.padEnd(width);
      lines.push(`  ${head} ${c.required ? '-required-' : '          '} ${c.description}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
