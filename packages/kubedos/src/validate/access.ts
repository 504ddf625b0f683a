// Guarded reads of a spec that may be anything: rules also run on specs that failed the schema, so
// every access goes through these and a wrong type reads as absent instead of throwing.

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** The value at `keys` below `v`; own properties only, so `constructor` and friends read as absent. */
export function at(v: unknown, ...keys: (string | number)[]): unknown {
  let cur = v;
  for (const key of keys) {
    if (typeof key === 'number') {
      cur = Array.isArray(cur) ? cur[key] : undefined;
    } else {
      const o = obj(cur);
      cur = o && Object.hasOwn(o, key) ? o[key] : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function entries(v: unknown): [string, unknown][] {
  const o = obj(v);
  return o ? Object.entries(o) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return Number.isSafeInteger(v) ? (v as number) : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Absent or null: the key was not written out with a value. */
export function unset(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Names of the string-named items of a list, with their index, in order. */
export function named(v: unknown): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  list(v).forEach((item, index) => {
    const name = str(at(item, 'name'));
    if (name !== undefined) out.push({ name, index });
  });
  return out;
}

/** The set of names in a list of `{ name }` items. */
export function nameSet(v: unknown): Set<string> {
  return new Set(named(v).map((n) => n.name));
}
