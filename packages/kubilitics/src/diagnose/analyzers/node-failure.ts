// NodeFailure: a Node is NotReady (or under memory/disk/PID pressure) and the failing pods on it
// are its victims. One finding rooted at the Node replaces one per pod or per workload.
import type { KubeObject } from '@industriverse/kube';
import { correlateFailures } from '../../analytics/patterns.ts';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, refOf, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  contradict,
  eventEvidence,
  observedObjects,
  plural,
  podIds,
  podsOf,
  recentEvents,
  support,
} from '../evidence.ts';
import {
  condition,
  conditions,
  containerStatuses,
  describe,
  nodeName,
  phase,
  podReady,
  specOf,
  statusOf,
} from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

const PRESSURE = new Set(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']);
const NODE_TAINTS =
  /^node\.kubernetes\.io\/(unreachable|not-ready|memory-pressure|disk-pressure|pid-pressure|network-unavailable)$/;

function podsOn(world: World, node: KubeObject): KubeObject[] {
  return world.graph
    .incoming(nodeId(refOfObject(node)), ['runs-on'])
    .flatMap((e) => world.get(refOf(e.from)) ?? []);
}

function hypothesis(world: World, ctx: DiagnoseContext, node: KubeObject): Hypothesis | undefined {
  const ref = refOfObject(node);
  const id = nodeId(ref);
  if (!ctx.symptoms.has(id)) return undefined;
  const evidence: Weighed[] = [];
  const ready = condition(node, 'Ready');
  const notReady = ready && ready.status !== 'True';
  if (notReady)
    evidence.push(
      support(WEIGHT.decisive, {
        kind: 'status',
        ref,
        detail: `Ready=${ready.status} since ${ready.lastTransitionTime ?? '?'} (${ready.reason ?? ''}: ${ready.message ?? ''})`,
        time: ready.lastTransitionTime,
      }),
    );
  const pressures = conditions(node).filter((c) => PRESSURE.has(c.type) && c.status === 'True');
  for (const c of pressures)
    evidence.push(
      support(WEIGHT.strong, {
        kind: 'status',
        ref,
        detail: `${c.type}=True (${c.reason ?? ''}: ${c.message ?? ''})`,
        time: c.lastTransitionTime,
      }),
    );
  const taints = ((specOf(node).taints as { key: string; effect: string }[] | undefined) ?? []).filter((t) =>
    NODE_TAINTS.test(t.key),
  );
  if (taints.length)
    evidence.push(
      support(WEIGHT.moderate, {
        kind: 'spec',
        ref,
        detail: `tainted ${taints.map((t) => `${t.key}:${t.effect}`).join(', ')}`,
      }),
    );
  for (const ev of recentEvents(world, ctx, ref, (e) =>
    /NodeNotReady|NodeHasInsufficient|Pressure|EvictionThreshold|Rebooted/.test(e.reason),
  ))
    evidence.push(support(WEIGHT.weak, eventEvidence(ref, ev)));

  // A NotReady node takes every failing pod on it down; pressure only explains the pods it evicted.
  const victims = podsOn(world, node).filter(
    (p) => ctx.symptoms.has(nodeId(refOfObject(p))) && (notReady || statusOf(p).reason === 'Evicted'),
  );
  const workloads = new Set(victims.map((p) => nodeId(ctx.workloadOf(p))));
  if (victims.length)
    evidence.push(
      support(WEIGHT.moderate, {
        kind: 'status',
        ref,
        detail: `${plural(victims.length, 'failing pod')} of ${plural(workloads.size, 'workload')} run on it: ${victims
          .slice(0, 10)
          .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
          .join(', ')}${victims.length > 10 ? ', …' : ''}`,
      }),
    );
  const state = notReady
    ? `NotReady (${ready.reason ?? ready.status})`
    : pressures.map((c) => c.type).join(', ');
  return {
    category: 'NodeFailure',
    subject: ref,
    rootCause: ref,
    summary: `${describe(ref)} is ${state}; ${plural(victims.length, 'failing pod')} of ${plural(workloads.size, 'workload')} on it`,
    severity: notReady || victims.length ? 'critical' : 'high',
    observed: observedObjects(ctx, [node, ...victims.slice(0, 10)]),
    evidence,
    explains: [id, ...victims.map((p) => nodeId(refOfObject(p)))],
    via: [],
  };
}

/** Failures a node cannot cause: a bad image, a missing ConfigMap, a pod not yet placed. */
const NOT_NODE_CAUSED = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
]);
const nodeCaused = (pod: KubeObject) =>
  phase(pod) !== 'Pending' &&
  !containerStatuses(pod).some((c) => NOT_NODE_CAUSED.has(c.state?.waiting?.reason ?? ''));

/** Workloads whose pods fail on several nodes cannot blame one of them. */
const MIN_WORKLOADS = 3;

/**
 * The lowest common ancestor of failing pods (seed §5.1.4) when their Node still reports Ready:
 * pods of at least MIN_WORKLOADS workloads fail on one node while the same workloads have ready
 * pods elsewhere. Without that contrast a shared node is a coincidence, not a cause.
 */
function sharedNode(world: World, ctx: DiagnoseContext): Hypothesis[] {
  const failing = ctx.troubledPods.filter(
    (p) => nodeName(p) && !ctx.failedNodes.has(nodeName(p)!) && nodeCaused(p),
  );
  const candidates = correlateFailures(failing.map(refOfObject), world.graph, {
    minSupport: 0,
    maxDepth: 1,
  }).filter((c) => c.ref.kind === 'Node' && c.workloads >= MIN_WORKLOADS);
  return candidates.flatMap((c): Hypothesis[] => {
    const node = c.ref.name;
    const pods = c.members.flatMap((m) => world.get(m) ?? []);
    const workloads = new Map(pods.map((p) => [nodeId(ctx.workloadOf(p)), ctx.workloadOf(p)]));
    const elsewhere = [...workloads.values()].filter((w) =>
      podsOf(world, w).some((p) => nodeName(p) !== node && podReady(p)),
    );
    if (elsewhere.length < MIN_WORKLOADS) return [];
    const evidence: Weighed[] = [
      support(WEIGHT.strong, {
        kind: 'status',
        ref: c.ref,
        detail: `${plural(c.count, 'failing pod')} of ${plural(workloads.size, 'workload')} share it; ${Math.round(c.precision * 100)}% of its pods are failing`,
      }),
      support(WEIGHT.moderate, {
        kind: 'status',
        detail: `${elsewhere.map(describe).join(', ')} run ready pods on other nodes`,
      }),
      contradict(WEIGHT.weak, { kind: 'status', ref: c.ref, detail: 'the node reports Ready' }),
    ];
    return [
      {
        category: 'NodeFailure',
        subject: c.ref,
        rootCause: c.ref,
        summary: `${describe(c.ref)} reports Ready, but ${plural(c.count, 'pod')} of ${plural(workloads.size, 'workload')} fail only there`,
        severity: 'critical',
        observed: observedObjects(ctx, pods.slice(0, 10)),
        evidence,
        explains: podIds(pods),
        via: [],
      },
    ];
  });
}

export const nodeFailureAnalyzer: Analyzer = {
  category: 'NodeFailure',
  analyze(world, ctx) {
    return [
      ...world.objects('Node').flatMap((n) => hypothesis(world, ctx, n) ?? []),
      ...sharedNode(world, ctx),
    ];
  },
};
