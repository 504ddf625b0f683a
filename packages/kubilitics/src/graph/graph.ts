// The state graph of a cluster: every object is a node, edges are derived from the objects
// (edges.ts) and kept up to date incrementally. Pods are indexed by namespace and label so that a
// Service, PDB or NetworkPolicy finds its pods, and a pod its selectors, without a scan.
import { matchesLabels, type KubeObject } from '@industriverse/kube';
import {
  nodeId,
  type Edge,
  type EdgeKind,
  type GraphView,
  type NodeId,
  type ObjectRef,
} from '../model/types.ts';
import { CLUSTER_SCOPED_KINDS, deriveEdges, edgeKey, idOf, selectorOf, type PodSelector } from './edges.ts';

const ALL_PODS = '';

export class ClusterGraph implements GraphView {
  private readonly byKind = new Map<string, Map<NodeId, KubeObject>>();
  private readonly out = new Map<NodeId, Edge[]>();
  private readonly in = new Map<NodeId, Edge[]>();
  /** Edges defined by two objects at once (a PVC's volumeName and its PV's claimRef): the extra references. */
  private readonly sharedEdges = new WeakMap<Edge, number>();
  private readonly clusterKinds = new Set(CLUSTER_SCOPED_KINDS);
  /** namespace -> `key=value` (or ALL_PODS) -> pod ids. */
  private readonly pods = new Map<string, Map<string, Set<NodeId>>>();
  private readonly selectors = new Map<NodeId, PodSelector>();
  /** `namespace\0key=value` of a selector's first matchLabels pair (`namespace\0` when it has none) -> selector ids. */
  private readonly selectorIndex = new Map<string, Set<NodeId>>();
  private readonly scope = (kind: string) => this.clusterKinds.has(kind);

  /** Number of objects. */
  get size(): number {
    let n = 0;
    for (const m of this.byKind.values()) n += m.size;
    return n;
  }

  isClusterScoped(kind: string): boolean {
    return this.clusterKinds.has(kind);
  }

  /** Adds or replaces an object and re-derives its edges; returns the object it replaced. */
  upsert(obj: KubeObject): KubeObject | undefined {
    this.learnScope(obj);
    const id = idOf(obj);
    let objects = this.byKind.get(obj.kind);
    if (!objects) this.byKind.set(obj.kind, (objects = new Map()));
    const old = objects.get(id);
    objects.set(id, obj);
    this.replaceEdges(old ? deriveEdges(old, this.scope) : [], deriveEdges(obj, this.scope), id);
    if (obj.kind === 'Pod') this.reindexPod(id, old, obj);
    const selector = selectorOf(obj);
    if (selector || this.selectors.has(id)) this.reselect(id, selector);
    return old;
  }

  /** Removes an object and the edges it defined; edges others define towards it stay (now dangling). */
  remove(ref: ObjectRef): KubeObject | undefined {
    const id = nodeId(ref);
    const objects = this.byKind.get(ref.kind);
    const old = objects?.get(id);
    if (!objects || !old) return undefined;
    objects.delete(id);
    if (objects.size === 0) this.byKind.delete(ref.kind);
    this.replaceEdges(deriveEdges(old, this.scope), []);
    if (old.kind === 'Pod') this.reindexPod(id, old, undefined);
    if (this.selectors.has(id)) this.reselect(id, undefined);
    return old;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.byKind.get(ref.kind)?.get(nodeId(ref));
  }

  getById(id: NodeId): KubeObject | undefined {
    const kind = id.slice(0, id.indexOf('/'));
    return this.byKind.get(kind)?.get(id);
  }

