// Capacity forecasting: a least-squares line through recent usage, extrapolated to the limit (seed §5.1.1).
// The same computation as Prometheus' predict_linear, so an alert rule and kubilitics agree.
import type { KubeObject } from '@industriverse/kube';
import { quantityValue } from '@industriverse/kube/quantity';
import type { MetricSeries, ObjectRef } from '../model/types.ts';
import {
  gaugeSamples,
  increaseOf,
  metricName,
  samplesOf,
  seriesKey,
  type Labels,
  type Sample,
} from './series.ts';

export type WindowName = '1h' | '1d' | '1w';

export const WINDOW_SECONDS: Readonly<Record<WindowName, number>> = {
  '1h': 3600,
  '1d': 86_400,
  '1w': 604_800,
};

export type Resource = 'memory' | 'cpu' | 'disk';

/** `rising`: usage climbs to the limit; `falling`: free space drops to zero. */
export type Direction = 'rising' | 'falling';

export interface LinearFit {
  /** Units per second. */
  slope: number;
  /** The fitted value at `now` (not at t = 0: unix time makes that number meaningless). */
  intercept: number;
  /** Coefficient of determination, 0..1: how well a straight line explains the samples. */
  r2: number;
  /** Samples in the window. */
  n: number;
}

export interface Exhaustion extends LinearFit {
  /** Seconds from `now` until the fitted line reaches the limit: 0 when past it, null when it never will. */
  seconds: number | null;
}

/** Ordinary least squares of v over t. Centred on the means, so unix-second timestamps lose no precision. */
export function fitLine(samples: readonly Sample[], at: number): LinearFit | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  let tm = 0;
  let vm = 0;
  for (const [t, v] of samples) {
    tm += t;
    vm += v;
  }
  tm /= n;
  vm /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [t, v] of samples) {
    sxx += (t - tm) ** 2;
    sxy += (t - tm) * (v - vm);
    syy += (v - vm) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  // A perfectly flat series is perfectly explained by its (flat) line.
  const r2 = syy === 0 ? 1 : Math.min(1, (sxy * sxy) / (sxx * syy));
  return { slope, intercept: vm + slope * (at - tm), r2, n };
}

export interface ExhaustionOptions {
  direction?: Direction;
  /** Fewer samples in the window give no forecast. Default 3. */
  minSamples?: number;
}

/**
 * Time until the least-squares line through the samples in `(now - window, now]` reaches `limit`.
 * Null when there are too few samples or the trend does not head towards the limit.
 */
export function timeToExhaustion(
  samples: readonly Sample[],
  limit: number,
  now: number,
  window: WindowName | number,
  opts: ExhaustionOptions = {},
): Exhaustion {
  const span = typeof window === 'number' ? window : WINDOW_SECONDS[window];
  const inWindow = samples.filter(([t]) => t > now - span && t <= now);
  const fit = fitLine(inWindow, now);
  if (!fit)
    return { seconds: null, slope: 0, intercept: inWindow.at(-1)?.[1] ?? 0, r2: 0, n: inWindow.length };
  const rising = (opts.direction ?? 'rising') === 'rising';
  const towards = rising ? fit.slope > 0 : fit.slope < 0;
  const seconds =
    fit.n < (opts.minSamples ?? 3) || !towards ? null : Math.max(0, (limit - fit.intercept) / fit.slope);
  return { ...fit, seconds };
}

/** A usage series being forecast, as given to a {@link LimitLookup}. */
export interface ForecastTarget {
  resource: Resource;
  metric: string;
  labels: Labels;
  /** The Pod, PersistentVolumeClaim or Node the series measures, when its labels say. */
  ref?: ObjectRef;
  container?: string;
}

/**
 * The capacity of a target: the usage at which it is exhausted (container limit, node allocatable,
 * volume size), in the series' unit (bytes, cores). Undefined to fall back to limit series in the metrics.
 */
export type LimitLookup = (target: ForecastTarget) => number | undefined;

/** Where a series' limit comes from: a metric, optionally only its samples with `resource="..."`. */
interface LimitMetric {
  metric: string;
  resource?: string;
}

interface UsageFamily {
  resource: Resource;
  metric: string;
  direction: Direction;
  limits: LimitMetric[];
}

