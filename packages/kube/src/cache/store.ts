// An indexed in-memory store of objects, keyed `namespace/name`. Indexes map a value (a
// namespace, an owner uid, a label pair, anything an IndexFunc returns) to the keys of the
// objects that have it, so lookups by index never scan the store.
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../client/client.ts';

export type IndexFunc<T> = (obj: T) => readonly string[];

export const NAMESPACE_INDEX = 'namespace';
export const OWNER_INDEX = 'owner';
export const LABEL_INDEX = 'label';

/** The built-in indexes: by namespace, by owner uid, and by each `key=value` label pair. */
export const defaultIndexers: Record<string, IndexFunc<KubeObject>> = {
  [NAMESPACE_INDEX]: (o) => (o.metadata.namespace ? [o.metadata.namespace] : []),
  [OWNER_INDEX]: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid),
  [LABEL_INDEX]: (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`),
};

export class Store<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = defaultIndexers as Record<string, IndexFunc<T>>) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds an index, building it over the objects already stored. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`index ${name} already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  /** Objects whose index `name` contains `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.items.get(k)!);
    return out;
  }

  /** Stores `obj`, returning the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      if (old) for (const v of fn(old)) removeFrom(index, v, key);
      for (const v of fn(obj)) addTo(index, v, key);
    }
    return old;
  }

  /** Removes the object with `obj`'s key, returning what was stored. */
  delete(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(old)) removeFrom(index, v, key);
    }
    return old;
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}
