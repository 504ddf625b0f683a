// The World both feeds build: the state graph, the temporal store, metrics, logs and an index of
// Events by the resource they are about. Secret values never enter it.
import type { KubeObject } from '@industriverse/kube';
import { refOfObject } from '../graph/edges.ts';
import { ClusterGraph } from '../graph/graph.ts';
import { TemporalStore } from '../temporal/store.ts';
import {
  nodeId,
  type Change,
  type MetricSeries,
  type NodeId,
  type ObjectRef,
  type WatchRecord,
  type World,
} from './types.ts';

/** Reads a container's log; undefined when unknown. */
export type LogSource = (namespace: string, pod: string, container?: string) => Promise<string | undefined>;

export interface WorldOptions {
  /** The world's present: a fixed time (a snapshot) or a clock (a live cluster). */
  now: Date | (() => Date);
  windowMs?: number;
  metrics?: MetricSeries[];
  logs?: LogSource;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A Secret without its values: `data` keeps its keys (a missing key is a diagnosis) with empty
 * values, `stringData` and the last-applied annotation (a copy of the data) are dropped.
 */
export function redactSecret(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const {
    data,
    stringData: _stringData,
    ...rest
  } = obj as KubeObject & { data?: unknown; stringData?: unknown };
  const keys = typeof data === 'object' && data !== null ? Object.keys(data) : [];
  const annotations = obj.metadata.annotations;
  let metadata = obj.metadata;
  if (annotations && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _dropped, ...kept } = annotations;
    metadata = { ...metadata, annotations: kept };
  }
  return {
    ...rest,
    metadata,
    ...(keys.length ? { data: Object.fromEntries(keys.map((k) => [k, ''])) } : {}),
  };
}

/** When an Event last happened (core/v1 and events.k8s.io/v1 fields), as RFC 3339; '' when unknown. */
export function eventTime(ev: KubeObject): string {
  const e = ev as KubeObject & Record<string, unknown>;
  const series = e.series as { lastObservedTime?: string } | undefined;
  for (const t of [
    e.lastTimestamp,
    series?.lastObservedTime,
    e.eventTime,
    e.deprecatedLastTimestamp,
    e.firstTimestamp,
    ev.metadata.creationTimestamp,
  ])
    if (typeof t === 'string' && t) return t;
  return '';
}

export class WorldModel implements World {
  readonly graph = new ClusterGraph();
  readonly temporal: TemporalStore;
  metrics: MetricSeries[];
  private readonly clock: () => Date;
  private readonly logSource: LogSource | undefined;
  /** Involved object id -> its Events by event id. */
  private readonly events = new Map<NodeId, Map<NodeId, KubeObject>>();

  constructor(opts: WorldOptions) {
    const now = opts.now;
    this.clock = typeof now === 'function' ? now : () => now;
    this.temporal = new TemporalStore({ windowMs: opts.windowMs });
    this.metrics = opts.metrics ?? [];
    this.logSource = opts.logs;
  }

  get now(): Date {
    return this.clock();
  }

  /** Adds or replaces an object (graph and Event index), without recording a change. */
  upsert(obj: KubeObject): KubeObject {
    const clean = redactSecret(obj);
    const old = this.graph.upsert(clean);
    if (clean.kind === 'Event') {
      if (old) this.unindexEvent(old);
      this.indexEvent(clean);
    }
    return clean;
  }

  remove(ref: ObjectRef): KubeObject | undefined {
    const old = this.graph.remove(ref);
    if (old?.kind === 'Event') this.unindexEvent(old);
    return old;
  }

  /** Records a watch event in the temporal store only (history replay); `previous` as in TemporalStore.record. */
  record(rec: WatchRecord, previous?: KubeObject): Change | undefined {
    return this.temporal.record(
      { ...rec, object: redactSecret(rec.object) },
      previous && redactSecret(previous),
    );
  }

  /** A live watch event: recorded as a change and applied to the graph. */
  apply(rec: WatchRecord, previous?: KubeObject): Change | undefined {
    const change = this.record(rec, previous);
    if (rec.type === 'DELETED') this.remove(refOfObject(rec.object));
    else this.upsert(rec.object);
    return change;
  }

  objects(kind?: string, namespace?: string): KubeObject[] {
    return this.graph.list(kind, namespace);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.graph.get(ref);
  }

  eventsFor(ref: ObjectRef): KubeObject[] {
    const events = this.events.get(nodeId(ref));
    if (!events) return [];
    return [...events.values()].sort((a, b) => {
      const ta = eventTime(a);
      const tb = eventTime(b);
      return ta === tb
        ? (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
        : Date.parse(ta) - Date.parse(tb);
    });
  }

  changes(opts?: { ref?: ObjectRef; since?: Date; before?: Date }): Change[] {
    this.temporal.advance(this.now);
    return this.temporal.changes(opts);
  }

  /**
   * From now on the graph's object; before, the temporal store's history; for a resource without
   * history, its current object once created.
   */
  stateAt(ref: ObjectRef, t: Date): KubeObject | undefined {
    if (t.getTime() >= this.now.getTime()) return this.graph.get(ref);
    this.temporal.advance(this.now);
    if (this.temporal.tracks(ref)) return this.temporal.stateAt(ref, t);
    const current = this.graph.get(ref);
    const created = Date.parse(current?.metadata.creationTimestamp ?? '');
    return current && !(created > t.getTime()) ? current : undefined;
  }

  logs(namespace: string, pod: string, container?: string): Promise<string | undefined> {
    return this.logSource ? this.logSource(namespace, pod, container) : Promise.resolve(undefined);
  }

  /** The resource an Event is about: core/v1 involvedObject or events.k8s.io/v1 regarding. */
  private involved(ev: KubeObject): NodeId | undefined {
    const e = ev as KubeObject & { involvedObject?: Partial<ObjectRef>; regarding?: Partial<ObjectRef> };
    const target = e.regarding?.kind ? e.regarding : e.involvedObject;
    if (!target?.kind || !target.name) return undefined;
    const namespace = this.graph.isClusterScoped(target.kind) ? undefined : target.namespace || undefined;
    return nodeId({ kind: target.kind, namespace, name: target.name });
  }

  private indexEvent(ev: KubeObject): void {
    const target = this.involved(ev);
    if (!target) return;
    let events = this.events.get(target);
    if (!events) this.events.set(target, (events = new Map()));
    events.set(nodeId(refOfObject(ev)), ev);
  }

  private unindexEvent(ev: KubeObject): void {
    const target = this.involved(ev);
    const events = target ? this.events.get(target) : undefined;
    if (!events) return;
    events.delete(nodeId(refOfObject(ev)));
    if (events.size === 0) this.events.delete(target!);
  }
}
