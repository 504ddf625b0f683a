// "If I delete this, what breaks?" answered from the graph, before anything is touched: the pods an
// action disrupts, the workloads they belong to, the Services left with fewer (or no) ready
// endpoints, the PodDisruptionBudgets the disruption exceeds, and everything that depends on the
// target (the reverse traversal of the graph: its blast radius).
import type { KubeObject } from '@industriverse/kube';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { podReady } from '../diagnose/k8s.ts';
import { nodeId, refOf, type NodeId, type ObjectRef, type World } from '../model/types.ts';
import type { Responder } from './budget.ts';
import { describeRef, parseRef, resolve } from './kinds.ts';
import type { IMPACT_ACTIONS, Inputs } from './schemas.ts';

type Action = (typeof IMPACT_ACTIONS)[number];

const WORKLOADS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);
const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
const SAMPLE = 20;

/** Which targets each action applies to (undefined: any). */
const APPLIES: Record<Action, ((kind: string) => boolean) | undefined> = {
  delete: undefined,
  restart: (k) => k === 'Pod' || k === 'Node' || WORKLOADS.has(k),
  'scale-down': (k) => SCALABLE.has(k),
  drain: (k) => k === 'Node',
  cordon: (k) => k === 'Node',
};

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Pods owned by `id`, transitively (Deployment -> ReplicaSets -> Pods). */
function ownedPods(world: World, id: NodeId): NodeId[] {
  const seen = new Set<NodeId>([id]);
  const queue = [id];
  const pods: NodeId[] = [];
  while (queue.length) {
    for (const e of world.graph.outgoing(queue.shift()!, ['owns'])) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      if (refOf(e.to).kind === 'Pod') pods.push(e.to);
      else queue.push(e.to);
    }
  }
  return pods;
}

const podsOnNode = (world: World, node: NodeId) => world.graph.incoming(node, ['runs-on']).map((e) => e.from);

/** Pods using a ConfigMap, Secret, PVC or ServiceAccount (directly, by the edges of the pod spec). */
const podsUsing = (world: World, id: NodeId) =>
  world.graph
    .incoming(id, ['uses-config', 'uses-secret', 'claims', 'service-account'])
    .map((e) => e.from)
    .filter((f) => refOf(f).kind === 'Pod');

function isDaemonPod(world: World, pod: NodeId): boolean {
  return world.graph.incoming(pod, ['owns']).some((e) => refOf(e.from).kind === 'DaemonSet');
}

