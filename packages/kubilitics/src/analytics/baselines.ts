// Baselines (seed §5.1, issue §2): mean and standard deviation of every series for each hour of the week,
// so Monday 09:00 is compared with past Mondays 09:00 rather than with Sunday night. A point further
// than `threshold` standard deviations from its hour's mean is an anomaly.
//
// Memory is bounded: each series keeps one accumulator per hour of the week per kept week, in a ring
// (week number modulo `weeks`), so a new week overwrites the oldest. Accumulators use Welford's online
// algorithm and are merged across weeks with Chan's parallel formula: no samples are stored.
import type { MetricSeries } from '../model/types.ts';
import { gaugeSamples, seriesKey, type Labels } from './series.ts';

export const HOURS_PER_WEEK = 168;

/** Hour 0 is Monday 00:00 UTC (ISO weeks); the unix epoch fell on a Thursday, 72 hours later. */
const EPOCH_HOUR_OF_WEEK = 72;

const absoluteHour = (t: number): number => Math.floor(t / 3600) + EPOCH_HOUR_OF_WEEK;

/** 0..167, Monday 00:00-01:00 UTC being 0. `t` in unix seconds. */
export const hourOfWeek = (t: number): number => absoluteHour(t) % HOURS_PER_WEEK;

const weekOf = (t: number): number => Math.floor(absoluteHour(t) / HOURS_PER_WEEK);

export interface BaselineOptions {
  /** Weeks kept per series. Default 4. */
  weeks?: number;
  /** Series kept; the least recently observed is dropped beyond it. Default 2000 (~32 MiB at 4 weeks). */
  maxSeries?: number;
  /** An hour needs this many samples before it can judge a point. Default 20. */
  minSamples?: number;
  /** |z| above this is an anomaly. Default 3. */
  threshold?: number;
}

export interface Baseline {
  hourOfWeek: number;
  mean: number;
  /** Sample standard deviation. */
  stddev: number;
  n: number;
}

export interface ZScore extends Baseline {
  z: number;
}

export interface BaselineAnomaly extends ZScore {
  key: string;
  labels: Labels;
  /** Unix seconds. */
  t: number;
  value: number;
}

/** The persisted form; see README-analytics.md. */
export interface BaselineFile {
  kind: 'kubilitics-baselines';
  version: 1;
  weeks: number;
  /** Series key -> `[week, hourOfWeek, n, mean, m2]` for every accumulator holding samples. */
  series: Record<string, [number, number, number, number, number][]>;
}

/** One series: per ring slot the week it holds, and per (slot, hour) count, mean and sum of squared deviations. */
interface Accumulators {
  week: Float64Array;
  n: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

/** The series' key: accepts labels (Prometheus notation is derived) or a key already made. */
const keyOf = (series: Labels | string): string => (typeof series === 'string' ? series : seriesKey(series));

export class BaselineStore {
  readonly weeks: number;
  readonly maxSeries: number;
  readonly minSamples: number;
  readonly threshold: number;
  // Insertion order is recency order: observing a series moves it to the end.
  #series = new Map<string, Accumulators>();
  /** The key observed last, already at the end of #series. */
  #newest: string | undefined;

  constructor(opts: BaselineOptions = {}) {
    this.weeks = Math.max(1, Math.floor(opts.weeks ?? 4));
    this.maxSeries = Math.max(1, Math.floor(opts.maxSeries ?? 2000));
    this.minSamples = Math.max(2, opts.minSamples ?? 20);
    this.threshold = opts.threshold ?? 3;
  }

  /** Series held. */
  get size(): number {
    return this.#series.size;
  }

  #accumulators(key: string): Accumulators {
    let acc = this.#series.get(key);
    if (acc && key === this.#newest) return acc;
    this.#newest = key;
    if (acc) {
      this.#series.delete(key);
    } else {
      const cells = this.weeks * HOURS_PER_WEEK;
      acc = {
        week: new Float64Array(this.weeks).fill(-1),
        n: new Float64Array(cells),
        mean: new Float64Array(cells),
        m2: new Float64Array(cells),
      };
      if (this.#series.size >= this.maxSeries) this.#series.delete(this.#series.keys().next().value!);
    }
    this.#series.set(key, acc);
    return acc;
  }

  #add(acc: Accumulators, week: number, how: number, n: number, mean: number, m2: number): void {
    const slot = week % this.weeks;
    if (acc.week[slot]! > week) return; // older than every week kept
    if (acc.week[slot]! < week) {
      acc.week[slot] = week;
      const from = slot * HOURS_PER_WEEK;
      acc.n.fill(0, from, from + HOURS_PER_WEEK);
      acc.mean.fill(0, from, from + HOURS_PER_WEEK);
      acc.m2.fill(0, from, from + HOURS_PER_WEEK);
    }
    const cell = slot * HOURS_PER_WEEK + how;
    const [cn, cmean, cm2] = merge(acc.n[cell]!, acc.mean[cell]!, acc.m2[cell]!, n, mean, m2);
    acc.n[cell] = cn;
    acc.mean[cell] = cmean;
    acc.m2[cell] = cm2;
  }

  /** Adds one sample (unix seconds) to its series' hour of the week. Non-finite values are ignored. */
  observe(series: Labels | string, t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    this.#add(this.#accumulators(keyOf(series)), weekOf(t), hourOfWeek(t), 1, v, 0);
  }

  /** Adds every sample of the series up to `until` (inclusive; default all). Counters are learnt as rates. */
  observeAll(metrics: readonly MetricSeries[], until = Infinity): void {
    for (const s of metrics) {
      const key = seriesKey(s.metric);
      for (const [t, v] of gaugeSamples(s)) if (t <= until) this.observe(key, t, v);
    }
  }

