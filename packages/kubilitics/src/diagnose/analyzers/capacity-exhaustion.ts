// CapacityExhaustion: a least-squares forecast (analytics) says memory, CPU or disk runs out within
// 24 h. Rooted at what runs out: the workload (a pod's container), the PersistentVolumeClaim or
// the Node; the finding carries timeToExhaustionSeconds.
import {
  forecastAll,
  formatDuration,
  limitsFromObjects,
  type CapacityWarning,
} from '../../analytics/forecast.ts';
import type { ObjectRef, World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import { support } from '../evidence.ts';
import { describe } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Severity } from '../types.ts';

const HOUR = 3600;

function rootOf(world: World, ctx: DiagnoseContext, ref: ObjectRef): ObjectRef {
  if (ref.kind !== 'Pod') return ref;
  const pod = world.get(ref);
  return pod ? ctx.workloadOf(pod) : world.graph.topOwner(ref);
}

/** Within the hour is as bad as down (high); within 6 h medium; within the 24 h horizon low. */
function severity(seconds: number): Severity {
  return seconds < HOUR ? 'high' : seconds < 6 * HOUR ? 'medium' : 'low';
}

function hypothesis(world: World, ctx: DiagnoseContext, w: CapacityWarning & { ref: ObjectRef }): Hypothesis {
  const root = rootOf(world, ctx, w.ref);
  const r2 = w.fit?.r2 ?? 1;
  const evidence = [
    support(w.secondsToExhaustion === 0 ? WEIGHT.decisive : 0.5 + 0.3 * r2, {
      kind: 'metric',
      ref: w.ref,
      detail: w.summary,
    }),
  ];
  if (w.fit && w.fit.n >= 10)
    evidence.push(
      support(WEIGHT.weak, {
        kind: 'metric',
        ref: w.ref,
        detail: `${w.metric}: ${w.fit.n} samples over ${w.window}, r²=${w.fit.r2.toFixed(2)}`,
      }),
    );
  const when =
    w.secondsToExhaustion === 0 ? 'is exhausted now' : `runs out in ${formatDuration(w.secondsToExhaustion)}`;
  return {
    category: 'CapacityExhaustion',
    subject: root,
    rootCause: root,
    summary: `${w.resource} of ${describe(w.ref)}${w.container ? ` container ${w.container}` : ''} ${when} (${w.metric}, ${w.window} trend)`,
    severity: severity(w.secondsToExhaustion),
    observed: [
      `${w.metric}${w.container ? ` of container ${w.container}` : ''} of ${describe(w.ref)}: ${w.summary}`,
    ],
    evidence,
    explains: [],
    via: [],
    timeToExhaustionSeconds: Math.round(w.secondsToExhaustion),
  };
}

export const capacityExhaustionAnalyzer: Analyzer = {
  category: 'CapacityExhaustion',
  analyze(world, ctx) {
    if (!world.metrics.length) return [];
    const { warnings } = forecastAll(
      world.metrics,
      limitsFromObjects(world.objects()),
      ctx.now.getTime() / 1000,
    );
    return warnings
      .filter((w): w is CapacityWarning & { ref: ObjectRef } => w.kind === 'exhaustion' && !!w.ref)
      .map((w) => hypothesis(world, ctx, w));
  },
};
