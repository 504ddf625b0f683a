// Filters on the events that reach a controller's queue, as controller-runtime's predicates.
import type { KubeObject, LabelSelector } from '../api/meta.ts';

export interface Predicate<T extends KubeObject = KubeObject> {
  create?(obj: T): boolean;
  update?(old: T, obj: T): boolean;
  delete?(obj: T): boolean;
}

/** Passes updates only when metadata.generation changed (spec edits, not status writes). */
export const generationChanged: Predicate = {
  update: (old, obj) => old.metadata.generation !== obj.metadata.generation,
};

/** Passes updates only when the object actually changed (drops resyncs that repeat a version). */
export const resourceVersionChanged: Predicate = {
  update: (old, obj) => old.metadata.resourceVersion !== obj.metadata.resourceVersion,
};

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const inValues = has && (e.values ?? []).includes(value!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Passes events of objects whose labels match `selector` (an update passes if either side matches). */
export function labelSelector(selector: LabelSelector): Predicate {
  const m = (o: KubeObject) => matchesLabels(selector, o.metadata.labels);
  return { create: m, delete: m, update: (old, obj) => m(old) || m(obj) };
}

export function and<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.every((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.every((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.every((p) => p.delete?.(o) ?? true),
  };
}

export function or<T extends KubeObject>(...ps: Predicate<T>[]): Predicate<T> {
  return {
    create: (o) => ps.some((p) => p.create?.(o) ?? true),
    update: (a, b) => ps.some((p) => p.update?.(a, b) ?? true),
    delete: (o) => ps.some((p) => p.delete?.(o) ?? true),
  };
}
