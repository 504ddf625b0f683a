// Wires a reconciler to the events that should trigger it, as controller-runtime's builder:
// `for` the primary kind, `owns` the kinds it creates (events map to the controlling owner),
// `watches` any kind through a map function.
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../client/client.ts';
import { splitApiVersion, type ResourceRef } from '../client/resources.ts';
import type { InformerCache, InformerSelection } from '../cache/cache.ts';
import type { EventHandler } from '../cache/informer.ts';
import type { Logger } from '../log.ts';
import type { RuntimeMetrics } from '../metrics/registry.ts';
import type { RateLimiter } from '../workqueue/ratelimiter.ts';
import { Controller } from './controller.ts';
import type { Predicate } from './predicates.ts';
import { requestKey, type Reconciler, type Request } from './reconcile.ts';

/** What a builder needs from the manager that owns it. */
export interface ControllerHost {
  cache: InformerCache;
  metrics: RuntimeMetrics;
  log: Logger;
  addController(c: Controller): void;
}

export interface SourceOptions<T extends KubeObject> {
  predicates?: Predicate<T>[];
  /** Narrows the informer (namespace, labels, fields, extra indexes). */
  selection?: InformerSelection<T>;
}

interface Source {
  resource: ResourceRef;
  map: (obj: KubeObject) => Iterable<string>;
  opts: SourceOptions<KubeObject>;
}

export class ControllerBuilder {
  private readonly host: ControllerHost;
  private readonly name: string;
  private primary: ResourceRef | undefined;
  private readonly sources: Source[] = [];
  private maxConcurrentReconciles = 1;
  private rateLimiter: RateLimiter | undefined;

  constructor(host: ControllerHost, name: string) {
    this.host = host;
    this.name = name;
  }

  /** The kind this controller reconciles: each event enqueues the object itself. */
  for<T extends KubeObject>(resource: ResourceRef, opts: SourceOptions<T> = {}): this {
    if (this.primary) throw new Error(`controller ${this.name}: for() called twice`);
    this.primary = resource;
    this.sources.push({ resource, map: (o) => [objectKey(o)], opts: opts as SourceOptions<KubeObject> });
    return this;
  }

  /** A kind this controller creates: events enqueue the owner that controls the object. */
  owns<T extends KubeObject>(resource: ResourceRef, opts: SourceOptions<T> = {}): this {
    const primary = () => {
      if (!this.primary) throw new Error(`controller ${this.name}: owns() needs for() first`);
      return this.primary;
    };
    this.sources.push({
      resource,
      map: (o) => {
        const owner = primary();
        const ref = o.metadata.ownerReferences?.find(
          (r) => r.controller && r.kind === owner.kind && splitApiVersion(r.apiVersion).group === owner.group,
        );
        if (!ref) return [];
        return [owner.namespaced && o.metadata.namespace ? `${o.metadata.namespace}/${ref.name}` : ref.name];
      },
      opts: opts as SourceOptions<KubeObject>,
    });
    return this;
  }

  /** Any kind: `map` says which requests an event of it should enqueue. */
  watches<T extends KubeObject>(
    resource: ResourceRef,
    map: (obj: T) => Request[],
    opts: SourceOptions<T> = {},
  ): this {
    this.sources.push({
      resource,
      map: (o) => map(o as T).map(requestKey),
      opts: opts as SourceOptions<KubeObject>,
    });
    return this;
  }

  withOptions(opts: { maxConcurrentReconciles?: number; rateLimiter?: RateLimiter }): this {
    if (opts.maxConcurrentReconciles !== undefined)
      this.maxConcurrentReconciles = opts.maxConcurrentReconciles;
    if (opts.rateLimiter) this.rateLimiter = opts.rateLimiter;
    return this;
  }

  complete(reconciler: Reconciler): Controller {
    if (!this.primary) throw new Error(`controller ${this.name}: for() is required`);
    const controller = new Controller({
      name: this.name,
      reconciler,
      maxConcurrentReconciles: this.maxConcurrentReconciles,
      rateLimiter: this.rateLimiter,
      metrics: this.host.metrics,
      log: this.host.log,
    });
    for (const src of this.sources) {
      const informer = this.host.cache.informer(src.resource, src.opts.selection);
      informer.addHandler(enqueueHandler(controller, src));
    }
    this.host.addController(controller);
    return controller;
  }
}

function enqueueHandler(controller: Controller, src: Source): EventHandler<KubeObject> {
  const ps = src.opts.predicates ?? [];
  const enqueue = (o: KubeObject) => {
    for (const key of src.map(o)) controller.queue.add(key);
  };
  return {
    onAdd: (o) => {
      if (ps.every((p) => p.create?.(o) ?? true)) enqueue(o);
    },
    onUpdate: (old, o) => {
      if (!ps.every((p) => p.update?.(old, o) ?? true)) return;
      enqueue(o);
      // An owner change moves the object: the old owner must hear of it too.
      if (old.metadata.ownerReferences !== o.metadata.ownerReferences) enqueue(old);
    },
    onDelete: (o) => {
      if (ps.every((p) => p.delete?.(o) ?? true)) enqueue(o);
    },
  };
}