/** The pods an action takes down, and whether they come back by themselves. */
function disruptedPods(
  world: World,
  action: Action,
  ref: ObjectRef,
  object: KubeObject,
  replicas: number,
  notes: string[],
): { pods: NodeId[]; transient: boolean } {
  const id = nodeId(ref);
  if (action === 'cordon') {
    notes.push(`pods already on ${ref.name} keep running; no new pod will be scheduled there`);
    return { pods: [], transient: true };
  }
  if (action === 'drain') {
    const all = podsOnNode(world, id);
    const daemon = all.filter((p) => isDaemonPod(world, p));
    if (daemon.length) notes.push(`${daemon.length} DaemonSet pods stay (drain ignores them)`);
    return { pods: all.filter((p) => !isDaemonPod(world, p)), transient: true };
  }
  if (action === 'scale-down') {
    const pods = ownedPods(world, id)
      .map((p) => ({ id: p, obj: world.get(refOf(p)) }))
      // The controller removes not-ready and newest pods first (StatefulSets: highest ordinal first).
      .sort(
        (a, b) =>
          Number(a.obj ? podReady(a.obj) : false) - Number(b.obj ? podReady(b.obj) : false) ||
          (b.obj?.metadata.creationTimestamp ?? '').localeCompare(a.obj?.metadata.creationTimestamp ?? '') ||
          b.id.localeCompare(a.id, 'en', { numeric: true }),
      );
    const current = num((object.spec as { replicas?: unknown } | undefined)?.replicas) ?? pods.length;
    if (replicas >= current)
      notes.push(`${describeRef(ref)} already runs ${current} replicas: nothing to scale down`);
    return { pods: pods.slice(0, Math.max(0, current - replicas)).map((p) => p.id), transient: false };
  }
  // delete / restart
  if (ref.kind === 'Pod') {
    const owned = world.graph.incoming(id, ['owns']).length > 0;
    if (!owned) notes.push(`${describeRef(ref)} has no controller: once gone, nothing recreates it`);
    return { pods: [id], transient: owned };
  }
  if (ref.kind === 'Node') return { pods: podsOnNode(world, id), transient: true };
  if (ref.kind === 'Namespace')
    return { pods: world.objects('Pod', ref.name).map((p) => nodeId(refOfPod(p))), transient: false };
  if (WORKLOADS.has(ref.kind)) {
    const pods = ownedPods(world, id);
    if (action === 'restart') {
      const strategy = (object.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type;
      const rolling = strategy !== 'Recreate' && pods.length > 1;
      notes.push(
        rolling
          ? 'a rolling restart replaces pods a few at a time: capacity dips, endpoints stay'
          : 'every pod restarts at once (a single replica or the Recreate strategy): expect an outage',
      );
      return { pods: rolling ? pods.slice(0, 1) : pods, transient: true };
    }
    return { pods, transient: false };
  }
  if (['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'ServiceAccount'].includes(ref.kind)) {
    const users = podsUsing(world, id);
    if (users.length)
      notes.push(
        ref.kind === 'PersistentVolumeClaim'
          ? 'a claim in use is kept until its pods are gone (pvc-protection); their replacements cannot start'
          : `${users.length} pods use it: they keep running, but a restarted or new pod fails to start`,
      );
    return { pods: [], transient: false };
  }
  return { pods: [], transient: false };
}

const refOfPod = (p: KubeObject): ObjectRef => ({
  kind: 'Pod',
  namespace: p.metadata.namespace ?? '',
  name: p.metadata.name ?? '',
});

/** minAvailable / maxUnavailable as a count of `total` (percentages round up as the API server does). */
function budgetCount(v: unknown, total: number): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  return undefined;
}

export function simulateImpact(
  world: World,
  out: Responder,
  args: Inputs['simulate_impact'],
): CallToolResult {
  const { ref, object } = resolve(parseRef(args.resource, world), world);
  const action = args.action;
  const applies = APPLIES[action];
  if (applies && !applies(ref.kind)) throw new Error(`${action} does not apply to a ${ref.kind}`);
  const notes: string[] = [];
  const { pods, transient } = disruptedPods(world, action, ref, object, args.replicas ?? 0, notes);
  const disrupted = new Set(pods);
  const readyPod = (p: NodeId) => {
    const o = world.get(refOf(p));
    return o ? podReady(o) : false;
  };

  const workloads = new Set<string>();
  for (const p of pods) workloads.add(describeRef(world.graph.topOwner(refOf(p))));
  if (WORKLOADS.has(ref.kind)) workloads.add(describeRef(world.graph.topOwner(ref)));

  // Selectors (Services, PDBs) of the disrupted pods; a deleted Service loses every endpoint itself.
  const selectors = new Set<NodeId>();
  for (const p of pods) for (const e of world.graph.incoming(p, ['selects'])) selectors.add(e.from);
  const services: Record<string, unknown>[] = [];
  const pdbs: Record<string, unknown>[] = [];
  const brokenServices: NodeId[] = [];
  const serviceIds = [...selectors].filter((s) => refOf(s).kind === 'Service');
  if (ref.kind === 'Service' && action === 'delete') serviceIds.push(nodeId(ref));
  for (const s of sorted(serviceIds)) {
    const members = world.graph.outgoing(s, ['selects']).map((e) => e.to);
    const before = members.filter(readyPod).length;
    const after = s === nodeId(ref) ? 0 : members.filter((m) => readyPod(m) && !disrupted.has(m)).length;
    if (after >= before) continue;
    services.push({
      service: describeRef(refOf(s)),
      ready_endpoints_before: before,
      ready_endpoints_after: after,
      loses_all: after === 0,
    });
    if (after === 0) brokenServices.push(s);
  }
  for (const b of sorted([...selectors].filter((s) => refOf(s).kind === 'PodDisruptionBudget'))) {
    const pdb = world.get(refOf(b));
    if (!pdb) continue;
    const members = world.graph.outgoing(b, ['selects']).map((e) => e.to);
    const status = (pdb.status ?? {}) as {
      currentHealthy?: unknown;
      desiredHealthy?: unknown;
      disruptionsAllowed?: unknown;
    };
    const spec = (pdb.spec ?? {}) as { minAvailable?: unknown; maxUnavailable?: unknown };
    const healthy = num(status.currentHealthy) ?? members.filter(readyPod).length;
    const max = budgetCount(spec.maxUnavailable, members.length);
    const desired =
      num(status.desiredHealthy) ??
      budgetCount(spec.minAvailable, members.length) ??
      (max !== undefined ? members.length - max : 0);
    const allowed = num(status.disruptionsAllowed) ?? Math.max(0, healthy - desired);
    const taken = members.filter((m) => disrupted.has(m) && readyPod(m)).length;
    if (taken > allowed)
      pdbs.push({
        pdb: describeRef(refOf(b)),
        disruptions_allowed: allowed,
        disruptions: taken,
        ...(action === 'drain' ? { blocks_drain: true } : {}),
      });
  }
  if (action === 'drain' && pdbs.length)
    notes.push('the drain stops at the first eviction a PodDisruptionBudget refuses');
  if (action === 'scale-down') {
    const hpa = world.graph.incoming(nodeId(ref), ['scales'])[0];
    if (hpa) notes.push(`${describeRef(refOf(hpa.from))} manages these replicas and will scale them back`);
  }

  // Everything that depends on the target, plus what routes to the Services it empties.
  const dependents = new Set(world.graph.blastRadius(nodeId(ref)));
  if (ref.kind === 'Namespace' && action === 'delete')
    for (const o of world.objects(undefined, ref.name))
      if (o.kind !== 'Event')
        dependents.add(nodeId({ kind: o.kind, namespace: ref.name, name: o.metadata.name ?? '' }));
  for (const s of brokenServices)
    for (const e of world.graph.incoming(s, ['routes-to'])) {
      dependents.add(e.from);
      notes.push(
        `${describeRef(refOf(e.from))} routes to ${describeRef(refOf(s))}, which would have no ready endpoint`,
      );
    }
  dependents.delete(nodeId(ref));
  const byKind: Record<string, number> = {};
  for (const d of dependents) byKind[refOf(d).kind] = (byKind[refOf(d).kind] ?? 0) + 1;

  const risk =
    brokenServices.length || pdbs.length || (!transient && pods.length)
      ? 'high'
      : pods.length || dependents.size
        ? transient
          ? 'low'
          : 'medium'
        : 'none';
  const summary =
    `${action} ${describeRef(ref)}: ${pods.length} pods disrupted${transient && pods.length ? ' (recreated by their controllers)' : ''}, ` +
    `${workloads.size} workloads affected, ${brokenServices.length} Services left without endpoints, ` +
    `${pdbs.length} PodDisruptionBudgets exceeded, ${dependents.size} dependent resources`;
  return out.json(
    {
      action,
      resource: ref,
      risk,
      summary,
      affected_pods: {
        total: pods.length,
        sample: sorted(pods)
          .slice(0, SAMPLE)
          .map((p) => describeRef(refOf(p))),
      },
      affected_workloads: sorted(workloads).slice(0, 100),
      services_losing_endpoints: services.slice(0, 100),
      pdb_violations: pdbs.slice(0, 100),
      dependents: {
        total: dependents.size,
        by_kind: Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => a.localeCompare(b))),
        sample: sorted(dependents)
          .slice(0, SAMPLE)
          .map((d) => describeRef(refOf(d))),
      },
      notes,
    },
    'Simulate on a narrower resource (one workload or pod instead of a node or namespace).',
  );
}
