// Seeded random corruption of parsed specs, shared by the validation fuzz tests.

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32) so a failing case can be replayed. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that are wrong almost anywhere in a ClusterSpec. */
export const GARBAGE: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  70000,
  2 ** 53,
  '',
  'x',
  'constructor',
  '__proto__',
  'wg1',
  '999.1.1.1/40',
  '10.0.0.0/8',
  true,
  false,
  [],
  [null],
  [1, 'a', {}],
  {},
  { name: 'rack-a' },
  { cidr: 'nope' },
];

type Slot = [Record<string | number, unknown>, string | number];

function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, item] of Object.entries(v)) {
      out.push([v as Record<string, unknown>, Array.isArray(v) ? Number(k) : k]);
      walk(item);
    }
  };
  walk(root);
  return out;
}

/** Replaces (or, in a mapping, deletes) the value at a random place, in place. */
export function mutate(doc: unknown, next: () => number): void {
  const all = slots(doc);
  const [container, key] = all[Math.floor(next() * all.length)] as Slot;
  if (next() < 0.3 && !Array.isArray(container)) delete container[key];
  else container[key] = structuredClone(GARBAGE[Math.floor(next() * GARBAGE.length)]);
}