const MEMORY_LIMITS: LimitMetric[] = [
  { metric: 'kube_pod_container_resource_limits', resource: 'memory' },
  { metric: 'kube_pod_container_resource_limits_memory_bytes' },
  { metric: 'container_spec_memory_limit_bytes' },
  { metric: 'kube_node_status_allocatable', resource: 'memory' },
  { metric: 'kube_node_status_allocatable_memory_bytes' },
  { metric: 'memory_limit' },
];
const CPU_LIMITS: LimitMetric[] = [
  { metric: 'kube_pod_container_resource_limits', resource: 'cpu' },
  { metric: 'kube_pod_container_resource_limits_cpu_cores' },
  { metric: 'kube_node_status_allocatable', resource: 'cpu' },
  { metric: 'kube_node_status_allocatable_cpu_cores' },
  { metric: 'cpu_limit' },
];
const VOLUME_CAPACITY: LimitMetric[] = [{ metric: 'kubelet_volume_stats_capacity_bytes' }];

/**
 * The usage metrics understood, most trusted first: when one target has several (working set and
 * usage bytes of one container), only the first is forecast. Working set is what the OOM killer and
 * eviction compare with the limit; usage bytes include reclaimable page cache.
 */
const FAMILIES: UsageFamily[] = [
  {
    resource: 'memory',
    metric: 'container_memory_working_set_bytes',
    direction: 'rising',
    limits: MEMORY_LIMITS,
  },
  { resource: 'memory', metric: 'memory_usage', direction: 'rising', limits: MEMORY_LIMITS },
  { resource: 'memory', metric: 'container_memory_rss', direction: 'rising', limits: MEMORY_LIMITS },
  { resource: 'memory', metric: 'container_memory_usage_bytes', direction: 'rising', limits: MEMORY_LIMITS },
  {
    resource: 'memory',
    metric: 'node_memory_MemAvailable_bytes',
    direction: 'falling',
    limits: [{ metric: 'node_memory_MemTotal_bytes' }],
  },
  { resource: 'cpu', metric: 'container_cpu_usage_seconds_total', direction: 'rising', limits: CPU_LIMITS },
  { resource: 'cpu', metric: 'cpu_usage', direction: 'rising', limits: CPU_LIMITS },
  {
    resource: 'disk',
    metric: 'kubelet_volume_stats_available_bytes',
    direction: 'falling',
    limits: VOLUME_CAPACITY,
  },
  {
    resource: 'disk',
    metric: 'kubelet_volume_stats_used_bytes',
    direction: 'rising',
    limits: VOLUME_CAPACITY,
  },
  {
    resource: 'disk',
    metric: 'node_filesystem_avail_bytes',
    direction: 'falling',
    limits: [{ metric: 'node_filesystem_size_bytes' }],
  },
  { resource: 'disk', metric: 'disk_usage', direction: 'rising', limits: [{ metric: 'disk_capacity' }] },
];

/** The usage metric names forecastAll reads, for documentation and the MCP metric catalogue. */
export const FORECAST_METRICS: readonly string[] = FAMILIES.map((f) => f.metric);

type Scope = 'container' | 'pod' | 'pvc' | 'filesystem' | 'node' | 'cluster';

function scopeOf(l: Labels): Scope {
  if (l.persistentvolumeclaim) return 'pvc';
  // cAdvisor reports the pod cgroup as container "" (or "POD" for the pause container).
  if (l.pod) return l.container && l.container !== 'POD' ? 'container' : 'pod';
  if (l.mountpoint) return 'filesystem';
  if (l.node || l.instance) return 'node';
  return 'cluster';
}

const host = (l: Labels): string => l.node ?? (l.instance ?? '').replace(/:\d+$/, '');

/** What a series measures, so a usage series finds its limit series and duplicates collapse. */
function identity(l: Labels): string {
  const scope = scopeOf(l);
  const parts: Record<Scope, string[]> = {
    container: [l.namespace ?? '', l.pod ?? '', l.container ?? ''],
    pod: [l.namespace ?? '', l.pod ?? ''],
    pvc: [l.namespace ?? '', l.persistentvolumeclaim ?? ''],
    filesystem: [host(l), l.device ?? '', l.mountpoint ?? ''],
    node: [host(l)],
    cluster: [],
  };
  return [scope, ...parts[scope]].join('\u0000');
}

function targetOf(family: UsageFamily, labels: Labels): ForecastTarget {
  const t: ForecastTarget = { resource: family.resource, metric: family.metric, labels };
  const scope = scopeOf(labels);
  if (scope === 'container' || scope === 'pod') {
    t.ref = { kind: 'Pod', namespace: labels.namespace ?? '', name: labels.pod ?? '' };
    if (scope === 'container') t.container = labels.container;
  } else if (scope === 'pvc') {
    t.ref = {
      kind: 'PersistentVolumeClaim',
      namespace: labels.namespace ?? '',
      name: labels.persistentvolumeclaim ?? '',
    };
  } else if (scope === 'node' || scope === 'filesystem') {
    t.ref = { kind: 'Node', name: host(labels) };
  }
  return t;
}

