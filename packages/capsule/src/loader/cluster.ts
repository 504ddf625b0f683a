// What the loader does to the cluster: install the kaas CRDs when missing, read the Nodes, apply
// objects (server-side apply, reporting whether anything changed) and wait for the warm pool.
import {
  applyObject,
  applyStatus,
  builtin,
  installCrds,
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type ResourceDefinition,
  type ResourceRef,
} from '@industriverse/kube';
import { eventually } from '@industriverse/testenv';
import { DeployError } from './errors.ts';
import { FIELD_MANAGER } from './objects.ts';
import type { NodeLike } from './requirements.ts';

/**
 * Installs the CRDs that are missing and waits until they are Established; returns their names.
 * CRDs already there are left alone: the kaas operator may own a newer revision of them.
 */
export async function ensureCrds(
  client: KubeClient,
  defs: readonly ResourceDefinition[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const missing: ResourceDefinition[] = [];
  for (const def of defs) {
    try {
      await client.get(builtin.crd, undefined, def.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(def);
    }
  }
  if (missing.length === 0) return [];
  try {
    await installCrds(client, missing, { fieldManager: FIELD_MANAGER, timeoutMs });
  } catch (err) {
    throw new DeployError('CRD_NOT_ESTABLISHED', (err as Error).message);
  }
  return missing.map((d) => d.name);
}

/** Creates the namespace when missing; true when it did. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<boolean> {
  try {
    await client.get(builtin.namespace, undefined, name);
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await client.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}

export async function listNodes(client: KubeClient): Promise<NodeLike[]> {
  return (await client.listAll<NodeLike & KubeObject>(builtin.node)).items;
}

async function current<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: KubeObject,
): Promise<T | undefined> {
  try {
    return await client.get<T>(ref, obj.metadata.namespace, obj.metadata.name!);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Server-side applies `obj`; `changed` is false when the stored object stayed the same. */
export async function applyTracked<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: KubeObject,
  subresource?: 'status',
): Promise<{ object: T; before: T | undefined; changed: boolean }> {
  const before = await current<T>(client, ref, obj);
  const opts = { fieldManager: FIELD_MANAGER, force: true };
  const object = subresource
    ? await applyStatus<T>(client, ref, obj, opts)
    : await applyObject<T>(client, ref, obj, opts);
  return { object, before, changed: before?.metadata.resourceVersion !== object.metadata.resourceVersion };
}

/** Deletes an object when it exists; true when it did. */
export async function deleteIfExists(
  client: KubeClient,
  ref: ResourceRef,
  namespace: string,
  name: string,
): Promise<boolean> {
  try {
    await client.delete(ref, namespace, name, { propagationPolicy: 'Background' });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

type DeploymentStatus = KubeObject & {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; observedGeneration?: number };
};

/** Waits until every replica of a Deployment is ready. */
export async function waitReady(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<number> {
  return eventually(
    `Deployment ${namespace}/${name} to have all replicas ready`,
    async () => {
      const d = await client.get<DeploymentStatus>(builtin.deployment, namespace, name);
      const want = d.spec?.replicas ?? 1;
      const ready = d.status?.readyReplicas ?? 0;
      const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
      return observed && ready >= want ? ready : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((err: unknown) => {
    throw new DeployError('WARM_POOL_NOT_READY', (err as Error).message);
  });
}
