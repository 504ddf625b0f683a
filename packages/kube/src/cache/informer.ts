// A reflector feeding an indexed store, with event handlers told of every change. After a
// relist, handlers see the difference between the old and the new state (adds, updates of
// changed objects, deletes of vanished ones), so nothing is missed across a 410 Gone.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../client/client.ts';
import { objectKey } from '../client/client.ts';
import type { ResourceRef } from '../client/resources.ts';
import type { Logger } from '../log.ts';
import { Reflector, type ReflectorOptions, type ReflectorSink } from './reflector.ts';
import { defaultIndexers, Store, type IndexFunc } from './store.ts';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> extends Omit<ReflectorOptions, 'client' | 'resource'> {
  client: KubeClient;
  resource: ResourceRef;
  indexers?: Record<string, IndexFunc<T>>;
  /** Runs on every object before it is stored; the default drops managedFields, the bulk of most objects. */
  transform?: (obj: T) => T;
  log?: Logger;
}

// Assigned, not deleted: `delete` of a property that is not the last one turns the object into a
// slower, larger dictionary, which at 50,000 cached objects costs ~400 bytes each.
export const stripManagedFields = <T extends KubeObject>(obj: T): T => {
  if (obj.metadata.managedFields) obj.metadata.managedFields = undefined;
  return obj;
};

export class Informer<T extends KubeObject = KubeObject> implements ReflectorSink<T> {
  readonly resource: ResourceRef;
  readonly store: Store<T>;
  readonly reflector: Reflector<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly transform: (obj: T) => T;
  private readonly syncWaiters: (() => void)[] = [];
  private synced = false;

  constructor(opts: InformerOptions<T>) {
    this.resource = opts.resource;
    this.store = new Store<T>({ ...(defaultIndexers as Record<string, IndexFunc<T>>), ...opts.indexers });
    this.transform = opts.transform ?? stripManagedFields;
    this.reflector = new Reflector<T>(opts, this);
  }

  /** Adds a handler; when the informer has already synced, the stored objects are replayed as adds. */
  addHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    if (this.hasSynced()) for (const obj of this.store.list()) handler.onAdd?.(obj);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first LIST has been stored. */
  waitForSync(): Promise<void> {
    if (this.hasSynced()) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  run(signal: AbortSignal): Promise<void> {
    return this.reflector.run(signal);
  }

  replace(items: T[], _resourceVersion: string): void {
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.transform(raw);
      seen.add(objectKey(obj));
      const old = this.store.upsert(obj);
      if (!old) this.emitAdd(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emitUpdate(old, obj);
    }
    for (const key of [...this.store.keys()]) {
      if (seen.has(key)) continue;
      const gone = this.store.get(key)!;
      this.store.delete(gone);
      this.emitDelete(gone);
    }
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', raw: T): void {
    const obj = this.transform(raw);
    if (type === 'DELETED') {
      const old = this.store.delete(obj);
      this.emitDelete(old ?? obj);
      return;
    }
    const old = this.store.upsert(obj);
    if (old) this.emitUpdate(old, obj);
    else this.emitAdd(obj);
  }

  private emitAdd(obj: T): void {
    for (const h of this.handlers) h.onAdd?.(obj);
  }

  private emitUpdate(old: T, obj: T): void {
    for (const h of this.handlers) h.onUpdate?.(old, obj);
  }

  private emitDelete(obj: T): void {
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}
