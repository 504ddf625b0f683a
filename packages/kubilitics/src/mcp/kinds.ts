// Resolving what a caller names: kinds as people type them ("pods", "deploy", "svc") and resources
// as "Kind/namespace/name" strings or {kind, namespace, name} objects.
import type { KubeObject } from '@industriverse/kube';
import type { ObjectRef, World } from '../model/types.ts';
import { podReady } from '../diagnose/k8s.ts';
import { CLUSTER_SCOPED_KINDS, refOfObject } from '../graph/edges.ts';

const SHORT_NAMES: Record<string, string> = {
  po: 'Pod',
  deploy: 'Deployment',
  svc: 'Service',
  ns: 'Namespace',
  no: 'Node',
  cm: 'ConfigMap',
  sts: 'StatefulSet',
  ds: 'DaemonSet',
  rs: 'ReplicaSet',
  cj: 'CronJob',
  ing: 'Ingress',
  pvc: 'PersistentVolumeClaim',
  pv: 'PersistentVolume',
  sc: 'StorageClass',
  hpa: 'HorizontalPodAutoscaler',
  pdb: 'PodDisruptionBudget',
  netpol: 'NetworkPolicy',
  sa: 'ServiceAccount',
  ep: 'Endpoints',
  ev: 'Event',
  quota: 'ResourceQuota',
  limits: 'LimitRange',
  crd: 'CustomResourceDefinition',
  pc: 'PriorityClass',
};

const BUILTIN_KINDS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Service',
  'Endpoints',
  'EndpointSlice',
  'Ingress',
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'ServiceAccount',
  'Event',
  'ResourceQuota',
  'LimitRange',
  'Role',
  'RoleBinding',
  ...CLUSTER_SCOPED_KINDS,
];

/** The kinds present in the world, sorted. */
export function kindsIn(world: World): string[] {
  return [...new Set(world.objects().map((o) => o.kind))].sort();
}

/**
 * The canonical kind for what a caller typed: exact, short name, singular or plural, any case,
 * matched against the built-in kinds and every kind the world holds (CRDs included).
 */
export function canonicalKind(input: string, world: World): string {
  const raw = input.trim();
  const short = SHORT_NAMES[raw.toLowerCase()];
  if (short) return short;
  const wanted = raw.toLowerCase();
  const named = (kind: string) => {
    const k = kind.toLowerCase();
    return wanted === k || wanted === `${k}s` || wanted === `${k}es` || wanted === k.replace(/y$/, 'ies');
  };
  // Built-ins first: scanning the world for its kinds costs a pass over every object.
  return BUILTIN_KINDS.find(named) ?? kindsIn(world).find(named) ?? raw;
}

export function isClusterScoped(kind: string, world: World): boolean {
  if (CLUSTER_SCOPED_KINDS.has(kind)) return true;
  const sample = world.objects(kind)[0];
  return sample !== undefined && !sample.metadata.namespace;
}

/** A resource as tools accept it: "Kind/namespace/name", "Kind/name" or an object. */
export type RefInput = string | { kind: string; name: string; namespace?: string | undefined };

/**
 * Parses a reference without looking anything up (`namespace` fills in when the reference has none);
 * throws a message fit for the caller on bad input.
 */
export function parseRef(input: RefInput, world: World, namespace?: string): ObjectRef {
  if (typeof input !== 'string') return withKind(input.kind, input.name, input.namespace ?? namespace, world);
  const parts = input.trim().split('/');
  if (parts.length === 3) return withKind(parts[0]!, parts[2]!, parts[1] || namespace, world);
  if (parts.length === 2) return withKind(parts[0]!, parts[1]!, namespace, world);
  throw new Error(`not a resource reference: "${input}" (write Kind/namespace/name, or Kind/name)`);
}

function withKind(kind: string, name: string, namespace: string | undefined, world: World): ObjectRef {
  if (!kind || !name) throw new Error('a resource reference needs a kind and a name');
  const k = canonicalKind(kind, world);
  return namespace && !isClusterScoped(k, world) ? { kind: k, namespace, name } : { kind: k, name };
}

/**
 * The object a reference names. A namespaced reference without a namespace is resolved when exactly
 * one namespace holds that name; otherwise the error lists the candidates.
 */
export function resolve(ref: ObjectRef, world: World): { ref: ObjectRef; object: KubeObject } {
  const direct = world.get(ref);
  if (direct) return { ref: refOfObject(direct), object: direct };
  if (!ref.namespace && !isClusterScoped(ref.kind, world)) {
    const matches = world.objects(ref.kind).filter((o) => o.metadata.name === ref.name);
    if (matches.length === 1) return { ref: refOfObject(matches[0]!), object: matches[0]! };
    if (matches.length > 1) {
      const namespaces = matches.map((o) => o.metadata.namespace).sort();
      throw new Error(
        `${ref.kind} "${ref.name}" exists in several namespaces (${namespaces.join(', ')}): pass namespace`,
      );
    }
  }
  throw new Error(`${describeRef(ref)} not found`);
}

export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/**
 * The pods a caller means by `name`: that pod, else the pods of the workload of that name (their top
 * owner), else the pods named `<name>-…`. Failing pods first, then by name.
 */
export function podsNamed(world: World, name: string, namespace?: string): KubeObject[] {
  const pods = world.objects('Pod', namespace);
  let found = pods.filter((p) => p.metadata.name === name);
  if (!found.length)
    found = pods.filter((p) => {
      const owner = world.graph.topOwner(refOfObject(p));
      return owner.kind !== 'Pod' && owner.name === name;
    });
  if (!found.length) found = pods.filter((p) => p.metadata.name?.startsWith(`${name}-`));
  const ready = (p: KubeObject) => (podReady(p) ? 1 : 0);
  return found.sort(
    (a, b) =>
      ready(a) - ready(b) ||
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}
