// Typed reads of the API objects diagnosis looks at. Objects arrive as plain JSON (KubeObject), so
// every accessor tolerates missing fields instead of trusting a shape.
import { matchesLabels, type KubeObject } from '@industriverse/kube';
import type { ObjectRef } from '../model/types.ts';

export interface Terminated {
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: Terminated;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const arr = <T = Json>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const specOf = (o: KubeObject): Json => obj(o.spec);
export const statusOf = (o: KubeObject): Json => obj(o.status);

export function describe(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

export function conditions(o: KubeObject): Condition[] {
  return arr<Condition>(statusOf(o).conditions);
}

export function condition(o: KubeObject, type: string): Condition | undefined {
  return conditions(o).find((c) => c.type === type);
}

export const phase = (pod: KubeObject): string => str(statusOf(pod).phase) ?? 'Unknown';

/** Init and app containers' statuses, init first (an init container failing blocks the rest). */
export function containerStatuses(pod: KubeObject): ContainerStatus[] {
  const s = statusOf(pod);
  return [...arr<ContainerStatus>(s.initContainerStatuses), ...arr<ContainerStatus>(s.containerStatuses)];
}

/**
 * Whether a pod is ready, since when, and why not: its Ready condition, or when a status carries
 * no conditions, its running containers' readiness.
 */
export function readiness(pod: KubeObject): { ready: boolean; since?: string; message?: string } {
  const c = condition(pod, 'Ready');
  if (c) return { ready: c.status === 'True', since: c.lastTransitionTime, message: c.message ?? c.reason };
  const statuses = containerStatuses(pod).filter((s) => !s.state?.terminated);
  if (phase(pod) !== 'Running' || !statuses.length) return { ready: false };
  const unready = statuses.filter((s) => !s.ready);
  return {
    ready: unready.length === 0,
    since: unready.map((s) => s.state?.running?.startedAt).find(Boolean),
    message: unready.length
      ? `containers with unready status: [${unready.map((s) => s.name).join(' ')}]`
      : undefined,
  };
}

export const podReady = (pod: KubeObject): boolean => readiness(pod).ready;

export const nodeName = (pod: KubeObject): string | undefined => str(specOf(pod).nodeName);

/** Every container of the pod spec (init, app and ephemeral), as raw JSON. */
export function podContainers(pod: KubeObject): Json[] {
  const s = specOf(pod);
  return [...arr(s.initContainers), ...arr(s.containers)];
}

export const containerNames = (pod: KubeObject): string[] =>
  podContainers(pod).flatMap((c) => (typeof c.name === 'string' ? [c.name] : []));

export function number(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** A ConfigMap or Secret (or one key of it) that a pod needs in order to start. */
export interface ConfigUse {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key?: string;
  optional: boolean;
  /** Where the pod refers to it, e.g. `volume config` or `env DB_PASSWORD of container app`. */
  via: string;
}

export function configUses(pod: KubeObject): ConfigUse[] {
  const uses: ConfigUse[] = [];
  const add = (kind: ConfigUse['kind'], ref: Json, via: string, key?: unknown) => {
    const name = str(ref.name) ?? str(ref.secretName);
    if (name) uses.push({ kind, name, key: str(key), optional: ref.optional === true, via });
  };
  for (const v of arr(specOf(pod).volumes)) {
    const via = `volume ${str(v.name) ?? ''}`;
    if (v.configMap) add('ConfigMap', obj(v.configMap), via);
    if (v.secret) add('Secret', obj(v.secret), via);
    for (const src of arr(obj(v.projected).sources)) {
      if (src.configMap) add('ConfigMap', obj(src.configMap), via);
      if (src.secret) add('Secret', obj(src.secret), via);
    }
  }
  for (const c of podContainers(pod)) {
    const cname = str(c.name) ?? '';
    for (const e of arr(c.env)) {
      const from = obj(e.valueFrom);
      const via = `env ${str(e.name) ?? ''} of container ${cname}`;
      if (from.configMapKeyRef)
        add('ConfigMap', obj(from.configMapKeyRef), via, obj(from.configMapKeyRef).key);
      if (from.secretKeyRef) add('Secret', obj(from.secretKeyRef), via, obj(from.secretKeyRef).key);
    }
    for (const e of arr(c.envFrom)) {
      const via = `envFrom of container ${cname}`;
      if (e.configMapRef) add('ConfigMap', obj(e.configMapRef), via);
      if (e.secretRef) add('Secret', obj(e.secretRef), via);
    }
  }
  return uses;
}

/** A core/v1 or events.k8s.io/v1 Event, normalised. */
export interface EventView {
  reason: string;
  message: string;
  type: string;
  count: number;
  first?: string;
  last?: string;
}

export function eventView(e: KubeObject): EventView {
  const series = obj(e.series);
  const last =
    str(series.lastObservedTime) ??
    str(e.lastTimestamp) ??
    str(e.deprecatedLastTimestamp) ??
    str(e.eventTime) ??
    e.metadata.creationTimestamp;
  const first = str(e.firstTimestamp) ?? str(e.deprecatedFirstTimestamp) ?? str(e.eventTime) ?? last;
  const count = number(series.count) || number(e.count) || number(e.deprecatedCount) || 1;
  return {
    reason: str(e.reason) ?? '',
    message: str(e.message) ?? str(e.note) ?? '',
    type: str(e.type) ?? 'Normal',
    count,
    first,
    last,
  };
}

/** A readable one-liner for an event, as `kubectl describe` shows it. */
export function eventLine(ev: EventView): string {
  return `${ev.type} ${ev.reason}${ev.count > 1 ? ` (x${ev.count})` : ''}: ${ev.message}`;
}

export function ms(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : t;
}

/** Whether a Service's selector matches `labels`; an empty selector matches nothing. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> = {},
): boolean {
  return !!selector && Object.keys(selector).length > 0 && matchesLabels({ matchLabels: selector }, labels);
}

/** The pod template labels and desired replicas of a workload (undefined for kinds without a template). */
export function template(o: KubeObject): { labels: Record<string, string>; replicas: number } | undefined {
  const t = obj(specOf(o).template);
  if (!Object.keys(t).length) return undefined;
  const labels = obj(obj(t.metadata).labels) as Record<string, string>;
  const r = specOf(o).replicas;
  return { labels, replicas: typeof r === 'number' ? r : 1 };
}