  /** Objects of a kind and/or namespace, in insertion order. */
  list(kind?: string, namespace?: string): KubeObject[] {
    const maps = kind === undefined ? [...this.byKind.values()] : [this.byKind.get(kind) ?? new Map()];
    const out: KubeObject[] = [];
    for (const m of maps)
      for (const obj of m.values())
        if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    return out;
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /**
   * Nodes that edges point at (or come from) but that do not exist: a ConfigMap a pod mounts, a
   * ServiceAccount, a PVC, an owner already deleted. Targets referenced only as `optional` are left out.
   */
  missing(): NodeId[] {
    const ids = new Set<NodeId>();
    for (const [id, edges] of this.in) if (!this.getById(id) && edges.some((e) => !e.optional)) ids.add(id);
    for (const id of this.out.keys()) if (!this.getById(id)) ids.add(id);
    return [...ids].sort();
  }

  outgoing(id: NodeId, kinds?: EdgeKind[]): Edge[] {
    return filterKinds(this.out.get(id), kinds);
  }

  incoming(id: NodeId, kinds?: EdgeKind[]): Edge[] {
    return filterKinds(this.in.get(id), kinds);
  }

  neighbourhood(id: NodeId, hops: number): { nodes: NodeId[]; edges: Edge[] } {
    if (!this.known(id)) return { nodes: [], edges: [] };
    const seen = new Set<NodeId>([id]);
    const nodes = [id];
    const edges = new Set<Edge>();
    let level = [id];
    for (let d = 0; d < hops && level.length; d++) {
      const next: NodeId[] = [];
      const visit = (n: NodeId, e: Edge) => {
        edges.add(e);
        if (!seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
      };
      for (const n of level) {
        for (const e of this.out.get(n) ?? []) visit(e.to, e);
        for (const e of this.in.get(n) ?? []) visit(e.from, e);
      }
      level = next.sort();
      nodes.push(...level);
    }
    return { nodes, edges: [...edges] };
  }

  blastRadius(id: NodeId): NodeId[] {
    const seen = new Set<NodeId>([id]);
    const result: NodeId[] = [];
    let level = [id];
    while (level.length) {
      const next: NodeId[] = [];
      for (const n of level)
        for (const e of this.in.get(n) ?? [])
          if (!seen.has(e.from)) {
            seen.add(e.from);
            next.push(e.from);
          }
      next.sort();
      for (const n of next) result.push(n);
      level = next;
    }
    return result;
  }

  /**
   * Multi-source BFS along the edges: the candidates are nodes every id reaches (an id reaches
   * itself). The nearest wins: smallest farthest distance, then distance sum. Among equals, a
   * dependency every pod gets without asking (its namespace's kube-root-ca.crt ConfigMap and
   * default ServiceAccount) comes last, then the one with fewer dependents (it explains the set
   * better), then the id.
   */
  lowestCommonAncestor(ids: NodeId[]): NodeId | undefined {
    const sources = [...new Set(ids)];
    if (sources.length === 0) return undefined;
    const stats = new Map<NodeId, { count: number; max: number; sum: number }>();
    for (const source of sources) {
      const dist = new Map<NodeId, number>([[source, 0]]);
      let level = [source];
      for (let d = 1; level.length; d++) {
        const next: NodeId[] = [];
        for (const n of level)
          for (const e of this.out.get(n) ?? [])
            if (!dist.has(e.to)) {
              dist.set(e.to, d);
              next.push(e.to);
            }
        level = next;
      }
      for (const [n, d] of dist) {
        const s = stats.get(n);
        if (s) {
          s.count++;
          s.max = Math.max(s.max, d);
          s.sum += d;
        } else if (source === sources[0]) stats.set(n, { count: 1, max: d, sum: d });
      }
    }
    let best: NodeId | undefined;
    let bestKey: number[] | undefined;
    for (const [n, s] of stats) {
      if (s.count !== sources.length) continue;
      const key = [s.max, s.sum, isAmbient(n) ? 1 : 0, this.in.get(n)?.length ?? 0];
      if (!bestKey || compareKeys(key, bestKey) < 0 || (compareKeys(key, bestKey) === 0 && n < best!)) {
        best = n;
        bestKey = key;
      }
    }
    return best;
  }

  /**
   * Follows controller owner references up (Pod -> ReplicaSet -> Deployment). An owner missing from
   * the graph ends the walk and is returned, except that a missing ReplicaSet named
   * `<deployment>-<pod-template-hash>` is known to belong to that Deployment.
   */
  topOwner(ref: ObjectRef): ObjectRef {
    let current = ref;
    const visited = new Set<NodeId>();
    for (;;) {
      const obj = this.get(current);
      visited.add(nodeId(current));
      const owners = obj?.metadata.ownerReferences ?? [];
      const owner = owners.find((o) => o.controller) ?? owners[0];
      if (!obj || !owner) return current;
      const next: ObjectRef = this.scope(owner.kind)
        ? { kind: owner.kind, name: owner.name }
        : { kind: owner.kind, namespace: obj.metadata.namespace, name: owner.name };
      if (visited.has(nodeId(next))) return current;
      if (!this.get(next) && next.kind === 'ReplicaSet') {
        const hash = obj.metadata.labels?.['pod-template-hash'];
        if (hash && next.name.endsWith(`-${hash}`))
          return {
            kind: 'Deployment',
            namespace: next.namespace,
            name: next.name.slice(0, -hash.length - 1),
          };
      }
      current = next;
    }
  }

  private known(id: NodeId): boolean {
    return this.getById(id) !== undefined || this.out.has(id) || this.in.has(id);
  }

  private learnScope(obj: KubeObject): void {
    if (!obj.metadata.namespace) this.clusterKinds.add(obj.kind);
    if (obj.kind === 'CustomResourceDefinition') {
      const spec = obj.spec as { scope?: string; names?: { kind?: string } } | undefined;
      if (spec?.scope === 'Cluster' && spec.names?.kind) this.clusterKinds.add(spec.names.kind);
    }
  }

  /** Applies the difference between an object's old and new edges (a status update usually changes none). */
  private replaceEdges(before: Edge[], after: Edge[], self?: NodeId): void {
    if (before.length === 0) {
      for (const e of after) this.addEdge(e, true, self);
      return;
    }
    const kept = new Set(after.map(edgeKey));
    const had = new Set<string>();
    for (const e of before) {
      const key = edgeKey(e);
      had.add(key);
      if (!kept.has(key)) this.removeEdge(e);
    }
    for (const e of after) if (!had.has(edgeKey(e))) this.addEdge(e, true, self);
  }

  private addEdge(e: Edge, mayExist: boolean, self?: NodeId): void {
    if (mayExist) {
      const existing = this.find(e);
      if (existing) {
        this.sharedEdges.set(existing, (this.sharedEdges.get(existing) ?? 0) + 1);
        return;
      }
    }
    // One string per node id, however many edges name it: ids derived per edge are copies.
    e.from = e.from === self ? self : this.canonical(e.from);
    e.to = e.to === self ? self : this.canonical(e.to);
    push(this.out, e.from, e);
    push(this.in, e.to, e);
  }

  private canonical(id: NodeId): NodeId {
    return this.out.get(id)?.[0]?.from ?? this.in.get(id)?.[0]?.to ?? id;
  }

  private removeEdge(e: Edge): void {
    const existing = this.find(e);
    if (!existing) return;
    const shared = this.sharedEdges.get(existing);
    if (shared) {
      if (shared > 1) this.sharedEdges.set(existing, shared - 1);
      else this.sharedEdges.delete(existing);
      return;
    }
    this.dropEdge(existing);
  }

  private dropEdge(e: Edge): void {
    pull(this.out, e.from, e);
    pull(this.in, e.to, e);
  }

  /** The stored edge equal to `e`, looked up in the shorter of its two adjacency lists. */
  private find(e: Edge): Edge | undefined {
    const fromList = this.out.get(e.from);
    const toList = this.in.get(e.to);
    if (!fromList || !toList) return undefined;
    const list = fromList.length <= toList.length ? fromList : toList;
    return list.find((x) => x.from === e.from && x.to === e.to && x.kind === e.kind);
  }

  private reindexPod(id: NodeId, old: KubeObject | undefined, obj: KubeObject | undefined): void {
    const oldLabels = old?.metadata.labels ?? {};
    const newLabels = obj?.metadata.labels ?? {};
    if (old && obj && sameLabels(oldLabels, newLabels)) return;
    if (old) {
      const index = this.pods.get(old.metadata.namespace ?? '');
      if (index) {
        for (const [k, v] of Object.entries(oldLabels)) unindex(index, `${k}=${v}`, id);
        unindex(index, ALL_PODS, id);
        if (index.size === 0) this.pods.delete(old.metadata.namespace ?? '');
      }
      for (const e of this.incoming(id, ['selects'])) this.dropEdge(e);
    }
    if (!obj) return;
    const ns = obj.metadata.namespace ?? '';
    let index = this.pods.get(ns);
    if (!index) this.pods.set(ns, (index = new Map()));
    index$(index, ALL_PODS).add(id);
    const candidates = new Set(this.selectorIndex.get(`${ns}\u0000`));
    for (const [k, v] of Object.entries(newLabels)) {
      index$(index, `${k}=${v}`).add(id);
      for (const s of this.selectorIndex.get(`${ns}\u0000${k}=${v}`) ?? []) candidates.add(s);
    }
    for (const s of [...candidates].sort())
      if (matchesLabels(this.selectors.get(s)!.selector, newLabels))
        this.addEdge({ from: s, to: id, kind: 'selects' }, false);
  }

  private reselect(id: NodeId, selector: PodSelector | undefined): void {
    const previous = this.selectors.get(id);
    if (previous && selector && JSON.stringify(previous) === JSON.stringify(selector)) return;
    if (previous) {
      const key = selectorKey(previous);
      const set = this.selectorIndex.get(key);
      set?.delete(id);
      if (set?.size === 0) this.selectorIndex.delete(key);
      for (const e of this.outgoing(id, ['selects'])) this.dropEdge(e);
      this.selectors.delete(id);
    }
    if (!selector) return;
    this.selectors.set(id, selector);
    const key = selectorKey(selector);
    let set = this.selectorIndex.get(key);
    if (!set) this.selectorIndex.set(key, (set = new Set()));
    set.add(id);
    const index = this.pods.get(selector.namespace);
    if (!index) return;
    // The smallest label set among the selector's pairs bounds the candidates.
    let candidates = index.get(ALL_PODS);
    for (const [k, v] of Object.entries(selector.selector.matchLabels ?? {})) {
      const set = index.get(`${k}=${v}`);
      if (!set) return;
      if (!candidates || set.size < candidates.size) candidates = set;
    }
    for (const pod of candidates ?? []) {
      const labels = this.getById(pod)?.metadata.labels;
      if (matchesLabels(selector.selector, labels))
        this.addEdge({ from: id, to: pod, kind: 'selects' }, false);
    }
  }
}

/** Dependencies the API server gives every pod of a namespace. */
function isAmbient(id: NodeId): boolean {
  return (
    (id.startsWith('ConfigMap/') && id.endsWith('/kube-root-ca.crt')) ||
    (id.startsWith('ServiceAccount/') && id.endsWith('/default'))
  );
}

function selectorKey(s: PodSelector): string {
  const first = Object.entries(s.selector.matchLabels ?? {})[0];
  return first ? `${s.namespace}\u0000${first[0]}=${first[1]}` : `${s.namespace}\u0000`;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function index$(index: Map<string, Set<NodeId>>, key: string): Set<NodeId> {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  return set;
}

function unindex(index: Map<string, Set<NodeId>>, key: string, id: NodeId): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

function push(map: Map<NodeId, Edge[]>, id: NodeId, e: Edge): void {
  const list = map.get(id);
  if (list) list.push(e);
  else map.set(id, [e]);
}

function pull(map: Map<NodeId, Edge[]>, id: NodeId, e: Edge): void {
  const list = map.get(id);
  if (!list) return;
  const i = list.indexOf(e);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(id);
}

function filterKinds(list: Edge[] | undefined, kinds: EdgeKind[] | undefined): Edge[] {
  if (!list) return [];
  return kinds ? list.filter((e) => kinds.includes(e.kind)) : [...list];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