  /** The series' mean and deviation at t's hour of the week, over the kept weeks up to t's. */
  baseline(series: Labels | string, t: number): Baseline | undefined {
    const acc = this.#series.get(keyOf(series));
    if (!acc) return undefined;
    const how = hourOfWeek(t);
    const week = weekOf(t);
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let slot = 0; slot < this.weeks; slot++) {
      const w = acc.week[slot]!;
      if (w > week || w <= week - this.weeks) continue;
      const cell = slot * HOURS_PER_WEEK + how;
      [n, mean, m2] = merge(n, mean, m2, acc.n[cell]!, acc.mean[cell]!, acc.m2[cell]!);
    }
    if (n === 0) return undefined;
    return { hourOfWeek: how, mean, stddev: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, n };
  }

  /**
   * How many standard deviations v is from its hour's mean; undefined with fewer than `minSamples`.
   * A perfectly steady hour still has a tiny deviation floor, so any change from it scores very high
   * instead of dividing by zero.
   */
  zScore(series: Labels | string, t: number, v: number): ZScore | undefined {
    const b = this.baseline(series, t);
    if (!b || b.n < this.minSamples) return undefined;
    const sd = Math.max(b.stddev, Math.abs(b.mean) * 1e-9, 1e-12);
    return { ...b, z: (v - b.mean) / sd };
  }

  /**
   * Points of the series in `(now - lookbackSeconds, now]` further than `threshold` deviations from
   * their baseline, most extreme first. The store is not changed: observe the points afterwards.
   */
  anomalies(metrics: readonly MetricSeries[], now: number, lookbackSeconds = 3600): BaselineAnomaly[] {
    const out: BaselineAnomaly[] = [];
    for (const s of metrics) {
      const key = seriesKey(s.metric);
      if (!this.#series.has(key)) continue;
      for (const [t, value] of gaugeSamples(s)) {
        if (t <= now - lookbackSeconds || t > now) continue;
        const z = this.zScore(key, t, value);
        if (z && Math.abs(z.z) > this.threshold) out.push({ key, labels: s.metric, t, value, ...z });
      }
    }
    return out.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.key.localeCompare(b.key) || a.t - b.t);
  }

  toJSON(): BaselineFile {
    const series: BaselineFile['series'] = {};
    for (const [key, acc] of this.#series) {
      const cells: [number, number, number, number, number][] = [];
      for (let slot = 0; slot < this.weeks; slot++) {
        for (let how = 0; how < HOURS_PER_WEEK; how++) {
          const cell = slot * HOURS_PER_WEEK + how;
          if (acc.n[cell]! > 0)
            cells.push([acc.week[slot]!, how, acc.n[cell]!, acc.mean[cell]!, acc.m2[cell]!]);
        }
      }
      series[key] = cells;
    }
    return { kind: 'kubilitics-baselines', version: 1, weeks: this.weeks, series };
  }

  /** A store from its persisted form. `opts.weeks` may differ from the file's: weeks that no longer fit are dropped. */
  static fromJSON(data: unknown, opts: BaselineOptions = {}): BaselineStore {
    const file = data as Partial<BaselineFile> | null;
    if (
      !file ||
      file.kind !== 'kubilitics-baselines' ||
      file.version !== 1 ||
      !Number.isInteger(file.weeks) ||
      file.weeks! < 1 ||
      typeof file.series !== 'object'
    )
      throw new Error('not a kubilitics baselines file (kind "kubilitics-baselines", version 1)');
    const store = new BaselineStore({ ...opts, weeks: opts.weeks ?? file.weeks });
    for (const [key, cells] of Object.entries(file.series ?? {})) {
      if (!Array.isArray(cells)) throw new Error(`baselines file: series ${key} is not a list`);
      const acc = store.#accumulators(key);
      // Oldest weeks first, so the newest win the ring slots.
      for (const cell of [...cells].sort((a, b) => a[0] - b[0])) {
        const [week, how, n, mean, m2] = cell;
        if (![week, how, n, mean, m2].every(Number.isFinite) || how < 0 || how >= HOURS_PER_WEEK || n <= 0)
          throw new Error(`baselines file: series ${key} has an invalid cell ${JSON.stringify(cell)}`);
        store.#add(acc, week, how, n, mean, m2);
      }
    }
    return store;
  }
}

/** Chan et al.'s combination of two (count, mean, M2) accumulators; with nb = 1, m2b = 0 it is Welford's step. */
function merge(
  na: number,
  ma: number,
  m2a: number,
  nb: number,
  mb: number,
  m2b: number,
): [number, number, number] {
  if (nb === 0) return [na, ma, m2a];
  if (na === 0) return [nb, mb, m2b];
  const n = na + nb;
  const delta = mb - ma;
  return [n, ma + (delta * nb) / n, m2a + m2b + (delta * delta * na * nb) / n];
}

export interface DetectOptions extends BaselineOptions {
  /** Points this recent are judged; older ones are the baseline. Default 3600. */
  lookbackSeconds?: number;
}

/**
 * For a snapshot: learns the baseline from every point older than the lookback, then returns the
 * recent points beyond the threshold.
 */
export function detectAnomalies(
  metrics: readonly MetricSeries[],
  now: number,
  opts: DetectOptions = {},
): BaselineAnomaly[] {
  const lookback = opts.lookbackSeconds ?? 3600;
  const store = new BaselineStore(opts);
  store.observeAll(metrics, now - lookback);
  return store.anomalies(metrics, now, lookback);
}
