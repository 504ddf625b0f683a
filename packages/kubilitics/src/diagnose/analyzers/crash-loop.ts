// CrashLoop: containers that keep exiting (CrashLoopBackOff, repeated restarts, or a Job's pods
// failing until its backoff limit). Rooted at the workload, or at the ConfigMap/Secret it uses when
// that changed within the window before the crashes began: the change is then the cause.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, type Change, type ObjectRef, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  eventEvidence,
  groupByWorkload,
  impact,
  observedObjects,
  logLines,
  plural,
  podIds,
  recentEvents,
  support,
} from '../evidence.ts';
import {
  condition,
  configUses,
  containerStatuses,
  describe,
  eventView,
  ms,
  phase,
  statusOf,
  type ContainerStatus,
} from '../k8s.ts';
import { RESTART_THRESHOLD } from '../symptoms.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';
import { oomKilled } from './oom-killed.ts';

const ERROR_LINE = /\b(error|fatal|panic|exception|failed|cannot|unable)\b/i;

/** The crashing containers of a pod; OOM kills belong to the OOMKilled analyzer, evictions to their node. */
function crashing(pod: KubeObject, ctx: DiagnoseContext): ContainerStatus[] {
  if (oomKilled(pod, ctx).length || statusOf(pod).reason === 'Evicted') return [];
  return containerStatuses(pod).filter((c) => {
    if (c.state?.waiting?.reason === 'CrashLoopBackOff') return true;
    const last = c.lastState?.terminated ?? c.state?.terminated;
    if (!last || last.reason === 'Completed' || !ctx.recent(last.finishedAt)) return false;
    return (c.restartCount ?? 0) >= RESTART_THRESHOLD || phase(pod) === 'Failed';
  });
}

/** When the crashes began: the first BackOff event, else the earliest recorded termination. */
function onset(world: World, pods: KubeObject[]): number | undefined {
  const times: number[] = [];
  for (const pod of pods) {
    for (const ev of world.eventsFor(refOfObject(pod)).map(eventView)) {
      const t = ev.reason === 'BackOff' ? ms(ev.first) : undefined;
      if (t !== undefined) times.push(t);
    }
    for (const c of containerStatuses(pod)) {
      const t = ms((c.lastState?.terminated ?? c.state?.terminated)?.finishedAt);
      if (t !== undefined) times.push(t);
    }
  }
  return times.length ? Math.min(...times) : undefined;
}

/** The latest change to a ConfigMap or Secret the pods use, made within the window before the crashes began. */
function precedingConfigChange(
  world: World,
  ctx: DiagnoseContext,
  pods: KubeObject[],
): { ref: ObjectRef; change: Change; leadMs: number } | undefined {
  const began = onset(world, pods) ?? ctx.now.getTime();
  const since = new Date(began - ctx.windowMs);
  const seen = new Set<string>();
  let best: { ref: ObjectRef; change: Change; leadMs: number } | undefined;
  for (const pod of pods)
    for (const use of configUses(pod)) {
      const ref = { kind: use.kind, namespace: pod.metadata.namespace, name: use.name };
      const id = nodeId(ref);
      if (seen.has(id)) continue;
      seen.add(id);
      for (const change of world.changes({ ref, since, before: new Date(began + 1) })) {
        if (change.type !== 'MODIFIED' || !touchesContent(ref, change)) continue;
        const leadMs = began - Date.parse(change.time);
        if (!best || leadMs < best.leadMs) best = { ref, change, leadMs };
      }
    }
  return best;
}

/** The content paths a change touched; metadata bookkeeping (resourceVersion, managedFields) is not content. */
const contentOps = (change: Change) => change.diff.filter((op) => !op.path.startsWith('/metadata/'));

/**
 * Whether a change could alter what the pods read. Secret values never reach the world (redacted),
 * so any recorded change of a Secret counts, as does one whose previous state is unknown (an empty
 * diff); a ConfigMap change that touches only its metadata does not.
 */
const touchesContent = (ref: ObjectRef, change: Change) =>
  ref.kind === 'Secret' || !change.diff.length || contentOps(change).length > 0;

