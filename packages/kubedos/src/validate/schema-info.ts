// Reading TypeBox schemas for people: type names, allowed values and format hints, shared by the
// schema rule's messages and `kubedos explain`.
import { Kind, type TSchema } from '@sinclair/typebox';
import { CIDR, DNS_LABEL, IPV4, PLANE } from '../api/clusterspec.ts';

const FORMATS = new Map<string, string>([
  [DNS_LABEL, 'a DNS label (lowercase letters, digits and -, starting and ending alphanumeric, at most 63)'],
  [PLANE, 'a plane name such as wg1'],
  [IPV4, 'an IPv4 address such as 10.101.0.10'],
  [CIDR, 'an IPv4 CIDR such as 10.101.0.0/24'],
]);

export function kindOf(schema: TSchema): string {
  return String((schema as unknown as Record<symbol, unknown>)[Kind] ?? '');
}

/** The values of a literal or a union of literals (an enum); undefined for anything else. */
export function literalValues(schema: TSchema): (string | number | boolean)[] | undefined {
  if (kindOf(schema) === 'Literal') return [schema.const as string];
  if (kindOf(schema) !== 'Union') return undefined;
  const variants = schema.anyOf as TSchema[];
  if (!variants.every((v) => kindOf(v) === 'Literal')) return undefined;
  return variants.map((v) => v.const as string);
}

/** The value schema of a Record (its single pattern property). */
export function recordValue(schema: TSchema): { keyPattern: string; value: TSchema } | undefined {
  if (kindOf(schema) !== 'Record') return undefined;
  const [entry] = Object.entries(schema.patternProperties as Record<string, TSchema>);
  return entry && { keyPattern: entry[0], value: entry[1] };
}

/** kubectl-explain style type: string, integer, boolean, Object, []Object, map[string]Object. */
export function typeName(schema: TSchema): string {
  switch (kindOf(schema)) {
    case 'Object':
      return 'Object';
    case 'Array':
      return `[]${typeName(schema.items as TSchema)}`;
    case 'Record':
      return `map[string]${typeName(recordValue(schema)?.value ?? schema)}`;
    case 'Union':
    case 'Literal': {
      const values = literalValues(schema);
      return values ? typeof values[0] : 'union';
    }
    default:
      return kindOf(schema).toLowerCase() || 'any';
  }
}

/** What a value must be, as the tail of "X must be …". */
export function expected(schema: TSchema): string {
  const values = literalValues(schema);
  if (values) return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.join(', ')}`;
  switch (kindOf(schema)) {
    case 'Object':
    case 'Record':
      return 'a mapping';
    case 'Array':
      return 'a list';
    case 'Integer':
      return 'an integer';
    case 'Boolean':
      return 'true or false';
    case 'String':
      return typeof schema.pattern === 'string' ? formatHint(schema.pattern) : 'a string';
    default:
      return `a ${typeName(schema)}`;
  }
}

export function formatHint(pattern: string): string {
  return FORMATS.get(pattern) ?? `a string matching ${pattern}`;
}

/** A value as messages show it. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
