// Topological patterns (seed §5.1.3-4), deterministic graph queries rather than guesses:
// the N+1 problem (many application pods on one database) and failure correlation (many failing
// pods that share one dependency point at it as the root cause).
import type { KubeObject } from '@industriverse/kube';
import { nodeId, refOf, type GraphView, type NodeId, type ObjectRef } from '../model/types.ts';

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(rec) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

const refTo = (o: KubeObject): ObjectRef =>
  o.metadata.namespace
    ? { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name ?? '' }
    : { kind: o.kind, name: o.metadata.name ?? '' };

const byId = (a: ObjectRef, b: ObjectRef): number => nodeId(a).localeCompare(nodeId(b));

/** Names and images that mark a database. */
export const DATABASE_PATTERN = /postgres|mysql|mariadb|mongo|redis|cassandra|etcd/i;

export interface NPlusOneOptions {
  databasePattern?: RegExp;
  /** Client pods that make a hub. Default 20 (seed §5.1.3: `count(app) > 20`). */
  minPods?: number;
  /** Or distinct client workloads that make a hub. Default 5. */
  minWorkloads?: number;
  /** Connections known from elsewhere (e.g. hosts in logs): client Pod -> Service. */
  connections?: { from: ObjectRef; to: ObjectRef }[];
}

export interface NPlusOnePattern {
  kind: 'n-plus-one';
  /** The Service the clients connect to. */
  hub: ObjectRef;
  /** The database workload behind it (top owner of its pods), when it has pods. */
  workload?: ObjectRef;
  /** The word that marked it a database (`postgres`, `redis`...). */
  engine: string;
  databasePods: number;
  /** Distinct client pods and their workloads. */
  fanInPods: number;
  fanInWorkloads: ObjectRef[];
  clients: ObjectRef[];
}

/** The repository name of an image, without registry, path, tag or digest: `bitnami/postgresql:16` -> `postgresql`. */
const imageName = (image: string): string => image.split('@')[0]!.split('/').at(-1)!.split(':')[0]!;

function containersOf(pod: KubeObject): Json[] {
  const spec = rec(pod.spec);
  return [...list(spec.initContainers), ...list(spec.containers)];
}

// A host name: not glued to a longer name, and not a URL scheme (`postgres://`).
const HOST = /(?<![a-z0-9.-])[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?![a-z0-9.-]|:\/\/)/g;
const CLUSTER_SUFFIX = /(\.svc)?(\.cluster\.local)?$/;

/** The Services a text may name, as node ids: `db`, `db.shop`, `db.shop.svc.cluster.local`, inside URLs too. */
function servicesNamed(text: string, namespace: string): NodeId[] {
  const out: NodeId[] = [];
  for (const [h] of text.toLowerCase().matchAll(HOST)) {
    const parts = h.replace(CLUSTER_SUFFIX, '').split('.');
    if (parts.length === 1) out.push(nodeId({ kind: 'Service', namespace, name: parts[0]! }));
    else if (parts.length === 2) out.push(nodeId({ kind: 'Service', namespace: parts[1]!, name: parts[0]! }));
  }
  return out;
}

