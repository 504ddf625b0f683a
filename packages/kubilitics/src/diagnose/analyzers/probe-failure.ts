// ProbeFailure: the kubelet's readiness, liveness or startup probe fails, so pods are taken out
// of their Services or restarted. Rooted at the workload whose probe (or application) fails.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  contradict,
  eventEvidence,
  groupByWorkload,
  impact,
  observedObjects,
  plural,
  podIds,
  recentEvents,
  support,
} from '../evidence.ts';
import { condition, describe, podContainers, type EventView } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

const PROBE_FAILED = /^(Readiness|Liveness|Startup) probe (failed|errored)/;
const isProbeEvent = (e: EventView) =>
  (e.reason === 'Unhealthy' && PROBE_FAILED.test(e.message)) ||
  (e.reason === 'Killing' && /failed (liveness|startup) probe/.test(e.message));

const hasReadinessProbe = (pod: KubeObject) => podContainers(pod).some((c) => c.readinessProbe);

/** A pod that is running but not ready (as opposed to waiting, pending or crashed). */
const runningUnready = (ctx: DiagnoseContext, pod: KubeObject) =>
  (ctx.symptoms.get(nodeId(refOfObject(pod)))?.detail ?? '').startsWith('not ready');

export const probeFailureAnalyzer: Analyzer = {
  category: 'ProbeFailure',
  analyze(world, ctx) {
    const candidates = ctx.troubledPods.filter(
      (p) => runningUnready(ctx, p) || world.eventsFor(refOfObject(p)).length > 0,
    );
    const hypotheses: Hypothesis[] = [];
    for (const { workload, pods } of groupByWorkload(ctx, candidates)) {
      const evidence: Weighed[] = [];
      const kinds = new Set<string>();
      const probing: KubeObject[] = [];
      const eventsOf = new Map(pods.map((p) => [p, recentEvents(world, ctx, refOfObject(p), isProbeEvent)]));
      const anyProbeEvent = [...eventsOf.values()].some((evs) => evs.length);
      for (const pod of pods) {
        const ref = refOfObject(pod);
        const events = eventsOf.get(pod) ?? [];
        for (const ev of events) {
          kinds.add(/^(\w+)/.exec(ev.message)?.[1]?.toLowerCase() ?? 'liveness');
          evidence.push(
            support(ev.reason === 'Unhealthy' ? WEIGHT.strong : WEIGHT.moderate, eventEvidence(ref, ev)),
          );
        }
        if (events.length) probing.push(pod);
        else if (runningUnready(ctx, pod) && hasReadinessProbe(pod)) {
          probing.push(pod);
          const detail = `Ready=False (${condition(pod, 'Ready')?.message ?? ''}) and it has a readiness probe`;
          evidence.push(support(WEIGHT.weak, { kind: 'status', ref, detail }));
          // Not ready with a readiness probe, yet no probe failure on record anywhere: the probe is not why.
          if (!anyProbeEvent)
            evidence.push(
              contradict(WEIGHT.strong, {
                kind: 'event',
                ref,
                detail: 'no probe failure recorded within the window',
              }),
            );
        }
      }
      if (!probing.length) continue;
      const { severity, ready, total } = impact(world, workload);
      const failing = [...kinds].join('/') || 'readiness';
      const last = evidence
        .find((e) => e.supports && e.item.kind === 'event')
        ?.item.detail.replace(/^Warning \w+( \(x\d+\))?: /, '');
      hypotheses.push({
        category: 'ProbeFailure',
        subject: workload,
        rootCause: workload,
        summary: `${describe(workload)}: ${failing} probe fails${last ? ` (${last})` : ''} on ${plural(probing.length, 'pod')}; ${ready}/${total} pods ready`,
        severity,
        observed: observedObjects(ctx, probing),
        evidence,
        explains: podIds(probing),
        via: podIds(probing),
      });
    }
    return hypotheses;
  },
};
