// Reading Prometheus matrix series (snapshot metrics.json, range-query results) as numbers.
import type { MetricSeries } from '../model/types.ts';

/** One sample: unix seconds, value. */
export type Sample = [t: number, v: number];

export type Labels = Record<string, string>;

export const metricName = (labels: Labels): string => labels.__name__ ?? '';

/** Prometheus' series notation with sorted labels, e.g. `up{instance="a",job="b"}`: one key per series. */
export function seriesKey(labels: Labels): string {
  const pairs = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${metricName(labels)}{${pairs.join(',')}}`;
}

/** The series' finite samples in time order (Prometheus writes values as strings, `NaN` and `+Inf` included). */
export function samplesOf(series: MetricSeries): Sample[] {
  const out: Sample[] = [];
  for (const [t, raw] of series.values) {
    const v = Number(raw);
    if (Number.isFinite(t) && Number.isFinite(v)) out.push([t, v]);
  }
  // Prometheus returns samples in order; sort only what is not.
  for (let i = 1; i < out.length; i++)
    if (out[i]![0] < out[i - 1]![0]) return out.sort((a, b) => a[0] - b[0]);
  return out;
}

/** Prometheus naming convention: counters end in `_total`. */
export const isCounter = (name: string): boolean => name.endsWith('_total');

/** Per-second rate between consecutive counter samples; a drop is a counter reset (the process restarted). */
export function rateOf(samples: readonly Sample[]): Sample[] {
  const out: Sample[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [t0, v0] = samples[i - 1]!;
    const [t1, v1] = samples[i]!;
    if (t1 > t0) out.push([t1, (v1 >= v0 ? v1 - v0 : v1) / (t1 - t0)]);
  }
  return out;
}

/** Increase of a counter over its samples, resets handled like Prometheus' `increase` (without extrapolation). */
export function increaseOf(samples: readonly Sample[]): number {
  let sum = 0;
  for (let i = 1; i < samples.length; i++) {
    const v0 = samples[i - 1]![1];
    const v1 = samples[i]![1];
    sum += v1 >= v0 ? v1 - v0 : v1;
  }
  return sum;
}

/** Samples as a gauge: counters become their per-second rate, so trends and baselines compare like with like. */
export function gaugeSamples(series: MetricSeries): Sample[] {
  const samples = samplesOf(series);
  return isCounter(metricName(series.metric)) ? rateOf(samples) : samples;
}
