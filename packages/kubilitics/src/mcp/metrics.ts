// Abstract metric names ("cpu_usage", "memory_usage") instead of PromQL: each maps to a PromQL query
// for a configured Prometheus, and to the raw series names a snapshot's metrics.json may hold. The
// answer is the same either way: series with their statistics and a few evenly spaced points.
import { fitLine } from '../analytics/forecast.ts';
import {
  isCounter,
  metricName,
  rateOf,
  samplesOf,
  seriesKey,
  type Labels,
  type Sample,
} from '../analytics/series.ts';
import type { MetricSeries } from '../model/types.ts';
import type { METRIC_NAMES } from './schemas.ts';

export type MetricName = (typeof METRIC_NAMES)[number];

/** Label matchers a query is narrowed by; `pods` lists exact pod names. */
export interface MetricFilter {
  namespace?: string | undefined;
  pods?: string[] | undefined;
  container?: string | undefined;
  node?: string | undefined;
}

interface MetricDef {
  /** The PromQL, given the caller's label matchers (comma-separated, no braces) for pods and for nodes. */
  promql: (matchers: string, nodeMatchers: string) => string;
  /** Raw series names a snapshot may hold for it (the abstract name itself is always accepted). */
  series: string[];
  unit: string;
  /** Node-level metrics are selected by node, not namespace or pod. */
  node?: boolean;
}

const RATE = '5m';
const perContainer = 'namespace, pod, container';
const realContainer = ['container!=""', 'container!="POD"'];

/** A selector from fixed matchers and the caller's. */
const sel = (...parts: string[]) => `{${parts.filter(Boolean).join(',')}}`;

export const METRICS: Record<MetricName, MetricDef> = {
  cpu_usage: {
    promql: (m) =>
      `sum by (${perContainer}) (rate(container_cpu_usage_seconds_total${sel(...realContainer, m)}[${RATE}]))`,
    series: ['container_cpu_usage_seconds_total'],
    unit: 'cores',
  },
  cpu_throttling: {
    promql: (m) =>
      `sum by (${perContainer}) (rate(container_cpu_cfs_throttled_seconds_total${sel(...realContainer, m)}[${RATE}]))`,
    series: ['container_cpu_cfs_throttled_seconds_total'],
    unit: 'throttled seconds per second',
  },
  memory_usage: {
    promql: (m) => `sum by (${perContainer}) (container_memory_working_set_bytes${sel(...realContainer, m)})`,
    series: ['container_memory_working_set_bytes', 'container_memory_usage_bytes', 'container_memory_rss'],
    unit: 'bytes',
  },
  restarts: {
    promql: (m) => `sum by (${perContainer}) (kube_pod_container_status_restarts_total${sel(m)})`,
    series: ['kube_pod_container_status_restarts_total'],
    unit: 'restarts (cumulative)',
  },
  network_errors: {
    promql: (m) =>
      `sum by (namespace, pod) (rate(container_network_receive_errors_total${sel(m)}[${RATE}]) + rate(container_network_transmit_errors_total${sel(m)}[${RATE}]))`,
    series: ['container_network_receive_errors_total', 'container_network_transmit_errors_total'],
    unit: 'errors per second',
  },
  network_receive: {
    promql: (m) => `sum by (namespace, pod) (rate(container_network_receive_bytes_total${sel(m)}[${RATE}]))`,
    series: ['container_network_receive_bytes_total'],
    unit: 'bytes per second',
  },
  network_transmit: {
    promql: (m) => `sum by (namespace, pod) (rate(container_network_transmit_bytes_total${sel(m)}[${RATE}]))`,
    series: ['container_network_transmit_bytes_total'],
    unit: 'bytes per second',
  },
  disk_usage: {
    promql: (m) => `sum by (${perContainer}) (container_fs_usage_bytes${sel(...realContainer, m)})`,
    series: ['container_fs_usage_bytes'],
    unit: 'bytes',
  },
  volume_usage: {
    promql: (m) => `sum by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes${sel(m)})`,
    series: ['kubelet_volume_stats_used_bytes'],
    unit: 'bytes',
  },
  node_cpu_usage: {
    promql: (_m, n) =>
      `1 - avg by (instance) (rate(node_cpu_seconds_total${sel('mode="idle"', n)}[${RATE}]))`,
    series: ['node_cpu_utilisation', 'node_cpu_utilization'],
    unit: 'fraction of the node busy',
    node: true,
  },
  node_memory_usage: {
    promql: (_m, n) => `node_memory_MemTotal_bytes${sel(n)} - node_memory_MemAvailable_bytes${sel(n)}`,
    series: ['node_memory_used_bytes'],
    unit: 'bytes',
    node: true,
  },
};

