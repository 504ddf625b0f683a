// What is observably wrong right now, independent of any explanation. Every symptom must be
// accounted for by a finding, or the diagnosis is INCONCLUSIVE. Settled history (an old evicted
// pod, a Job that failed and was retried to completion, a restart a day ago) is not a symptom.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../graph/edges.ts';
import { nodeId, refOf, type ObjectRef, type World } from '../model/types.ts';
import {
  condition,
  containerStatuses,
  eventView,
  ms,
  nodeName,
  phase,
  podReady,
  readiness,
  selects,
  specOf,
  statusOf,
  template,
} from './k8s.ts';
import type { Symptom } from './types.ts';

/** How long a pod may take to be scheduled, pull and start before "still starting" becomes a symptom. */
export const START_GRACE_MS = 120_000;
/** How long a container may stay unready after it (re)started before it is a symptom. */
export const READY_GRACE_MS = 30_000;
/** Restarts within the window at which restarting stops being incidental. */
export const RESTART_THRESHOLD = 3;

export interface SymptomScan {
  symptoms: Symptom[];
  /** Nodes whose Ready condition is not True, by name. */
  failedNodes: Set<string>;
}

export function findSymptoms(
  world: World,
  now: Date,
  windowMs: number,
  workloadOf: (o: KubeObject) => ObjectRef,
): SymptomScan {
  const recent = (t: string | undefined) => {
    const at = ms(t);
    return at !== undefined && now.getTime() - at <= windowMs;
  };
  const symptoms: Symptom[] = [];
  const failedNodes = new Set<string>();
  const troubledNodes = new Set<string>();

  for (const node of world.objects('Node')) {
    const bad = nodeTrouble(node);
    if (bad) {
      symptoms.push({ id: nodeId(refOfObject(node)), detail: bad.detail });
      troubledNodes.add(node.metadata.name ?? '');
      if (bad.notReady) failedNodes.add(node.metadata.name ?? '');
    }
  }
  for (const pod of world.objects('Pod')) {
    const detail = podTrouble(world, pod, now, recent, failedNodes, troubledNodes);
    if (detail) symptoms.push({ id: nodeId(refOfObject(pod)), detail });
  }
  const workloadTrouble = new Map<string, string>();
  for (const kind of ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']) {
    for (const w of world.objects(kind)) {
      const detail = controllerTrouble(world, w, recent);
      if (detail) workloadTrouble.set(nodeId(workloadOf(w)), detail);
    }
  }
  for (const [id, detail] of workloadTrouble) symptoms.push({ id, detail });
  for (const svc of world.objects('Service')) {
    if (serviceWithoutEndpoints(world, svc, now))
      symptoms.push({ id: nodeId(refOfObject(svc)), detail: 'no ready endpoints' });
  }
  for (const pvc of world.objects('PersistentVolumeClaim')) {
    const detail = claimTrouble(world, pvc, now);
    if (detail) symptoms.push({ id: nodeId(refOfObject(pvc)), detail });
  }
  return { symptoms, failedNodes };
}

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

function nodeTrouble(node: KubeObject): { detail: string; notReady: boolean } | undefined {
  const ready = condition(node, 'Ready');
  if (ready && ready.status !== 'True')
    return {
      detail: `Ready=${ready.status} (${ready.reason ?? ''}: ${ready.message ?? ''})`,
      notReady: true,
    };
  const pressure = PRESSURE.map((t) => condition(node, t)).find((c) => c?.status === 'True');
  if (pressure) return { detail: `${pressure.type}=True (${pressure.message ?? ''})`, notReady: false };
  return undefined;
}

/** The latest moment a pod's status records (a termination or a condition change). */
function lastSeen(pod: KubeObject): string | undefined {
  const times = [
    ...containerStatuses(pod).map((c) => c.state?.terminated?.finishedAt),
    ...((statusOf(pod).conditions as { lastTransitionTime?: string }[] | undefined) ?? []).map(
      (c) => c.lastTransitionTime,
    ),
  ].filter((t): t is string => !!t);
  return times.sort().at(-1);
}

