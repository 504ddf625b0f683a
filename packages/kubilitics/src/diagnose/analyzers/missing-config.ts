// MissingConfig: pods cannot start because a ConfigMap or Secret they need (or a key of it) does
// not exist. Rooted at the missing object, checked against the world, not only the kubelet's word.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../../graph/edges.ts';
import { nodeId, type NodeId, type ObjectRef, type World } from '../../model/types.ts';
import { WEIGHT } from '../confidence.ts';
import {
  contradict,
  eventEvidence,
  impact,
  observedObjects,
  plural,
  podIds,
  recentEvents,
  support,
} from '../evidence.ts';
import { condition, configUses, containerStatuses, describe, phase } from '../k8s.ts';
import type { Analyzer, DiagnoseContext, Hypothesis, Weighed } from '../types.ts';

interface Missing {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key?: string;
}

/** What the kubelet's messages say is missing (CreateContainerConfigError, FailedMount). */
export function parseMissing(message: string): Missing | undefined {
  let m = /couldn't find key (\S+) in (ConfigMap|Secret) [^/\s]+\/([^\s,;]+)/.exec(message);
  if (m) return { kind: m[2] as Missing['kind'], name: m[3]!, key: m[1]! };
  m = /\b(configmap|secret)s? "([^"]+)" not found/i.exec(message);
  if (m) return { kind: m[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name: m[2]! };
  return undefined;
}

function hasKey(obj: KubeObject, key: string): boolean {
  return ['data', 'binaryData', 'stringData'].some((f) =>
    Object.hasOwn((obj[f] as object | undefined) ?? {}, key),
  );
}

interface Candidate {
  ref: ObjectRef;
  keys: Set<string>;
  pods: Map<NodeId, KubeObject>;
  evidence: Weighed[];
}

export const missingConfigAnalyzer: Analyzer = {
  category: 'MissingConfig',
  analyze(world, ctx) {
    const found = new Map<NodeId, Candidate>();
    const note = (pod: KubeObject, missing: Missing, item: Weighed) => {
      const ref = { kind: missing.kind, namespace: pod.metadata.namespace, name: missing.name };
      const id = nodeId(ref);
      let c = found.get(id);
      if (!c) found.set(id, (c = { ref, keys: new Set(), pods: new Map(), evidence: [] }));
      if (missing.key) c.keys.add(missing.key);
      c.pods.set(nodeId(refOfObject(pod)), pod);
      c.evidence.push(item);
    };
    for (const pod of ctx.troubledPods) collect(world, ctx, pod, note);
    return [...found.values()].map((c) => hypothesis(world, ctx, c));
  },
};

function collect(
  world: World,
  ctx: DiagnoseContext,
  pod: KubeObject,
  note: (pod: KubeObject, missing: Missing, item: Weighed) => void,
): void {
  const ref = refOfObject(pod);
  for (const c of containerStatuses(pod)) {
    const w = c.state?.waiting;
    const missing = w?.reason === 'CreateContainerConfigError' ? parseMissing(w.message ?? '') : undefined;
    if (missing)
      note(
        pod,
        missing,
        support(WEIGHT.decisive, {
          kind: 'status',
          ref,
          detail: `container ${c.name} waiting: CreateContainerConfigError (${w?.message})`,
        }),
      );
  }
  for (const ev of recentEvents(
    world,
    ctx,
    ref,
    (e) => e.reason === 'FailedMount' || e.reason === 'Failed',
  )) {
    const missing = parseMissing(ev.message);
    if (missing) note(pod, missing, support(WEIGHT.strong, eventEvidence(ref, ev)));
  }
  // The spec alone is checked only for a pod stuck before its containers start: a snapshot may
  // leave out objects, and a pod that runs, crashes or waits for an image did get its config.
  if (!stuckBeforeStart(pod)) return;
  for (const use of configUses(pod)) {
    if (use.optional || INJECTED.has(use.name)) continue;
    const target = { kind: use.kind, namespace: pod.metadata.namespace, name: use.name };
    const obj = world.get(target);
    const missing: Missing | undefined = !obj
      ? { kind: use.kind, name: use.name }
      : use.key && !hasKey(obj, use.key)
        ? { kind: use.kind, name: use.name, key: use.key }
        : undefined;
    if (!missing) continue;
    const what = missing.key ? `key ${missing.key} of ${describe(target)}` : describe(target);
    note(
      pod,
      missing,
      support(WEIGHT.strong, { kind: 'spec', ref, detail: `${use.via} needs ${what}, which does not exist` }),
    );
  }
}

/** Objects the control plane puts in every namespace. */
const INJECTED = new Set(['kube-root-ca.crt']);

const START_BLOCKED = new Set(['ContainerCreating', 'CreateContainerConfigError']);

function stuckBeforeStart(pod: KubeObject): boolean {
  const statuses = containerStatuses(pod);
  return (
    phase(pod) === 'Pending' &&
    condition(pod, 'PodScheduled')?.status !== 'False' &&
    statuses.every(
      (c) => START_BLOCKED.has(c.state?.waiting?.reason ?? 'ContainerCreating') && !c.lastState?.terminated,
    )
  );
}

function hypothesis(world: World, ctx: DiagnoseContext, c: Candidate): Hypothesis {
  const obj = world.get(c.ref);
  const evidence = [...c.evidence];
  const missingKeys = [...c.keys].filter((k) => !obj || !hasKey(obj, k));
  // The kubelet may lag behind: a ConfigMap created since is no longer the problem.
  if (obj && !missingKeys.length)
    evidence.push(
      contradict(WEIGHT.decisive, {
        kind: 'status',
        ref: c.ref,
        detail: `${describe(c.ref)} exists now, with the keys the pods need`,
      }),
    );
  const pods = [...c.pods.values()];
  const workloads = [...new Map(pods.map((p) => [nodeId(ctx.workloadOf(p)), ctx.workloadOf(p)])).values()];
  const what = missingKeys.length
    ? `key ${missingKeys.join(', ')} is missing from ${describe(c.ref)}`
    : `${describe(c.ref)} does not exist`;
  return {
    category: 'MissingConfig',
    subject: workloads[0]!,
    rootCause: c.ref,
    summary: `${what}; ${workloads.map(describe).join(', ')} cannot start (${plural(pods.length, 'pod')} blocked)`,
    severity: impact(world, workloads[0]!).severity,
    observed: observedObjects(ctx, pods),
    evidence,
    explains: podIds(pods),
    via: [],
  };
}
