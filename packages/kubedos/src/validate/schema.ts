// The `schema` rule: the TypeBox ClusterSpec schema (types, required fields, enums, formats, unknown
// fields), one message per path, plus the few conditional requirements JSON Schema here cannot state.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { ClusterSpecSchema } from '../api/clusterspec.ts';
import { at, list, str } from './access.ts';
import { fieldLabel, pointer, segments } from './pointer.ts';
import { expected, formatHint, shown } from './schema-info.ts';
import type { Finding } from './types.ts';

let compiled: TypeCheck<typeof ClusterSpecSchema> | undefined;

/** Compiled once: the fast path is a single call on a valid spec. */
function checker(): TypeCheck<typeof ClusterSpecSchema> {
  compiled ??= TypeCompiler.Compile(ClusterSpecSchema);
  return compiled;
}

export function schemaFindings(spec: unknown): Finding[] {
  const check = checker();
  const typed = check.Check(spec) ? [] : collapse([...check.Errors(spec)]);
  return [...typed, ...conditionalFindings(spec)];
}

/** TypeBox reports a missing field twice and a bad value once per failed keyword: one finding per path. */
function collapse(errors: ValueError[]): Finding[] {
  const byPath = new Map<string, ValueError[]>();
  for (const e of errors) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
  const out: Finding[] = [];
  for (const [path, errs] of byPath) {
    const required = errs.find((e) => e.type === ValueErrorType.ObjectRequiredProperty);
    const messages = [...new Set((required ? [required] : errs).map(describe))];
    out.push({ rule: 'schema', path, message: messages.join('; ') });
  }
  return out;
}

function describe(e: ValueError): string {
  const field = fieldLabel(e.path);
  const parts = segments(e.path);
  const key = parts.at(-1) ?? '';
  const parent = parts.length > 1 ? fieldLabel(pointer(...parts.slice(0, -1))) : 'the spec';
  const s = e.schema as TSchema;
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      if (s.properties) {
        const allowed = Object.keys(s.properties as object).join(', ');
        return `unknown field "${key}" in ${parent} (allowed: ${allowed})`;
      }
      const keyPattern = Object.keys((s.patternProperties as object | undefined) ?? {})[0];
      return `unknown key "${key}" in ${parent}: keys must be ${keyPattern ? formatHint(keyPattern) : 'declared'}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `missing required field "${key}" in ${parent} (${expected(s)})`;
    case ValueErrorType.StringPattern:
      return `${field} must be ${formatHint(s.pattern as string)}, got ${shown(e.value)}`;
    case ValueErrorType.StringMaxLength:
      return `${field} must be at most ${s.maxLength as number} characters long`;
    case ValueErrorType.StringMinLength:
      return `${field} must be at least ${s.minLength as number} characters long`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `${field} must be at least ${s.minimum as number}, got ${shown(e.value)}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `${field} must be at most ${s.maximum as number}, got ${shown(e.value)}`;
    case ValueErrorType.ArrayMinItems:
      return `${field} must have at least ${s.minItems as number} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `${field} must have at most ${s.maxItems as number} item(s)`;
    case ValueErrorType.Union:
    case ValueErrorType.Literal:
    case ValueErrorType.String:
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `${field} must be ${expected(s)}, got ${shown(e.value)}`;
    default:
      return `${field}: ${e.message}`;
  }
}

/**
 * Requirements that depend on another field's value. They are part of the schema rule but not of the
 * published JSON Schema, which keeps to plain keywords every editor understands.
 */
export function conditionalFindings(spec: unknown): Finding[] {
  const out: Finding[] = [];
  const substrate = at(spec, 'spec', 'substrate');
  if (at(substrate, 'type') === 'proxmox' && at(substrate, 'proxmox') === undefined)
    out.push(missing(pointer('spec', 'substrate', 'proxmox'), 'substrate.type is proxmox'));
  const ha = at(spec, 'spec', 'kubernetes', 'ha');
  if (at(ha, 'etcd') === 'external' && at(ha, 'externalEtcd') === undefined)
    out.push(missing(pointer('spec', 'kubernetes', 'ha', 'externalEtcd'), 'ha.etcd is external'));
  list(at(spec, 'spec', 'nodes', 'inventory')).forEach((node, i) => {
    const name = str(at(node, 'name')) ?? `#${i}`;
    const disks = at(node, 'disks');
    if (Array.isArray(disks) && disks.length > 0) {
      const os = disks.filter((d) => at(d, 'purpose') === 'os').length;
      if (os !== 1)
        out.push({
          rule: 'schema',
          path: pointer('spec', 'nodes', 'inventory', i, 'disks'),
          message: `node ${name} must have exactly one disk with purpose os, has ${os}`,
        });
    }
    const nics = at(node, 'nics');
    if (Array.isArray(nics) && nics.length > 0 && !nics.some((n) => at(n, 'purpose') === 'uplink'))
      out.push({
        rule: 'schema',
        path: pointer('spec', 'nodes', 'inventory', i, 'nics'),
        message: `node ${name} needs a NIC with purpose uplink: the WireGuard planes ride on it`,
      });
  });
  return out;
}

function missing(path: string, because: string): Finding {
  const parts = segments(path);
  const parent = fieldLabel(pointer(...parts.slice(0, -1)));
  return {
    rule: 'schema',
    path,
    message: `missing required field "${parts.at(-1) ?? ''}" in ${parent} (required when ${because})`,
  };
}
