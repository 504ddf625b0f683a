// A directed acyclic graph of typed nodes. An edge `from -> to` means `from` must run before `to`.
//
// Building never throws: duplicate ids and edges to nodes that do not exist (yet) are recorded and
// reported together by `validate()`, so a caller sees every problem at once. Everything that needs a
// valid graph (`topoOrder`, `layers`, `execute`) throws `DagValidationError` carrying that list.
//
// Order is deterministic everywhere: nodes are ranked by insertion order, and whenever several
// nodes are equally eligible the one added first comes first.
import { MinHeap } from './heap.ts';

export type DagError =
  | { kind: 'duplicate-node'; id: string; message: string }
  | { kind: 'missing-node'; id: string; from: string; to: string; message: string }
  | { kind: 'cycle'; path: string[]; message: string };

export class DagValidationError extends Error {
  readonly errors: DagError[];
  constructor(errors: DagError[]) {
    super(`invalid DAG: ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'DagValidationError';
    this.errors = errors;
  }
}

export interface DotCluster {
  id: string;
  label?: string;
}

export interface DotOptions<T> {
  /** Graph name; default `dag`. */
  name?: string;
  /** Graphviz rankdir; default TB. */
  rankdir?: 'TB' | 'LR' | 'BT' | 'RL';
  /** Extra graph attributes, written in key order. */
  graphAttrs?: Record<string, string>;
  /** Node attributes (label, shape, color…); default: label = id. */
  nodeAttrs?: (id: string, data: T) => Record<string, string | undefined>;
  /** Edge attributes. */
  edgeAttrs?: (from: string, to: string) => Record<string, string | undefined>;
  /** Groups nodes into `subgraph cluster_*` boxes; undefined leaves a node at top level. */
  cluster?: (id: string, data: T) => DotCluster | undefined;
}

interface Entry<T> {
  data: T;
  index: number;
}

export class Dag<T> {
  readonly #nodes = new Map<string, Entry<T>>();
  readonly #ids: string[] = [];
  // Sets keep insertion order and make a repeated edge a no-op.
  readonly #succ = new Map<string, Set<string>>();
  readonly #pred = new Map<string, Set<string>>();
  readonly #edges: Array<[string, string]> = [];
  readonly #duplicates: string[] = [];

  get size(): number {
    return this.#ids.length;
  }

  /** Adds a node; a second node with the same id is ignored here and reported by `validate()`. */
  addNode(id: string, data: T): this {
    if (this.#nodes.has(id)) {
      this.#duplicates.push(id);
      return this;
    }
    this.#nodes.set(id, { data, index: this.#ids.length });
    this.#ids.push(id);
    return this;
  }

  /** `from` must run before `to`. Repeated edges are kept once. */
  addEdge(from: string, to: string): this {
    if (this.#succ.get(from)?.has(to)) return this;
    this.#edges.push([from, to]);
    push(this.#succ, from, to);
    push(this.#pred, to, from);
    return this;
  }

  has(id: string): boolean {
    return this.#nodes.has(id);
  }

  get(id: string): T {
    return this.#entry(id).data;
  }

  /** Node ids in insertion order. */
  ids(): string[] {
    return [...this.#ids];
  }

  /** Edges in insertion order. */
  edges(): Array<[string, string]> {
    return this.#edges.map(([from, to]) => [from, to]);
  }

  /** Direct dependents of `id`, in edge insertion order. */
  successors(id: string): string[] {
    return [...(this.#succ.get(id) ?? [])];
  }

  /** Direct dependencies of `id`, in edge insertion order. */
  predecessors(id: string): string[] {
    return [...(this.#pred.get(id) ?? [])];
  }

  /** Every problem of the graph: duplicate ids, edges naming missing nodes, cycles (with their path). */
  validate(): DagError[] {
    const errors: DagError[] = [];
    for (const id of new Set(this.#duplicates)) {
      errors.push({ kind: 'duplicate-node', id, message: `duplicate node id "${id}"` });
    }
    for (const [from, to] of this.#edges) {
      for (const id of [from, to]) {
        if (!this.#nodes.has(id)) {
          errors.push({
            kind: 'missing-node',
            id,
            from,
            to,
            message: `edge "${from}" -> "${to}" references missing node "${id}"`,
          });
        }
      }
    }
    for (const path of this.#cycles()) {
      errors.push({ kind: 'cycle', path, message: `cycle ${path.map((id) => `"${id}"`).join(' -> ')}` });
    }
    return errors;
  }

  /**
   * Kahn's algorithm; among nodes whose dependencies are all placed, the one inserted first goes
   * first. So a graph built in a deterministic order always yields the same order.
   */
  topoOrder(): string[] {
    // Duplicates and missing nodes are cheap to find; a cycle shows as nodes Kahn never reaches,
    // and only then is the (costlier) full validation run to name it.
    if (
      this.#duplicates.length > 0 ||
      this.#edges.some(([from, to]) => !this.#nodes.has(from) || !this.#nodes.has(to))
    )
      this.#assertValid();
    const remaining = new Map<string, number>();
    const ready = new MinHeap();
    for (const id of this.#ids) {
      const n = this.#pred.get(id)?.size ?? 0;
      remaining.set(id, n);
      if (n === 0) ready.push(this.#nodes.get(id)!.index);
    }
    const order: string[] = [];
    while (ready.size > 0) {
      const id = this.#ids[ready.pop()!]!;
      order.push(id);
      for (const next of this.#succ.get(id) ?? []) {
        const n = remaining.get(next)! - 1;
        remaining.set(next, n);
        if (n === 0) ready.push(this.#nodes.get(next)!.index);
      }
    }
    if (order.length < this.#ids.length) this.#assertValid();
    return order;
  }

  /**
   * Groups of nodes that can run in parallel: a node's layer is the length of the longest path
   * reaching it, so every dependency sits in an earlier layer. Ids within a layer are in insertion order.
   */
  layers(): string[][] {
    const depth = new Map<string, number>();
    const layers: string[][] = [];
    for (const id of this.topoOrder()) {
      let d = 0;
      for (const p of this.#pred.get(id) ?? []) d = Math.max(d, depth.get(p)! + 1);
      depth.set(id, d);
      (layers[d] ??= []).push(id);
    }
    return layers.map((layer) => layer.sort((a, b) => this.#index(a) - this.#index(b)));
  }

  /** Every node `id` transitively depends on, in insertion order. */
  ancestors(id: string): string[] {
    return this.#reach(id, this.#pred);
  }

  /** Every node that transitively depends on `id`, in insertion order. */
  descendants(id: string): string[] {
    return this.#reach(id, this.#succ);
  }

  /** Graphviz `digraph` text; nodes, clusters and edges in insertion order. */
  toDot(opts: DotOptions<T> = {}): string {
    const lines = [`digraph ${quote(opts.name ?? 'dag')} {`];
    const graphAttrs: Record<string, string> = {
      ...(opts.rankdir ? { rankdir: opts.rankdir } : {}),
      ...opts.graphAttrs,
    };
    for (const key of Object.keys(graphAttrs).sort()) lines.push(`  ${key}=${quote(graphAttrs[key]!)};`);
    const nodeLine = (id: string, indent: string) => {
      const attrs = opts.nodeAttrs ? opts.nodeAttrs(id, this.get(id)) : { label: id };
      return `${indent}${quote(id)}${formatAttrs(attrs)};`;
    };
    const clusters = new Map<string, { label: string | undefined; ids: string[] }>();
    const topLevel: string[] = [];
    for (const id of this.#ids) {
      const cluster = opts.cluster?.(id, this.get(id));
      if (!cluster) {
        topLevel.push(id);
        continue;
      }
      const group = clusters.get(cluster.id) ?? { label: cluster.label, ids: [] };
      group.ids.push(id);
      clusters.set(cluster.id, group);
    }
    for (const [clusterId, group] of clusters) {
      lines.push(`  subgraph ${quote(`cluster_${clusterId}`)} {`);
      if (group.label !== undefined) lines.push(`    label=${quote(group.label)};`);
      for (const id of group.ids) lines.push(nodeLine(id, '    '));
      lines.push('  }');
    }
    for (const id of topLevel) lines.push(nodeLine(id, '  '));
    for (const [from, to] of this.#edges) {
      const attrs = opts.edgeAttrs ? formatAttrs(opts.edgeAttrs(from, to)) : '';
      lines.push(`  ${quote(from)} -> ${quote(to)}${attrs};`);
    }
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }

  #assertValid(): void {
    const errors = this.validate();
    if (errors.length > 0) throw new DagValidationError(errors);
  }

  #entry(id: string): Entry<T> {
    const entry = this.#nodes.get(id);
    if (!entry) throw new Error(`unknown node "${id}"`);
    return entry;
  }

  #index(id: string): number {
    return this.#entry(id).index;
  }

  #reach(id: string, adjacency: Map<string, Set<string>>): string[] {
    this.#entry(id);
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length > 0) {
      for (const next of adjacency.get(stack.pop()!) ?? []) {
        if (!seen.has(next) && this.#nodes.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    seen.delete(id);
    return [...seen].sort((a, b) => this.#index(a) - this.#index(b));
  }

  /** One cycle per back edge of an iterative depth-first search, each as a closed path. */
  #cycles(): string[][] {
    const WHITE = 0;
    const GREY = 1;
    const BLACK = 2;
    const color = new Map<string, number>();
    const cycles: string[][] = [];
    const successors = (id: string) => (this.#succ.get(id) ?? new Set<string>()).values();
    for (const root of this.#ids) {
      if (color.get(root)) continue;
      const path: string[] = [root];
      const pending = [successors(root)];
      color.set(root, GREY);
      while (path.length > 0) {
        const next = pending[pending.length - 1]!.next();
        if (next.done) {
          color.set(path.pop()!, BLACK);
          pending.pop();
          continue;
        }
        const id = next.value;
        if (!this.#nodes.has(id)) continue;
        const c = color.get(id) ?? WHITE;
        if (c === GREY) cycles.push([...path.slice(path.indexOf(id)), id]);
        else if (c === WHITE) {
          color.set(id, GREY);
          path.push(id);
          pending.push(successors(id));
        }
      }
    }
    return cycles;
  }
}

function push(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** A Graphviz double-quoted ID. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function formatAttrs(attrs: Record<string, string | undefined>): string {
  const parts = Object.keys(attrs)
    .sort()
    .filter((key) => attrs[key] !== undefined)
    .map((key) => `${key}=${quote(attrs[key]!)}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}