function decode(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/**
 * Database-like Services that many application pods connect to. A Service is database-like when its
 * name, its pods' images or its pods' workload name match `databasePattern`; a pod connects to it
 * when a literal env value, argument or command, or a value of a ConfigMap or Secret it uses, names
 * the Service as a host (or `connections` says so). Largest fan-in first.
 */
export function findNPlusOne(
  objects: readonly KubeObject[],
  graph: GraphView,
  opts: NPlusOneOptions = {},
): NPlusOnePattern[] {
  const pattern = opts.databasePattern ?? DATABASE_PATTERN;
  const minPods = opts.minPods ?? 20;
  const minWorkloads = opts.minWorkloads ?? 5;
  const index = new Map<NodeId, KubeObject>(objects.map((o) => [nodeId(refTo(o)), o]));

  interface Hub {
    ref: ObjectRef;
    engine: string;
    pods: Set<NodeId>;
    workload?: ObjectRef;
    clients: Set<NodeId>;
  }
  const hubs = new Map<NodeId, Hub>();
  for (const svc of objects) {
    if (svc.kind !== 'Service') continue;
    const ref = refTo(svc);
    const id = nodeId(ref);
    const pods = graph
      .outgoing(id, ['selects'])
      .map((e) => e.to)
      .filter((p) => refOf(p).kind === 'Pod')
      .sort();
    const owners = pods.map((p) => graph.topOwner(refOf(p)));
    const words = [
      ref.name,
      ...pods.flatMap((p) =>
        containersOf(index.get(p) ?? ({} as KubeObject)).map((c) => imageName(String(c.image ?? ''))),
      ),
      ...owners.map((o) => o.name),
    ];
    const engine = words.map((w) => pattern.exec(w)?.[0]).find((m) => m !== undefined);
    if (!engine) continue;
    hubs.set(id, {
      ref,
      engine: engine.toLowerCase(),
      pods: new Set(pods),
      ...(owners[0] && { workload: owners[0] }),
      clients: new Set(),
    });
  }
  if (hubs.size === 0) return [];

  const textCache = new Map<NodeId, string[]>();
  const configTexts = (id: NodeId): string[] => {
    let texts = textCache.get(id);
    if (!texts) {
      const o = index.get(id);
      const data = Object.values(rec(o?.data)).map(String);
      texts =
        o?.kind === 'Secret' ? [...data.map(decode), ...Object.values(rec(o.stringData)).map(String)] : data;
      textCache.set(id, texts);
    }
    return texts;
  };
  const connect = (pod: NodeId, svc: NodeId) => {
    const hub = hubs.get(svc);
    if (hub && !hub.pods.has(pod)) hub.clients.add(pod);
  };

  for (const pod of objects) {
    if (pod.kind !== 'Pod') continue;
    const id = nodeId(refTo(pod));
    const texts = containersOf(pod).flatMap((c) => [
      ...list(c.env).flatMap((e) => (typeof e.value === 'string' ? [e.value] : [])),
      ...strings(c.args),
      ...strings(c.command),
    ]);
    for (const e of graph.outgoing(id, ['uses-config', 'uses-secret'])) texts.push(...configTexts(e.to));
    for (const t of texts) for (const svc of servicesNamed(t, pod.metadata.namespace ?? '')) connect(id, svc);
  }
  for (const c of opts.connections ?? []) connect(nodeId(c.from), nodeId(c.to));

  const out: NPlusOnePattern[] = [];
  for (const hub of hubs.values()) {
    const clients = [...hub.clients].map(refOf).sort(byId);
    const workloads = new Map<NodeId, ObjectRef>();
    for (const c of clients) {
      const owner = graph.topOwner(c);
      workloads.set(nodeId(owner), owner);
    }
    // The database's own workload talking to itself (replication) is not a client.
    if (hub.workload) workloads.delete(nodeId(hub.workload));
    if (clients.length < minPods && workloads.size < minWorkloads) continue;
    out.push({
      kind: 'n-plus-one',
      hub: hub.ref,
      ...(hub.workload && { workload: hub.workload }),
      engine: hub.engine,
      databasePods: hub.pods.size,
      fanInPods: clients.length,
      fanInWorkloads: [...workloads.values()].sort(byId),
      clients,
    });
  }
  return out.sort((a, b) => b.fanInPods - a.fanInPods || byId(a.hub, b.hub));
}

export interface CorrelationOptions {
  /** Failing resources that must share the dependency. Default 3. */
  minCount?: number;
  /** Fraction of the failing resources that must share it. Default 0.8. */
  minSupport?: number;
  /**
   * Fraction of everything depending on it (of the failing resources' kinds) that must be failing:
   * the namespace's `default` ServiceAccount is shared by every failing pod and explains nothing.
   * Default 0.5.
   */
  minPrecision?: number;
  /** Hops followed from each failing resource. Default 4 (Pod -> PVC -> PV -> StorageClass is 3). */
  maxDepth?: number;
  /** Dependencies never named. Default: the `kube-root-ca.crt` ConfigMaps injected into every pod. */
  ignore?: (ref: ObjectRef) => boolean;
}

const injected = (ref: ObjectRef): boolean => ref.kind === 'ConfigMap' && ref.name === 'kube-root-ca.crt';

export interface RootCauseCandidate {
  ref: ObjectRef;
  /** Failing resources that depend on it. */
  count: number;
  /** count / failing resources. */
  support: number;
  /** Resources of the failing ones' kinds that depend on it, failing or not. */
  dependents: number;
  /** count / dependents. */
  precision: number;
  /** The most hops from a failing resource to it (lower is nearer: the lowest common ancestor). */
  distance: number;
  /** Distinct workloads (top owners) among the failing resources sharing it. */
  workloads: number;
  members: ObjectRef[];
}

/**
 * Dependencies shared by the failing resources, best candidate for root cause first: the lowest common
 * ancestor generalised to "most of them" (50 pods fail and 48 run on node X: X). Ranked by support,
 * then precision, then workloads, then nearness, then node id, so ties always break the same way.
 */
export function correlateFailures(
  failing: readonly ObjectRef[],
  graph: GraphView,
  opts: CorrelationOptions = {},
): RootCauseCandidate[] {
  const minCount = opts.minCount ?? 3;
  const minSupport = opts.minSupport ?? 0.8;
  const minPrecision = opts.minPrecision ?? 0.5;
  const maxDepth = opts.maxDepth ?? 4;
  const ignore = opts.ignore ?? injected;
  const ids = [...new Set(failing.map(nodeId))].sort();
  if (ids.length === 0) return [];
  const failingIds = new Set(ids);
  const kinds = new Set(ids.map((id) => refOf(id).kind));

  const shared = new Map<NodeId, { members: NodeId[]; distance: number }>();
  for (const id of ids) {
    const seen = new Set<NodeId>([id]);
    let frontier = [id];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: NodeId[] = [];
      for (const from of frontier) {
        for (const e of graph.outgoing(from)) {
          if (seen.has(e.to)) continue;
          seen.add(e.to);
          next.push(e.to);
          const s = shared.get(e.to) ?? { members: [], distance: 0 };
          s.members.push(id);
          s.distance = Math.max(s.distance, depth);
          shared.set(e.to, s);
        }
      }
      frontier = next;
    }
  }

  const out: RootCauseCandidate[] = [];
  for (const [id, s] of shared) {
    const count = s.members.length;
    const support = count / ids.length;
    if (failingIds.has(id) || count < minCount || support < minSupport || ignore(refOf(id))) continue;
    const dependents = Math.max(count, graph.blastRadius(id).filter((d) => kinds.has(refOf(d).kind)).length);
    const precision = count / dependents;
    if (precision < minPrecision) continue;
    const members = s.members.map(refOf);
    const workloads = new Set(members.map((m) => nodeId(graph.topOwner(m)))).size;
    out.push({
      ref: refOf(id),
      count,
      support,
      dependents,
      precision,
      distance: s.distance,
      workloads,
      members,
    });
  }
  return out.sort(
    (a, b) =>
      b.support - a.support ||
      b.precision - a.precision ||
      b.workloads - a.workloads ||
      a.distance - b.distance ||
      byId(a.ref, b.ref),
  );
}
