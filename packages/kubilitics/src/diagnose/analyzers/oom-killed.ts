// OOMKilled: a container was killed by the kernel for exceeding its memory limit within the window.
// Rooted at the workload: the limit (or the leak) lives in its pod template.
import type { KubeObject } from '@industriverse/kube';
import { quantityValue } from '@industriverse/kube/quantity';
import { refOfObject } from '../../graph/edges.ts';
import type { World } from '../../model/types.ts';
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
import { containerStatuses, describe, podContainers, type ContainerStatus } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

/**
 * The container statuses of a pod OOMKilled within the window (now, or as their last state). A
 * kill with no time on record counts while the container still suffers (not ready, or restarting).
 */
export function oomKilled(pod: KubeObject, ctx: DiagnoseContext): ContainerStatus[] {
  return containerStatuses(pod).filter((c) =>
    [c.state?.terminated, c.lastState?.terminated].some((t) => {
      if (t?.reason !== 'OOMKilled') return false;
      const at = t.finishedAt ?? t.startedAt;
      return at ? ctx.recent(at) : !c.ready || (c.restartCount ?? 0) > 1;
    }),
  );
}

function memoryLimit(pod: KubeObject, container: string): string | undefined {
  const c = podContainers(pod).find((x) => x.name === container);
  const limits = (c?.resources as { limits?: Record<string, string> } | undefined)?.limits;
  return limits?.memory;
}

/** The peak working set of a container in the metrics, as a fraction of its limit. */
function peakOfLimit(
  world: World,
  pod: KubeObject,
  container: string,
  limit: string | undefined,
): number | undefined {
  const bytes = quantityValue(limit);
  if (!bytes) return undefined;
  let peak: number | undefined;
  for (const s of world.metrics) {
    const m = s.metric;
    if (m.__name__ !== 'container_memory_working_set_bytes') continue;
    if (m.namespace !== pod.metadata.namespace || m.pod !== pod.metadata.name || m.container !== container)
      continue;
    for (const [, v] of s.values) peak = Math.max(peak ?? 0, Number(v));
  }
  return peak === undefined ? undefined : peak / bytes;
}

export const oomKilledAnalyzer: Analyzer = {
  category: 'OOMKilled',
  analyze(world, ctx) {
    const oomPods = ctx.troubledPods.filter((p) => oomKilled(p, ctx).length);
    return groupByWorkload(ctx, oomPods).map(({ workload, pods }): Hypothesis => {
      const evidence: Weighed[] = [];
      const containers = new Set<string>();
      let restarts = 0;
      for (const pod of pods) {
        const ref = refOfObject(pod);
        for (const c of oomKilled(pod, ctx)) {
          containers.add(c.name);
          restarts += c.restartCount ?? 0;
          const t =
            c.state?.terminated?.reason === 'OOMKilled' ? c.state.terminated : c.lastState?.terminated;
          evidence.push(
            support(WEIGHT.decisive, {
              kind: 'status',
              ref,
              detail: `container ${c.name} terminated: OOMKilled (exit code ${t?.exitCode ?? 137}), restartCount ${c.restartCount ?? 0}`,
              time: t?.finishedAt,
            }),
          );
          const limit = memoryLimit(pod, c.name);
          if (limit)
            evidence.push(
              support(WEIGHT.weak, {
                kind: 'spec',
                ref,
                detail: `container ${c.name} limits.memory ${limit}`,
              }),
            );
          const peak = peakOfLimit(world, pod, c.name, limit);
          if (peak !== undefined && peak >= 0.9)
            evidence.push(
              support(WEIGHT.moderate, {
                kind: 'metric',
                ref,
                detail: `container_memory_working_set_bytes of ${c.name} peaked at ${Math.round(peak * 100)}% of its limit`,
              }),
            );
        }
        for (const ev of recentEvents(
          world,
          ctx,
          ref,
          (e) => e.reason === 'BackOff' || e.reason === 'OOMKilling',
        ))
          evidence.push(support(WEIGHT.weak, eventEvidence(ref, ev)));
      }
      const names = [...containers].join(', ');
      const { severity, ready, total } = impact(world, workload);
      return {
        category: 'OOMKilled',
        subject: workload,
        rootCause: workload,
        summary: `${describe(workload)}: container ${names} ran out of memory (OOMKilled) in ${plural(pods.length, 'pod')}, ${plural(restarts, 'restart')}; ${ready}/${total} pods ready`,
        severity,
        observed: observedObjects(ctx, pods),
        evidence,
        explains: podIds(pods),
        via: podIds(pods),
      };
    });
  },
};
