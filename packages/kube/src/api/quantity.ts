// Kubernetes resource quantities ("500m", "1.5Gi", "129e6") as plain numbers of base units: enough to
// compare a requirement with a node's allocatable, or a usage with its limit.

// Decimal suffixes as powers of ten, so that 100n is computed as 100 / 1e9 without rounding noise.
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// <signedNumber><suffix>, where the suffix is binary (Ki…Ei), decimal SI (n…E) or an exponent (e3, E-2).
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export class QuantityError extends Error {
  constructor(value: string) {
    super(`${JSON.stringify(value)} is not a Kubernetes quantity (e.g. 2, 500m, 1.5Gi, 129e6)`);
    this.name = 'QuantityError';
  }
}

/** The value of a quantity in base units (cores for cpu, bytes for memory, a count for devices). */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value.trim());
  if (!match) throw new QuantityError(value);
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  const binary = BINARY[suffix];
  if (binary !== undefined) return number * binary;
  const exponent = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL[suffix]!;
  return exponent < 0 ? number / 10 ** -exponent : number * 10 ** exponent;
}

/** The value of a quantity, or undefined when it is not one; numbers pass through (JSON may carry them). */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  try {
    return parseQuantity(q);
  } catch (err) {
    if (err instanceof QuantityError) return undefined;
    throw err;
  }
}

/** A quantity written back in the largest unit that keeps it short, for messages. */
export function formatQuantity(value: number, resource: 'cpu' | 'memory' | 'count'): string {
  if (resource === 'memory') {
    for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
      const scaled = value / BINARY[unit]!;
      if (scaled >= 1) return `${round(scaled)}${unit}`;
    }
    return String(round(value));
  }
  if (resource === 'cpu' && value < 1 && value > 0) return `${round(value * 1000)}m`;
  return String(round(value));
}

const round = (n: number) => Math.round(n * 100) / 100;