export interface ForecastOptions {
  /** Warn when exhaustion is nearer than this. Default 86 400 (24 h, seed §5.1). */
  warnSeconds?: number;
  /** Windows to fit over. Default 1h, 1d, 1w. */
  windows?: WindowName[];
  /** Default 3. */
  minSamples?: number;
  /** A window warns only when a line explains its samples this well (0..1). Default 0.5. */
  minR2?: number;
  /**
   * Disk warns only while its free fraction is below this (node-exporter mixin's
   * NodeFilesystemSpaceFillingUp: 40 %; kubernetes-mixin's volume rule uses 15 %). Default 0.4.
   */
  diskFreeRatio?: number;
  /** Throttled CFS periods over all periods in the last hour above this warn. Default 0.25 (CPUThrottlingHigh). */
  throttlingRatio?: number;
}

export interface SeriesForecast {
  resource: Resource;
  metric: string;
  labels: Labels;
  ref?: ObjectRef;
  container?: string;
  direction: Direction;
  /** The value at exhaustion: the capacity when rising, 0 when falling. */
  limit: number;
  /** The total (limit, allocatable, volume size), when known. */
  capacity?: number;
  /** `given` (from the LimitLookup) or the metric the capacity was read from. */
  limitSource?: string;
  /** The newest sample at or before now. */
  current: number;
  windows: Partial<Record<WindowName, Exhaustion>>;
}

export interface CapacityWarning {
  /** `exhaustion`: the forecast reaches the limit; `throttling`: a container already runs at its CPU limit. */
  kind: 'exhaustion' | 'throttling';
  resource: Resource;
  metric: string;
  labels: Labels;
  ref?: ObjectRef;
  container?: string;
  direction: Direction;
  /** 0 when the limit is already reached (always 0 for throttling). */
  secondsToExhaustion: number;
  /** The window whose fit gave the nearest credible exhaustion. */
  window: WindowName;
  /** The usage now; for throttling, the throttled fraction of CFS periods. */
  current: number;
  /** The value at exhaustion; for throttling, the fraction above which it warns. */
  limit: number;
  capacity?: number;
  limitSource?: string;
  fit?: LinearFit;
  summary: string;
}

export interface CapacityForecast {
  forecasts: SeriesForecast[];
  /** Soonest first. */
  warnings: CapacityWarning[];
}

const LIMIT_METRICS: ReadonlySet<string> = new Set(FAMILIES.flatMap((f) => f.limits.map((l) => l.metric)));

/** `metric \0 identity` -> the newest value at or before now of each such limit series, with its `resource` label. */
type LimitIndex = Map<string, { resource?: string; value: number }[]>;

function indexLimits(byName: Map<string, MetricSeries[]>, now: number): LimitIndex {
  const index: LimitIndex = new Map();
  for (const name of LIMIT_METRICS) {
    for (const s of byName.get(name) ?? []) {
      const value = samplesOf(s)
        .filter(([t]) => t <= now)
        .at(-1)?.[1];
      // container_spec_memory_limit_bytes is 0 for a container without a limit.
      if (value === undefined || value <= 0) continue;
      const key = `${name}\u0000${identity(s.metric)}`;
      const entries = index.get(key) ?? [];
      entries.push({ resource: s.metric.resource, value });
      index.set(key, entries);
    }
  }
  return index;
}

/** The first limit series, in the family's order, that measures the same thing as the usage series. */
function limitFromSeries(
  family: UsageFamily,
  labels: Labels,
  index: LimitIndex,
): { value: number; source: string } | undefined {
  const id = identity(labels);
  for (const lm of family.limits) {
    const hit = index
      .get(`${lm.metric}\u0000${id}`)
      ?.find((e) => lm.resource === undefined || e.resource === lm.resource);
    if (hit) return { value: hit.value, source: lm.metric };
  }
  return undefined;
}

/**
 * Forecasts every usage series that has a known limit over each window, and warns about those
 * forecast to run out within `warnSeconds`. `limits` is asked first (see {@link limitsFromObjects}),
 * then limit series in `metrics`. `now` is unix seconds.
 */
