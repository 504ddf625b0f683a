// One compact line per resource, with the columns `kubectl get` would show for its kind: enough to
// pick what to inspect next without reading whole objects.
import type { KubeObject } from '@industriverse/kube';
import { podStatus } from '../analytics/transitions.ts';
import { condition, containerStatuses, eventView, podReady, statusOf, specOf } from '../diagnose/k8s.ts';

export interface Row {
  kind: string;
  namespace?: string;
  name: string;
  status: string;
  age?: string;
  labels?: Record<string, string>;
  [column: string]: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** kubectl-style age: 45s, 12m, 5h, 3d. */
export function age(since: string | undefined, now: Date): string | undefined {
  const t = since ? Date.parse(since) : NaN;
  if (Number.isNaN(t)) return undefined;
  const s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const podColumns = (pod: KubeObject) => {
  const statuses = containerStatuses(pod).filter((c) => !isInit(pod, c.name));
  const total = Array.isArray(specOf(pod).containers)
    ? (specOf(pod).containers as unknown[]).length
    : statuses.length;
  return {
    status: podStatus(pod),
    ready: `${statuses.filter((c) => c.ready).length}/${total}`,
    restarts: statuses.reduce((n, c) => n + num(c.restartCount), 0),
    node: str(specOf(pod).nodeName),
    ...(podReady(pod) ? {} : { pod_ready: false }),
  };
};

function isInit(pod: KubeObject, name: string): boolean {
  const init = specOf(pod).initContainers;
  return Array.isArray(init) && init.some((c) => (c as { name?: string }).name === name);
}

const replicated = (o: KubeObject) => {
  const s = statusOf(o);
  const desired = num(specOf(o).replicas ?? 1);
  const ready = num(s.readyReplicas);
  const failing =
    condition(o, 'Available')?.status === 'False' || condition(o, 'Progressing')?.status === 'False';
  return {
    status: failing ? 'Degraded' : ready >= desired ? 'Ready' : 'Progressing',
    ready: `${ready}/${desired}`,
    up_to_date: num(s.updatedReplicas),
  };
};

const columns: Record<string, (o: KubeObject) => Record<string, unknown>> = {
  Pod: podColumns,
  Deployment: replicated,
  StatefulSet: replicated,
  ReplicaSet: replicated,
  DaemonSet: (o) => {
    const s = statusOf(o);
    const desired = num(s.desiredNumberScheduled);
    const ready = num(s.numberReady);
    return { status: ready >= desired ? 'Ready' : 'Progressing', ready: `${ready}/${desired}` };
  },
  Job: (o) => {
    const s = statusOf(o);
    const done = condition(o, 'Complete')?.status === 'True';
    const failed = condition(o, 'Failed')?.status === 'True';
    return {
      status: done ? 'Complete' : failed ? 'Failed' : 'Running',
      completions: `${num(s.succeeded)}/${num(specOf(o).completions ?? 1)}`,
    };
  },
  Node: (o) => {
    const ready = condition(o, 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
    return {
      status: specOf(o).unschedulable === true ? `${ready},SchedulingDisabled` : ready,
      version: str((statusOf(o).nodeInfo as { kubeletVersion?: string } | undefined)?.kubeletVersion),
    };
  },
  Service: (o) => {
    const spec = specOf(o);
    const ports = Array.isArray(spec.ports)
      ? (spec.ports as { port?: number; protocol?: string }[])
          .map((p) => `${p.port}/${p.protocol ?? 'TCP'}`)
          .join(',')
      : undefined;
    return { status: 'Active', type: str(spec.type) ?? 'ClusterIP', cluster_ip: str(spec.clusterIP), ports };
  },
  PersistentVolumeClaim: (o) => ({
    status: str(statusOf(o).phase) ?? 'Pending',
    volume: str(specOf(o).volumeName),
    capacity: str((statusOf(o).capacity as { storage?: string } | undefined)?.storage),
  }),
  Secret: (o) => ({
    status: 'Active',
    type: str(o.type),
    keys: Object.keys((o.data ?? {}) as object).length,
  }),
  ConfigMap: (o) => ({ status: 'Active', keys: Object.keys((o.data ?? {}) as object).length }),
  Event: (o) => {
    const ev = eventView(o);
    const involved = (o.involvedObject ?? o.regarding ?? {}) as { kind?: string; name?: string };
    return {
      status: ev.type,
      reason: ev.reason,
      object: `${involved.kind ?? '?'}/${involved.name ?? '?'}`,
      count: ev.count,
      last: ev.last,
      message: ev.message.length > 300 ? `${ev.message.slice(0, 300)}…` : ev.message,
    };
  },
};

function genericStatus(o: KubeObject): string {
  const p = str(statusOf(o).phase);
  if (p) return p;
  const ready = condition(o, 'Ready') ?? condition(o, 'Available');
  if (ready) return ready.status === 'True' ? 'Ready' : `NotReady${ready.reason ? ` (${ready.reason})` : ''}`;
  return 'Active';
}

export function rowOf(o: KubeObject, now: Date): Row {
  const cols = columns[o.kind]?.(o) ?? { status: genericStatus(o) };
  const row: Row = { kind: o.kind, name: o.metadata.name ?? '', status: String(cols.status) };
  if (o.metadata.namespace) row.namespace = o.metadata.namespace;
  const a = age(o.metadata.creationTimestamp, now);
  if (a) row.age = a;
  for (const [k, v] of Object.entries(cols)) if (k !== 'status' && v !== undefined) row[k] = v;
  const labels = o.metadata.labels;
  if (labels && Object.keys(labels).length) row.labels = labels;
  return row;
}