function podTrouble(
  world: World,
  pod: KubeObject,
  now: Date,
  recent: (t: string | undefined) => boolean,
  failedNodes: Set<string>,
  troubledNodes: Set<string>,
): string | undefined {
  const onFailedNode = failedNodes.has(nodeName(pod) ?? '');
  if (pod.metadata.deletionTimestamp) return onFailedNode ? 'terminating on a NotReady node' : undefined;
  const p = phase(pod);
  if (p === 'Succeeded') return undefined;
  if (p === 'Failed') {
    const job = pod.metadata.ownerReferences?.find((o) => o.kind === 'Job');
    if (job) {
      const j = world.get({ kind: 'Job', namespace: pod.metadata.namespace, name: job.name });
      // A Job that retried to completion, or gave up long ago, is history.
      if (j && condition(j, 'Complete')?.status === 'True') return undefined;
    }
    if (!recent(lastSeen(pod))) return undefined;
    // An eviction is current while its node is still in trouble; after that the replacement runs.
    if (statusOf(pod).reason === 'Evicted')
      return troubledNodes.has(nodeName(pod) ?? '')
        ? `evicted: ${String(statusOf(pod).message ?? '')}`
        : undefined;
    return 'failed';
  }
  if (onFailedNode) return `runs on NotReady node ${nodeName(pod)}`;
  if (p === 'Unknown') return 'phase Unknown';
  for (const c of containerStatuses(pod)) {
    const waiting = c.state?.waiting?.reason;
    if (waiting && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing')
      return `container ${c.name} waiting: ${waiting}`;
  }
  // Without a creation time a pod is taken to be past its start-up grace.
  const age = now.getTime() - (ms(pod.metadata.creationTimestamp) ?? 0);
  if (p === 'Pending') {
    const scheduled = condition(pod, 'PodScheduled');
    if (scheduled?.status === 'False') return `not scheduled: ${scheduled.message ?? scheduled.reason ?? ''}`;
    const verdict = nodeName(pod) ? undefined : lastSchedulingFailure(world, pod, recent);
    if (verdict) return `not scheduled: ${verdict}`;
    return age > START_GRACE_MS ? `pending${forMinutes(pod, now)}` : undefined;
  }
  for (const c of containerStatuses(pod)) {
    const last = c.lastState?.terminated;
    if (
      last &&
      recent(last.finishedAt) &&
      (last.reason === 'OOMKilled' || (c.restartCount ?? 0) >= RESTART_THRESHOLD)
    )
      return `container ${c.name} restarted ${c.restartCount ?? 0} times, last ${last.reason ?? 'terminated'}`;
  }
  const ready = readiness(pod);
  if (!ready.ready && now.getTime() - (ms(ready.since) ?? 0) > READY_GRACE_MS)
    return `not ready: ${ready.message ?? ''}`;
  return undefined;
}

/** The scheduler's latest FailedScheduling message about a pod, within the window. */
function lastSchedulingFailure(
  world: World,
  pod: KubeObject,
  recent: (t: string | undefined) => boolean,
): string | undefined {
  return world
    .eventsFor(refOfObject(pod))
    .map(eventView)
    .findLast((e) => e.reason === 'FailedScheduling' && recent(e.last))?.message;
}

/** A controller that cannot create its pods, or a Job that failed within the window. */
function controllerTrouble(
  world: World,
  w: KubeObject,
  recent: (t: string | undefined) => boolean,
): string | undefined {
  if (w.kind === 'Job') {
    const failed = condition(w, 'Failed');
    return failed?.status === 'True' && recent(failed.lastTransitionTime)
      ? `job failed: ${failed.reason ?? ''}`
      : undefined;
  }
  const rf = condition(w, 'ReplicaFailure');
  if (rf?.status === 'True') return `ReplicaFailure: ${rf.message ?? rf.reason ?? ''}`;
  // StatefulSets and DaemonSets have no ReplicaFailure condition: their failures are events only.
  if (w.kind !== 'StatefulSet' && w.kind !== 'DaemonSet') return undefined;
  const failedCreate = world
    .eventsFor(refOfObject(w))
    .map(eventView)
    .findLast((e) => e.reason === 'FailedCreate' && e.type === 'Warning' && recent(e.last));
  const desired =
    w.kind === 'StatefulSet'
      ? (template(w)?.replicas ?? 1)
      : Number((statusOf(w).desiredNumberScheduled as number | undefined) ?? 0);
  const current = Number(
    (statusOf(w)[w.kind === 'StatefulSet' ? 'replicas' : 'currentNumberScheduled'] as number | undefined) ??
      0,
  );
  return failedCreate && current < desired ? `cannot create pods: ${failedCreate.message}` : undefined;
}

/** Pods a Service's selector matches, and whether any workload meant it to have none (scaled to zero). */
export function selectedPods(world: World, svc: KubeObject): { pods: KubeObject[]; scaledToZero: boolean } {
  const selector = specOf(svc).selector as Record<string, string> | undefined;
  const ns = svc.metadata.namespace;
  const pods = world.graph
    .outgoing(nodeId(refOfObject(svc)), ['selects'])
    .flatMap((e) => world.get(refOf(e.to)) ?? []);
  const backers = ['Deployment', 'StatefulSet', 'ReplicaSet']
    .flatMap((k) => world.objects(k, ns))
    .filter((w) => !w.metadata.ownerReferences?.length && selects(selector, template(w)?.labels));
  const scaledToZero = backers.length > 0 && backers.every((w) => template(w)?.replicas === 0);
  return { pods, scaledToZero };
}

/** Ready addresses the endpoints controller published for a Service (Endpoints or EndpointSlices). */
export function readyAddresses(world: World, svc: KubeObject): number {
  const ns = svc.metadata.namespace;
  let n = 0;
  const eps = world.get({ kind: 'Endpoints', namespace: ns, name: svc.metadata.name ?? '' });
  for (const subset of (eps?.subsets as { addresses?: unknown[] }[] | undefined) ?? [])
    n += subset.addresses?.length ?? 0;
  for (const slice of world.objects('EndpointSlice', ns)) {
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
    for (const ep of (slice.endpoints as { conditions?: { ready?: boolean } }[] | undefined) ?? [])
      if (ep.conditions?.ready !== false) n++;
  }
  return n;
}

function serviceWithoutEndpoints(world: World, svc: KubeObject, now: Date): boolean {
  const spec = specOf(svc);
  const selector = spec.selector as Record<string, string> | undefined;
  if (spec.type === 'ExternalName' || !selector || !Object.keys(selector).length) return false;
  const { pods, scaledToZero } = selectedPods(world, svc);
  if (scaledToZero) return false;
  const starting = pods.some(
    (p) => phase(p) !== 'Failed' && now.getTime() - (ms(p.metadata.creationTimestamp) ?? 0) < START_GRACE_MS,
  );
  return !starting && !pods.some(podReady) && readyAddresses(world, svc) === 0;
}

function claimTrouble(world: World, pvc: KubeObject, now: Date): string | undefined {
  if (statusOf(pvc).phase !== 'Pending') return undefined;
  const events = world.eventsFor(refOfObject(pvc)).map(eventView);
  const failing = events.some((e) => e.type === 'Warning');
  const age = now.getTime() - (ms(pvc.metadata.creationTimestamp) ?? 0);
  if (age < START_GRACE_MS && !failing) return undefined;
  const consumers = world.graph.incoming(nodeId(refOfObject(pvc)), ['claims']);
  // Late binding: a claim nobody uses yet is meant to wait.
  if (events.some((e) => e.reason === 'WaitForFirstConsumer') && consumers.length === 0) return undefined;
  return `Pending${forMinutes(pvc, now)}`;
}

/** " for N min" since the object was created, when it says. */
function forMinutes(o: KubeObject, now: Date): string {
  const created = ms(o.metadata.creationTimestamp);
  return created === undefined ? '' : ` for ${Math.round((now.getTime() - created) / 60_000)} min`;
}
