// Owner references as controller-runtime's controllerutil sets them. An object has at most one
// controller; the garbage collector deletes it with its owner, and `blockOwnerDeletion` makes a
// foreground deletion of the owner wait for it.
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import { splitApiVersion } from '../client/resources.ts';

type Owner = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** Thrown when an object already has a controller other than the requested owner. */
export class AlreadyOwnedError extends Error {
  readonly owner: OwnerReference;
  constructor(object: string, owner: OwnerReference) {
    super(`${object} is already controlled by ${owner.kind} ${owner.name}`);
    this.name = 'AlreadyOwnedError';
    this.owner = owner;
  }
}

/** An OwnerReference marking `owner` as the controller of the object that carries it. */
export function controllerRef(owner: Owner): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid)
    throw new Error(`owner ${owner.kind} must have a name and a uid (read it from the server first)`);
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Returns a copy of `obj` controlled by `owner`, replacing an earlier reference to the same owner.
 * Fails when `obj` has another controller, and for owners the garbage collector would not honour:
 * one in another namespace, or a namespaced owner of a cluster-scoped object.
 */
export function setControllerReference<T extends KubeObject>(owner: Owner, obj: T): T {
  const ref = controllerRef(owner);
  const ownerNs = owner.metadata.namespace;
  if (ownerNs && !obj.metadata.namespace) {
    throw new Error(
      `cluster-scoped ${obj.kind} ${obj.metadata.name} must not have a namespaced owner (${ownerNs})`,
    );
  }
  if (ownerNs && ownerNs !== obj.metadata.namespace) {
    throw new Error(
      `cross-namespace owner references are disallowed: owner in ${ownerNs}, object in ${obj.metadata.namespace}`,
    );
  }
  const current = getControllerOf(obj);
  if (current && !sameOwner(current, ref))
    throw new AlreadyOwnedError(`${obj.kind} ${obj.metadata.name}`, current);
  const others = (obj.metadata.ownerReferences ?? []).filter((r) => !sameOwner(r, ref));
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...others, ref] } };
}

/** The reference marked `controller: true`, if any. */
export function getControllerOf(obj: Pick<KubeObject, 'metadata'>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when `obj` has any owner reference (controller or not) to `owner`, matched by uid. */
export function isOwnedBy(obj: Pick<KubeObject, 'metadata'>, owner: Owner): boolean {
  const uid = owner.metadata.uid;
  return uid !== undefined && (obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
}

// Same object across API versions: group, kind and name, as controller-runtime compares them.
function sameOwner(a: OwnerReference, b: OwnerReference): boolean {
  return (
    splitApiVersion(a.apiVersion).group === splitApiVersion(b.apiVersion).group &&
    a.kind === b.kind &&
    a.name === b.name
  );
}
