// Shared informers: one watch per resource (and namespace / label selector), however many
// controllers read it. Informers added after start() start at once.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../client/client.ts';
import { apiVersionOf, type ResourceRef } from '../client/resources.ts';
import { silentLogger, type Logger } from '../log.ts';
import { Informer, type InformerOptions } from './informer.ts';
import { LABEL_INDEX, NAMESPACE_INDEX } from './store.ts';

export interface CacheOptions {
  client: KubeClient;
  /** Restrict every informer to one namespace (cluster-scoped kinds are unaffected). */
  namespace?: string;
  log?: Logger;
}

export type InformerSelection<T> = Partial<
  Pick<InformerOptions<T>, 'namespace' | 'labelSelector' | 'fieldSelector' | 'indexers' | 'transform'>
>;

export class InformerCache {
  private readonly client: KubeClient;
  private readonly namespace: string | undefined;
  private readonly log: Logger;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private signal: AbortSignal | undefined;
  private readonly running: Promise<void>[] = [];

  constructor(opts: CacheOptions) {
    this.client = opts.client;
    this.namespace = opts.namespace;
    this.log = opts.log ?? silentLogger;
  }

  /** The shared informer for `resource`, created on first use. */
  informer<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    sel: InformerSelection<T> = {},
  ): Informer<T> {
    const namespace = resource.namespaced ? (sel.namespace ?? this.namespace) : undefined;
    const key = [
      apiVersionOf(resource),
      resource.kind,
      namespace ?? '',
      sel.labelSelector ?? '',
      sel.fieldSelector ?? '',
    ].join('|');
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>({ ...sel, namespace, client: this.client, resource, log: this.log });
      this.informers.set(key, inf as unknown as Informer<KubeObject>);
      if (this.signal) this.runInformer(inf as unknown as Informer<KubeObject>);
    }
    return inf;
  }

  start(signal: AbortSignal): void {
    if (this.signal) throw new Error('cache already started');
    this.signal = signal;
    for (const inf of this.informers.values()) this.runInformer(inf);
  }

  private runInformer(inf: Informer<KubeObject>): void {
    this.running.push(
      inf
        .run(this.signal!)
        .catch((err) =>
          this.log.error({ err: String(err), resource: inf.resource.plural }, 'informer stopped'),
        ),
    );
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  /** Resolves when every informer has stopped after the start signal aborted. */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }

  get<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.informer<T>(resource).store.get(
      namespace && resource.namespaced ? `${namespace}/${name}` : name,
    );
  }

  /** Lists from the cache, using the namespace and label indexes. */
  list<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    opts: { namespace?: string; labels?: Record<string, string> } = {},
  ): T[] {
    const store = this.informer<T>(resource).store;
    const labels = Object.entries(opts.labels ?? {});
    let items = labels.length
      ? store.byIndex(LABEL_INDEX, `${labels[0]![0]}=${labels[0]![1]}`)
      : opts.namespace
        ? store.byIndex(NAMESPACE_INDEX, opts.namespace)
        : store.list();
    if (opts.namespace) items = items.filter((o) => o.metadata.namespace === opts.namespace);
    if (labels.length > 1)
      items = items.filter((o) => labels.every(([k, v]) => o.metadata.labels?.[k] === v));
    return items;
  }
}
