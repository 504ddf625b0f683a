// QuotaExceeded: a controller cannot create pods because a ResourceQuota forbids them
// ("exceeded quota", or "failed quota … must specify" for pods without requests/limits).
// Rooted at the ResourceQuota, with its used/hard figures.
import type { KubeObject } from '@industriverse/kube';
import { quantityValue } from '@industriverse/kube/quantity';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, type NodeId, type ObjectRef, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import { contradict, eventEvidence, recentEvents, support } from '../evidence.ts';
import { condition, describe, number, specOf, statusOf } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

/** Controllers whose FailedCreate events name a quota (the Deployment too: some tools record them there). */
const CONTROLLERS = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'Deployment'];

/** The quota a FailedCreate message names, and the resources it says were requested. */
export function parseQuotaMessage(message: string): { quota: string; resources: string[] } | undefined {
  const m = /exceeded quota: ([^,\s]+), requested: ([^\n]*?), used:/.exec(message);
  if (m) return { quota: m[1]!, resources: m[2]!.split(',').map((r) => r.split('=')[0]!.trim()) };
  const f = /failed quota: ([^:\s]+): must specify ([^\n]+)/.exec(message);
  if (f) return { quota: f[1]!, resources: f[2]!.split(',').map((r) => r.trim()) };
  return undefined;
}

/** Whether a controller still has fewer pods than it wants. */
function shortOfPods(w: KubeObject): boolean {
  const spec = specOf(w);
  const status = statusOf(w);
  if (w.kind === 'DaemonSet')
    return number(status.currentNumberScheduled) < number(status.desiredNumberScheduled);
  if (w.kind === 'Job') return condition(w, 'Complete')?.status !== 'True';
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  return number(status.replicas) < desired;
}

function usage(quota: KubeObject, resources: string[]): string[] {
  const hard = (statusOf(quota).hard ?? specOf(quota).hard ?? {}) as Record<string, string>;
  const used = (statusOf(quota).used ?? {}) as Record<string, string>;
  return resources
    .filter((r) => hard[r] !== undefined)
    .map((r) => {
      const full = (quantityValue(used[r]) ?? 0) >= (quantityValue(hard[r]) ?? Infinity);
      return `${r} used ${used[r] ?? '0'} of ${hard[r]}${full ? ' (full)' : ''}`;
    });
}

interface Blocked {
  quota: ObjectRef;
  workload: ObjectRef;
  evidence: Weighed[];
  resources: Set<string>;
  explains: Set<NodeId>;
}

function scan(world: World, ctx: DiagnoseContext, w: KubeObject, found: Map<string, Blocked>): void {
  const ref = refOfObject(w);
  const events = recentEvents(
    world,
    ctx,
    ref,
    (e) => e.reason === 'FailedCreate' && !!parseQuotaMessage(e.message),
  );
  const rf = condition(w, 'ReplicaFailure');
  const rfQuota = rf?.status === 'True' ? parseQuotaMessage(rf.message ?? '') : undefined;
  if (!events.length && !rfQuota) return;
  const workload = ctx.workloadOf(w);
  const entry = (parsed: { quota: string; resources: string[] }): Blocked => {
    const quota = { kind: 'ResourceQuota', namespace: w.metadata.namespace, name: parsed.quota };
    const key = `${nodeId(quota)}\0${nodeId(workload)}`;
    let b = found.get(key);
    if (!b)
      found.set(
        key,
        (b = { quota, workload, evidence: [], resources: new Set(), explains: new Set([nodeId(workload)]) }),
      );
    for (const r of parsed.resources) b.resources.add(r);
    return b;
  };
  for (const ev of events) {
    const b = entry(parseQuotaMessage(ev.message)!);
    b.evidence.push(support(WEIGHT.decisive, eventEvidence(ref, ev)));
    if (!shortOfPods(w))
      b.evidence.push(
        contradict(WEIGHT.decisive, { kind: 'status', ref, detail: `${describe(ref)} has all its pods now` }),
      );
  }
  if (rfQuota)
    entry(rfQuota).evidence.push(
      support(WEIGHT.strong, {
        kind: 'status',
        ref,
        detail: `ReplicaFailure=True ${rf?.reason ?? ''}: ${rf?.message ?? ''}`,
        time: rf?.lastTransitionTime,
      }),
    );
}

export const quotaExceededAnalyzer: Analyzer = {
  category: 'QuotaExceeded',
  analyze(world, ctx) {
    const found = new Map<string, Blocked>();
    for (const kind of CONTROLLERS) for (const w of world.objects(kind)) scan(world, ctx, w, found);
    return [...found.values()].map((b): Hypothesis => {
      const quota = world.get(b.quota);
      const figures = quota ? usage(quota, [...b.resources]) : [];
      const evidence = [...b.evidence];
      for (const f of figures)
        evidence.push(support(WEIGHT.moderate, { kind: 'status', ref: b.quota, detail: f }));
      return {
        category: 'QuotaExceeded',
        subject: b.workload,
        rootCause: b.quota,
        summary: `${describe(b.quota)} blocks ${describe(b.workload)} from creating pods (${figures.length ? figures.join('; ') : [...b.resources].join(', ')})`,
        severity: 'high',
        observed: [
          `${describe(b.workload)}: ${ctx.symptoms.get(nodeId(b.workload))?.detail ?? 'cannot create pods'}`,
        ],
        evidence,
        explains: [...b.explains],
        via: [],
      };
    });
  },
};
