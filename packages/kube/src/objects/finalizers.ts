// Finalizers with kube-rs's `finalizer()` flow. Edits are JSON patches guarded by a `test` op on the
// finalizer list, so that a concurrent edit of the list fails the patch (answered as a 409 Conflict,
// retried by the controller) instead of silently dropping another controller's finalizer.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../client/client.ts';
import { ApiError, isNotFound } from '../client/errors.ts';
import type { ResourceRef } from '../client/resources.ts';

export function hasFinalizer(obj: Pick<KubeObject, 'metadata'>, name: string): boolean {
  return obj.metadata.finalizers?.includes(name) ?? false;
}

/** Adds finalizer `name` unless present; fails with a 409 when the list changed since `obj` was read. */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  name: string,
): Promise<T> {
  if (hasFinalizer(obj, name)) return obj;
  const current = obj.metadata.finalizers;
  // A `test` against null passes only while the list is absent (the apiserver never stores an empty one).
  const patch = current?.length
    ? [
        { op: 'test', path: '/metadata/finalizers', value: current },
        { op: 'add', path: '/metadata/finalizers/-', value: name },
      ]
    : [
        { op: 'test', path: '/metadata/finalizers', value: null },
        { op: 'add', path: '/metadata/finalizers', value: [name] },
      ];
  return jsonPatch(client, ref, obj, patch);
}

/**
 * Removes finalizer `name` if present. The index is tested to still hold our name, so a concurrent
 * removal of another entry fails the patch rather than removing the wrong finalizer.
 */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  name: string,
): Promise<T> {
  const index = obj.metadata.finalizers?.indexOf(name) ?? -1;
  if (index < 0) return obj;
  const path = `/metadata/finalizers/${index}`;
  return jsonPatch(client, ref, obj, [
    { op: 'test', path, value: name },
    { op: 'remove', path },
  ]);
}

export type FinalizeResult<T> =
  /** The finalizer was just added; the resulting watch event triggers the next reconcile. */
  | { action: 'added'; object: T }
  /** The object is being deleted: cleanup ran and the finalizer is gone. */
  | { action: 'cleanedUp' }
  /** The object is being deleted and our finalizer is already gone: nothing left to do. */
  | { action: 'deleting' }
  /** The finalizer is in place and the object is live: reconcile it normally. */
  | { action: 'apply' };

/**
 * One step of the finalizer state machine. Throws what cleanup throws, leaving the finalizer in place
 * so that the deletion waits for a successful retry.
 */
export async function finalize<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  name: string,
  cleanup: () => Promise<void>,
): Promise<FinalizeResult<T>> {
  const present = hasFinalizer(obj, name);
  if (!obj.metadata.deletionTimestamp) {
    return present
      ? { action: 'apply' }
      : { action: 'added', object: await addFinalizer(client, ref, obj, name) };
  }
  if (!present) return { action: 'deleting' };
  await cleanup();
  try {
    await removeFinalizer(client, ref, obj, name);
  } catch (err) {
    // Gone already (e.g. the finalizer was removed by hand): the cleanup still counts.
    if (!isNotFound(err)) throw err;
  }
  return { action: 'cleanedUp' };
}

async function jsonPatch<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  patch: unknown[],
): Promise<T> {
  try {
    return await client.patch<T>(ref, obj.metadata.namespace, obj.metadata.name ?? '', patch, 'json');
  } catch (err) {
    // The apiserver answers a failed `test` op with a bare 422 (validation errors list their causes):
    // the finalizer list changed under us.
    const status = err instanceof ApiError ? (err.body as { details?: { causes?: unknown[] } }) : undefined;
    if (err instanceof ApiError && err.status === 422 && !status?.details?.causes?.length) {
      throw new ApiError(
        409,
        'Conflict',
        `finalizers of ${obj.kind} ${obj.metadata.name} changed concurrently: ${err.message}`,
        err.body,
      );
    }
    throw err;
  }
}