const quote = (v: string) => JSON.stringify(v);
const escapeRegex = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The PromQL for a metric and filter (the matchers are JSON-quoted, so no value can break out). */
export function promqlFor(name: MetricName, f: MetricFilter): string {
  const m: string[] = [];
  if (f.namespace) m.push(`namespace=${quote(f.namespace)}`);
  if (f.pods?.length) m.push(`pod=~${quote(f.pods.map(escapeRegex).join('|'))}`);
  if (f.container) m.push(`container=${quote(f.container)}`);
  if (f.node) m.push(`node=${quote(f.node)}`);
  const nodeMatcher = f.node ? `instance=~${quote(`${escapeRegex(f.node)}(:[0-9]+)?`)}` : '';
  return METRICS[name].promql(m.join(','), nodeMatcher);
}

/** A series as the tool returns it: its labels, statistics and (unless summarised) its points. */
export interface SeriesOut {
  labels: Labels;
  stats: {
    min: number;
    max: number;
    mean: number;
    first: number;
    last: number;
    trend_per_hour?: number;
    samples: number;
  };
  points?: [number, number][];
}

/** At most this many points per series: enough to see a shape, small enough for a page of series. */
export const MAX_POINTS = 30;

/** Six significant digits for fractions; integers (bytes, counts) stay exact. */
const round = (v: number) => (Number.isInteger(v) ? v : Number(v.toPrecision(6)));

export function summarise(
  labels: Labels,
  samples: Sample[],
  withPoints: boolean,
  end: number,
): SeriesOut | undefined {
  if (!samples.length) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const [, v] of samples) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const stats: SeriesOut['stats'] = {
    min: round(min),
    max: round(max),
    mean: round(sum / samples.length),
    first: round(samples[0]![1]),
    last: round(samples.at(-1)![1]),
    samples: samples.length,
  };
  const fit = fitLine(samples, end);
  if (fit) stats.trend_per_hour = round(fit.slope * 3600);
  const out: SeriesOut = { labels, stats };
  if (withPoints) out.points = downsample(samples).map(([t, v]) => [t, round(v)]);
  return out;
}

/** Evenly spaced buckets, each the mean of its samples, timed at the bucket's last sample. */
function downsample(samples: Sample[]): Sample[] {
  if (samples.length <= MAX_POINTS) return samples;
  const out: Sample[] = [];
  for (let b = 0; b < MAX_POINTS; b++) {
    const from = Math.floor((b * samples.length) / MAX_POINTS);
    const to = Math.floor(((b + 1) * samples.length) / MAX_POINTS);
    const bucket = samples.slice(from, to);
    out.push([bucket.at(-1)![0], bucket.reduce((s, [, v]) => s + v, 0) / bucket.length]);
  }
  return out;
}

/** The snapshot's series for a metric, filtered, as gauges over [start, end] (counters as rates). */
export function fromSnapshot(
  all: readonly MetricSeries[],
  name: MetricName,
  f: MetricFilter,
  start: number,
  end: number,
): { labels: Labels; samples: Sample[] }[] {
  const def = METRICS[name];
  const names = new Set([name, ...def.series]);
  const out: { labels: Labels; samples: Sample[] }[] = [];
  for (const s of all) {
    const labels = s.metric;
    const metric = metricName(labels);
    if (!names.has(metric)) continue;
    if (f.namespace && !def.node && labels.namespace !== f.namespace) continue;
    if (f.pods?.length && !def.node && !f.pods.includes(labels.pod ?? '')) continue;
    if (f.container && !def.node && labels.container !== f.container) continue;
    if (f.node && (labels.node ?? (labels.instance ?? '').replace(/:\d+$/, '')) !== f.node) continue;
    let samples = samplesOf(s);
    // Restarts are read as the cumulative count; other counters as their per-second rate.
    if (isCounter(metric) && name !== 'restarts') samples = rateOf(samples);
    samples = samples.filter(([t]) => t >= start && t <= end);
    if (samples.length) out.push({ labels, samples });
  }
  return out.sort((a, b) => (seriesKey(a.labels) < seriesKey(b.labels) ? -1 : 1));
}

/** A range query against Prometheus' HTTP API. */
export async function queryRange(
  baseUrl: string,
  promql: string,
  start: number,
  end: number,
  step: number,
): Promise<{ labels: Labels; samples: Sample[] }[]> {
  const url = new URL('api/v1/query_range', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const body = new URLSearchParams({
    query: promql,
    start: String(start),
    end: String(end),
    step: String(step),
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new Error(`Prometheus is unreachable: ${(err as Error).message}`, { cause: err });
  }
  const json = (await res.json().catch(() => ({}))) as {
    status?: string;
    error?: string;
    data?: { result?: MetricSeries[] };
  };
  if (json.status !== 'success')
    throw new Error(`Prometheus answered ${res.status}: ${json.error ?? 'no result'}`);
  return (json.data?.result ?? [])
    .map((s) => ({ labels: s.metric, samples: samplesOf(s) }))
    .sort((a, b) => (seriesKey(a.labels) < seriesKey(b.labels) ? -1 : 1));
}