export function forecastAll(
  metrics: readonly MetricSeries[],
  limits: LimitLookup | undefined,
  now: number,
  opts: ForecastOptions = {},
): CapacityForecast {
  const warnSeconds = opts.warnSeconds ?? 86_400;
  const windows = opts.windows ?? (['1h', '1d', '1w'] as WindowName[]);
  const minSamples = opts.minSamples ?? 3;
  const minR2 = opts.minR2 ?? 0.5;
  const diskFreeRatio = opts.diskFreeRatio ?? 0.4;

  const byName = new Map<string, MetricSeries[]>();
  for (const s of metrics) {
    const name = metricName(s.metric);
    const same = byName.get(name);
    if (same) same.push(s);
    else byName.set(name, [s]);
  }
  const limitIndex = indexLimits(byName, now);

  // One series per target: the most trusted family, then the lowest series key.
  const chosen = new Map<string, { family: UsageFamily; series: MetricSeries }>();
  for (const family of FAMILIES) {
    const candidates = [...(byName.get(family.metric) ?? [])].sort((a, b) =>
      seriesKey(a.metric).localeCompare(seriesKey(b.metric)),
    );
    for (const series of candidates) {
      const key = `${family.resource}\u0000${identity(series.metric)}`;
      if (!chosen.has(key)) chosen.set(key, { family, series });
    }
  }

  const forecasts: SeriesForecast[] = [];
  const warnings: CapacityWarning[] = [];
  for (const { family, series } of chosen.values()) {
    const target = targetOf(family, series.metric);
    const samples = gaugeSamples(series).filter(([t]) => t <= now);
    const current = samples.at(-1)?.[1];
    if (current === undefined) continue;
    const given = limits?.(target);
    const found =
      given !== undefined && given > 0
        ? { value: given, source: 'given' }
        : limitFromSeries(family, series.metric, limitIndex);
    if (family.direction === 'rising' && !found) continue;
    const limit = family.direction === 'rising' ? found!.value : 0;
    const forecast: SeriesForecast = {
      ...target,
      direction: family.direction,
      limit,
      ...(found && { capacity: found.value, limitSource: found.source }),
      current,
      windows: Object.fromEntries(
        windows.map((w) => [
          w,
          timeToExhaustion(samples, limit, now, w, { direction: family.direction, minSamples }),
        ]),
      ),
    };
    forecasts.push(forecast);

    if (family.resource === 'disk' && found) {
      const free =
        family.direction === 'rising' ? (found.value - current) / found.value : current / found.value;
      if (free >= diskFreeRatio) continue;
    }
    const reached = family.direction === 'rising' ? current >= limit : current <= limit;
    let best: { window: WindowName; fit: Exhaustion } | undefined;
    for (const w of windows) {
      const fit = forecast.windows[w]!;
      if (reached) {
        best = { window: w, fit: { ...fit, seconds: 0 } };
        break;
      }
      if (fit.seconds === null || fit.seconds >= warnSeconds || fit.r2 < minR2) continue;
      if (!best || fit.seconds < best.fit.seconds!) best = { window: w, fit };
    }
    if (!best) continue;
    const { seconds, ...fit } = best.fit;
    const warning: CapacityWarning = {
      kind: 'exhaustion',
      resource: family.resource,
      metric: family.metric,
      labels: series.metric,
      ...(target.ref && { ref: target.ref }),
      ...(target.container !== undefined && { container: target.container }),
      direction: family.direction,
      secondsToExhaustion: seconds!,
      window: best.window,
      current,
      limit,
      ...(found && { capacity: found.value, limitSource: found.source }),
      fit,
      summary: '',
    };
    warning.summary = exhaustionSummary(warning);
    warnings.push(warning);
  }

  warnings.push(...throttlingWarnings(byName, now, opts.throttlingRatio ?? 0.25));
  forecasts.sort((a, b) => seriesKey(a.labels).localeCompare(seriesKey(b.labels)));
  warnings.sort(
    (a, b) =>
      a.secondsToExhaustion - b.secondsToExhaustion ||
      a.kind.localeCompare(b.kind) ||
      seriesKey(a.labels).localeCompare(seriesKey(b.labels)),
  );
  return { forecasts, warnings };
}