/** The changed paths, with ConfigMap values (never a Secret's). */
function describeDiff(ref: ObjectRef, change: Change): string {
  const ops = contentOps(change);
  if (ref.kind === 'Secret')
    return ops.length
      ? ops.map((op) => `${op.op} ${dotted(op.path)}`).join('; ')
      : 'its data changed (values are not kept)';
  return ops
    .slice(0, 5)
    .map(
      (op) =>
        `${op.op} ${dotted(op.path)}${op.value === undefined ? '' : ` = ${JSON.stringify(op.value).slice(0, 80)}`}`,
    )
    .join('; ');
}

const dotted = (path: string) => path.replace(/^\//, '').replaceAll('/', '.');

function jobFailure(world: World, ctx: DiagnoseContext, job: ObjectRef): Weighed | undefined {
  const j = world.get(job);
  const failed = j && condition(j, 'Failed');
  if (!failed || failed.status !== 'True' || !ctx.recent(failed.lastTransitionTime)) return undefined;
  return support(WEIGHT.strong, {
    kind: 'status',
    ref: job,
    detail: `Job condition Failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim(),
    time: failed.lastTransitionTime,
  });
}

export const crashLoopAnalyzer: Analyzer = {
  category: 'CrashLoop',
  analyze(world, ctx) {
    const failing = ctx.troubledPods.filter((p) => crashing(p, ctx).length);
    return groupByWorkload(ctx, failing).map(({ workload, pods }): Hypothesis => {
      const evidence: Weighed[] = [];
      let restarts = 0;
      for (const pod of pods) {
        const ref = refOfObject(pod);
        for (const c of crashing(pod, ctx)) {
          restarts += c.restartCount ?? 0;
          const last = c.lastState?.terminated ?? c.state?.terminated;
          const exit = last
            ? `last exit: ${last.reason ?? 'terminated'} (exit code ${last.exitCode ?? '?'})`
            : '';
          const waiting = c.state?.waiting;
          evidence.push(
            waiting?.reason === 'CrashLoopBackOff'
              ? support(WEIGHT.decisive, {
                  kind: 'status',
                  ref,
                  detail: `container ${c.name} waiting: CrashLoopBackOff (${waiting.message ?? ''}); restartCount ${c.restartCount ?? 0}; ${exit}`,
                })
              : support(WEIGHT.strong, {
                  kind: 'status',
                  ref,
                  detail: `container ${c.name} restarted ${c.restartCount ?? 0} times; ${exit}`,
                  time: last?.finishedAt,
                }),
          );
        }
        for (const ev of recentEvents(world, ctx, ref, (e) => e.reason === 'BackOff'))
          evidence.push(support(WEIGHT.moderate, eventEvidence(ref, ev)));
        for (const { container, line } of logLines(ctx, pod, ERROR_LINE).slice(-3))
          evidence.push(support(WEIGHT.weak, { kind: 'log', ref, detail: `${container}: ${line}` }));
      }
      const jobFailed = workload.kind === 'Job' ? jobFailure(world, ctx, workload) : undefined;
      if (jobFailed) evidence.push(jobFailed);
      const { severity, ready, total } = impact(world, workload);
      const observed = observedObjects(ctx, pods);
      const base = `${describe(workload)} is crash-looping: ${plural(pods.length, 'pod')}, ${plural(restarts, 'restart')}; ${ready}/${total} pods ready`;
      const explains = [...podIds(pods), nodeId(workload)];
      const changed = precedingConfigChange(world, ctx, pods);
      if (!changed)
        return {
          category: 'CrashLoop',
          subject: workload,
          rootCause: workload,
          summary: base,
          severity,
          observed,
          evidence,
          explains,
          via: podIds(pods),
        };
      const minutes = Math.round(changed.leadMs / 60_000);
      evidence.push(
        support(WEIGHT.strong, {
          kind: 'change',
          ref: changed.ref,
          detail: `${describe(changed.ref)} changed ${minutes} min before the crashes began: ${describeDiff(changed.ref, changed.change)}`,
          time: changed.change.time,
        }),
      );
      return {
        category: 'CrashLoop',
        subject: workload,
        rootCause: changed.ref,
        summary: `${base}; it crashes since ${describe(changed.ref)} changed at ${changed.change.time}`,
        severity,
        observed: [...observed, `${describe(changed.ref)} is used by the crashing pods`],
        evidence,
        explains,
        via: podIds(pods),
      };
    });
  },
};
