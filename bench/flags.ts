// Command-line flags of the benchmarks and their programs: `--name value` pairs checked up front,
// so that a typo fails fast with exit code 2 instead of running a ten-minute benchmark wrongly.
import { parseArgs } from 'node:util';

/** A bad command line: the caller prints the message and usage, and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The string value of each allowed `--flag value`; anything else is a UsageError. */
export function parseFlags(args: string[], names: readonly string[]): Record<string, string | undefined> {
  try {
    const { values } = parseArgs({
      args: joinNegativeValues(args),
      options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
      allowPositionals: false,
      strict: true,
    });
    return values as Record<string, string | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--qps -1` as `--qps=-1`: parseArgs would take the value for a flag of its own. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** A numeric flag: `fallback` when absent; a UsageError when not a number, below `min` or not whole. */
export function numberFlag(
  values: Record<string, string | undefined>,
  name: string,
  fallback: number,
  opts: { min?: number; integer?: boolean } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: not a number: ${raw}`);
  if (opts.integer && !Number.isInteger(n)) throw new UsageError(`--${name}: not a whole number: ${raw}`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name}: must be at least ${opts.min}`);
  return n;
}