/** Containers whose CFS periods were throttled more than `ratio` of the time in the last hour. */
function throttlingWarnings(
  byName: Map<string, MetricSeries[]>,
  now: number,
  ratio: number,
): CapacityWarning[] {
  const hourOf = (s: MetricSeries) =>
    samplesOf(s).filter(([t]) => t > now - WINDOW_SECONDS['1h'] && t <= now);
  const periods = new Map<string, MetricSeries>();
  for (const s of byName.get('container_cpu_cfs_periods_total') ?? []) periods.set(identity(s.metric), s);
  const out: CapacityWarning[] = [];
  for (const s of byName.get('container_cpu_cfs_throttled_periods_total') ?? []) {
    const all = periods.get(identity(s.metric));
    if (!all) continue;
    const total = increaseOf(hourOf(all));
    const throttled = increaseOf(hourOf(s));
    if (total <= 0 || throttled / total <= ratio) continue;
    const target = targetOf(
      FAMILIES.find((f) => f.resource === 'cpu')!,
      s.metric,
    );
    const where = describeTarget(target);
    out.push({
      kind: 'throttling',
      resource: 'cpu',
      metric: 'container_cpu_cfs_throttled_periods_total',
      labels: s.metric,
      ...(target.ref && { ref: target.ref }),
      ...(target.container !== undefined && { container: target.container }),
      direction: 'rising',
      secondsToExhaustion: 0,
      window: '1h',
      current: throttled / total,
      limit: ratio,
      limitSource: 'container_cpu_cfs_periods_total',
      summary: `CPU of ${where} is at its limit: ${pct(throttled / total)} of CFS periods throttled over 1h`,
    });
  }
  return out;
}

function describeTarget(t: ForecastTarget): string {
  if (!t.ref) return seriesKey(t.labels);
  const name = t.ref.namespace
    ? `${t.ref.kind} ${t.ref.namespace}/${t.ref.name}`
    : `${t.ref.kind} ${t.ref.name}`;
  return t.container ? `${name} container ${t.container}` : name;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

function amount(resource: Resource, v: number): string {
  if (resource === 'cpu') return `${v.toFixed(v < 10 ? 2 : 0)} cores`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${v < 0 ? '-' : ''}${x.toFixed(x < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

/** `3d 4h`, `2h 5m`, `45s`: the two largest units. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [u, size] of units) {
    const q = Math.floor(rest / size);
    if (q > 0 || (u === 's' && parts.length === 0)) parts.push(`${q}${u}`);
    rest -= q * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

function exhaustionSummary(w: CapacityWarning): string {
  const where = describeTarget(w);
  const fit = w.fit!;
  const rising = w.direction === 'rising';
  const level = rising
    ? `${amount(w.resource, w.current)} of ${amount(w.resource, w.limit)}`
    : `${amount(w.resource, w.current)} free${w.capacity ? ` of ${amount(w.resource, w.capacity)}` : ''}`;
  if (w.secondsToExhaustion === 0) return `${w.resource} of ${where} is exhausted: ${level}`;
  const perHour = amount(w.resource, Math.abs(fit.slope) * 3600);
  return (
    `${w.resource} of ${where} ${rising ? 'grows' : 'shrinks'} by ${perHour}/h over the last ${w.window} ` +
    `(${level}, r²=${fit.r2.toFixed(2)}): exhausted in ${formatDuration(w.secondsToExhaustion)}`
  );
}

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(rec) : []);

/**
 * Limits from the objects themselves, for metrics that carry usage only: a container's
 * `resources.limits` (a pod's is the sum when every container has one), a Node's `status.allocatable`
 * (matched by name or address, as node-exporter labels nodes by `instance`), a PVC's capacity.
 */
export function limitsFromObjects(objects: readonly KubeObject[]): LimitLookup {
  const byRef = new Map<string, KubeObject>();
  for (const o of objects) {
    byRef.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`, o);
    if (o.kind === 'Node')
      for (const a of list(rec(o.status).addresses))
        if (typeof a.address === 'string') byRef.set(`Node//${a.address}`, o);
  }
  return (target) => {
    const ref = target.ref;
    if (!ref) return undefined;
    const o = byRef.get(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`);
    if (!o) return undefined;
    if (ref.kind === 'PersistentVolumeClaim') {
      return target.resource === 'disk'
        ? (quantityValue(rec(rec(o.status).capacity).storage) ??
            quantityValue(rec(rec(rec(o.spec).resources).requests).storage))
        : undefined;
    }
    const res = target.resource === 'disk' ? 'ephemeral-storage' : target.resource;
    // A node's allocatable ephemeral storage says nothing about one of its other filesystems.
    if (ref.kind === 'Node')
      return target.labels.mountpoint ? undefined : quantityValue(rec(rec(o.status).allocatable)[res]);
    const containers = list(rec(o.spec).containers);
    const limitOf = (c: Json) => quantityValue(rec(rec(c.resources).limits)[res]);
    if (target.container !== undefined) {
      const c = containers.find((x) => x.name === target.container);
      return c ? limitOf(c) : undefined;
    }
    const each = containers.map(limitOf);
    return each.length > 0 && each.every((x) => x !== undefined)
      ? each.reduce((a, b) => a! + b!, 0)
      : undefined;
  };
}
