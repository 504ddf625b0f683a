// Building blocks the analyzers share: weighed evidence, recent events, log matches, and the
// grouping of failing pods by the workload that owns them.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../graph/edges.ts';
import { nodeId, refOf, type NodeId, type ObjectRef, type World } from '../model/types.ts';
import { logKey } from './context.ts';
import { containerNames, describe, eventLine, eventView, podReady, type EventView } from './k8s.ts';
import type { DiagnoseContext, Evidence, Severity, Weighed } from './types.ts';

export const support = (weight: number, item: Evidence): Weighed => ({ item, weight, supports: true });
export const contradict = (weight: number, item: Evidence): Weighed => ({ item, weight, supports: false });

/** Events about `ref` seen within the window that `match` accepts, newest last. */
export function recentEvents(
  world: World,
  ctx: DiagnoseContext,
  ref: ObjectRef,
  match: (e: EventView) => boolean,
): EventView[] {
  return world
    .eventsFor(ref)
    .map(eventView)
    .filter((e) => match(e) && ctx.recent(e.last));
}

export function eventEvidence(ref: ObjectRef, ev: EventView): Evidence {
  return { kind: 'event', ref, detail: eventLine(ev), time: ev.last };
}

/** Log lines of a pod's containers (as read into the context) that match `re`. */
export function logLines(
  ctx: DiagnoseContext,
  pod: KubeObject,
  re: RegExp,
): { container: string; line: string }[] {
  const out: { container: string; line: string }[] = [];
  for (const container of containerNames(pod)) {
    const lines =
      ctx.logs.get(logKey(pod.metadata.namespace ?? '', pod.metadata.name ?? '', container)) ?? [];
    for (const line of lines) if (re.test(line)) out.push({ container, line });
  }
  return out;
}

export interface PodGroup {
  workload: ObjectRef;
  pods: KubeObject[];
}

/** Pods grouped by their workload (top owner), in first-seen order. */
export function groupByWorkload(ctx: DiagnoseContext, pods: KubeObject[]): PodGroup[] {
  const groups = new Map<NodeId, PodGroup>();
  for (const pod of pods) {
    const workload = ctx.workloadOf(pod);
    const id = nodeId(workload);
    const g = groups.get(id);
    if (g) g.pods.push(pod);
    else groups.set(id, { workload, pods: [pod] });
  }
  return [...groups.values()];
}

/** Every pod a workload owns, through its ReplicaSets or Jobs. */
export function podsOf(world: World, workload: ObjectRef): KubeObject[] {
  if (workload.kind === 'Pod') return [world.get(workload)].filter((p): p is KubeObject => !!p);
  const pods: KubeObject[] = [];
  let frontier = [nodeId(workload)];
  for (let depth = 0; depth < 3 && frontier.length; depth++) {
    const next: NodeId[] = [];
    for (const id of frontier)
      for (const e of world.graph.outgoing(id, ['owns'])) {
        if (e.to.startsWith('Pod/')) {
          const pod = world.get(refOf(e.to));
          if (pod) pods.push(pod);
        } else next.push(e.to);
      }
    frontier = next;
  }
  return pods;
}

/**
 * Severity scale: critical when a Node takes several workloads down, high when a workload (or a
 * Service) is fully down, medium when it is degraded or runs out within 6 h, low within 24 h.
 * A workload with no ready pod left is high, else medium.
 */
export function impact(
  world: World,
  workload: ObjectRef,
): { severity: Severity; ready: number; total: number } {
  const pods = podsOf(world, workload).filter((p) => !p.metadata.deletionTimestamp);
  const ready = pods.filter(podReady).length;
  return { severity: ready === 0 ? 'high' : 'medium', ready, total: pods.length };
}

export const podIds = (pods: KubeObject[]): NodeId[] => pods.map((p) => nodeId(refOfObject(p)));

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The trace's `observe` lines for troubled objects: what each one shows. */
export function observedObjects(ctx: DiagnoseContext, pods: KubeObject[]): string[] {
  return pods.map((p) => {
    const ref = refOfObject(p);
    return `${describe(ref)}: ${ctx.symptoms.get(nodeId(ref))?.detail ?? 'failing'}`;
  });
}
