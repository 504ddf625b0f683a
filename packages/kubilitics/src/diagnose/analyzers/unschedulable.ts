// Unschedulable: the scheduler finds no node for a workload's pods (insufficient resources,
// untolerated taints, unmatched selectors or affinity). Rooted at the pending workload.
import type { KubeObject } from '@industriverse/kube';
import { quantityValue } from '@industriverse/kube/quantity';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  eventEvidence,
  groupByWorkload,
  impact,
  observedObjects,
  plural,
  podIds,
  recentEvents,
  support,
} from '../evidence.ts';
import { condition, describe, phase, podContainers, statusOf } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

/** "0/3 nodes are available: 1 node(s) had untolerated taint {…}, 2 Insufficient cpu. preemption: …" -> the reasons. */
export function schedulerReasons(message: string): string[] {
  const m = /nodes are available:\s*(.*?)(?:\s*preemption:.*)?$/s.exec(message);
  if (!m) return [];
  return m[1]!
    .replace(/\.\s*$/, '')
    .split(/,\s*(?=\d+ )/)
    .map((r) => r.trim())
    .filter(Boolean);
}

function requests(pod: KubeObject): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of podContainers(pod)) {
    const req = (c.resources as { requests?: Record<string, string> } | undefined)?.requests ?? {};
    for (const [k, v] of Object.entries(req)) sum[k] = (sum[k] ?? 0) + (quantityValue(v) ?? 0);
  }
  return sum;
}

/** Resources the pod requests beyond what the largest node can ever allocate. */
function oversized(world: World, pod: KubeObject): string[] {
  const largest: Record<string, number> = {};
  for (const node of world.objects('Node')) {
    const alloc = (statusOf(node).allocatable as Record<string, string> | undefined) ?? {};
    for (const [k, v] of Object.entries(alloc)) largest[k] = Math.max(largest[k] ?? 0, quantityValue(v) ?? 0);
  }
  if (!Object.keys(largest).length) return [];
  return Object.entries(requests(pod))
    .filter(([k, v]) => v > (largest[k] ?? 0))
    .map(([k, v]) => `requests ${k} ${v} exceed the largest node's allocatable ${largest[k] ?? 0}`);
}

const unscheduled = (pod: KubeObject, ctx: DiagnoseContext) =>
  phase(pod) === 'Pending' &&
  (condition(pod, 'PodScheduled')?.status === 'False' ||
    (ctx.symptoms.get(nodeId(refOfObject(pod)))?.detail ?? '').startsWith('not scheduled'));

export const unschedulableAnalyzer: Analyzer = {
  category: 'Unschedulable',
  analyze(world, ctx) {
    return groupByWorkload(
      ctx,
      ctx.troubledPods.filter((p) => unscheduled(p, ctx)),
    ).map(({ workload, pods }): Hypothesis => {
      const evidence: Weighed[] = [];
      const reasons = new Set<string>();
      for (const pod of pods) {
        const ref = refOfObject(pod);
        const cond = condition(pod, 'PodScheduled');
        for (const r of schedulerReasons(cond?.message ?? '')) reasons.add(r.replace(/^\d+\s+/, ''));
        if (cond?.status === 'False')
          evidence.push(
            support(cond.reason === 'Unschedulable' ? WEIGHT.decisive : WEIGHT.strong, {
              kind: 'status',
              ref,
              detail: `PodScheduled=False ${cond.reason ?? ''}: ${cond.message ?? ''}`,
              time: cond.lastTransitionTime,
            }),
          );
        for (const ev of recentEvents(world, ctx, ref, (e) => e.reason === 'FailedScheduling')) {
          evidence.push(
            support(cond?.status === 'False' ? WEIGHT.moderate : WEIGHT.strong, eventEvidence(ref, ev)),
          );
          for (const r of schedulerReasons(ev.message)) reasons.add(r.replace(/^\d+\s+/, ''));
        }
        for (const detail of oversized(world, pod))
          evidence.push(support(WEIGHT.strong, { kind: 'spec', ref, detail }));
      }
      const { severity, ready, total } = impact(world, workload);
      const why = reasons.size ? [...reasons].join('; ') : 'no node fits';
      return {
        category: 'Unschedulable',
        subject: workload,
        rootCause: workload,
        summary: `${describe(workload)} cannot be scheduled (${why}): ${plural(pods.length, 'pod')} Pending, ${ready}/${total} ready`,
        severity,
        observed: observedObjects(ctx, pods),
        evidence,
        explains: podIds(pods),
        via: podIds(pods),
      };
    });
  },
};
