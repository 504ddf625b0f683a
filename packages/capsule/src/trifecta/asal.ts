// ASAL statistical sanity check: each metric of a run is compared with the same metric in the
// capsule's earlier runs by its z-score. Deterministic and cheap, so that every run gets one.

export type Metrics = Record<string, number>;

export interface AsalOptions {
  /** Earlier values a metric needs before it is judged (default 5). */
  minHistory?: number;
  /** |z| above which a value is an outlier (default 3). */
  threshold?: number;
}

export interface MetricCheck {
  metric: string;
  value: number;
  /** Earlier values the metric was compared with. */
  n: number;
  mean: number;
  stddev: number;
  /** null when the history has no spread: then any other value is an outlier. */
  z: number | null;
  outlier: boolean;
}

export interface AsalReport {
  minHistory: number;
  threshold: number;
  checked: MetricCheck[];
  outliers: MetricCheck[];
  /** Metrics with too little history to judge. */
  skipped: { metric: string; n: number }[];
}

export const ASAL_MIN_HISTORY = 5;
export const ASAL_THRESHOLD = 3;

/** Mean and sample standard deviation. */
export function meanStddev(values: readonly number[]): { mean: number; stddev: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, stddev: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, stddev: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, stddev: Math.sqrt(variance) };
}

/** The z-score of `value` against `history`; null when the history has no spread. */
export function zScore(value: number, history: readonly number[]): number | null {
  const { mean, stddev } = meanStddev(history);
  if (stddev === 0) return value === mean ? 0 : null;
  return (value - mean) / stddev;
}

/** Checks every metric of `current` against the values the same metric took in `history`. */
export function asalCheck(current: Metrics, history: readonly Metrics[], opts: AsalOptions = {}): AsalReport {
  const minHistory = opts.minHistory ?? ASAL_MIN_HISTORY;
  const threshold = opts.threshold ?? ASAL_THRESHOLD;
  const checked: MetricCheck[] = [];
  const skipped: { metric: string; n: number }[] = [];
  for (const metric of Object.keys(current).sort()) {
    const value = current[metric]!;
    const past = history.map((m) => m[metric]).filter((v): v is number => Number.isFinite(v));
    if (past.length < minHistory) {
      skipped.push({ metric, n: past.length });
      continue;
    }
    const { mean, stddev } = meanStddev(past);
    const z = zScore(value, past);
    const outlier = z === null || Math.abs(z) > threshold;
    checked.push({
      metric,
      value,
      n: past.length,
      mean: round(mean),
      stddev: round(stddev),
      z: roundOrNull(z),
      outlier,
    });
  }
  return { minHistory, threshold, checked, outliers: checked.filter((c) => c.outlier), skipped };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const roundOrNull = (n: number | null) => (n === null ? null : round(n));
