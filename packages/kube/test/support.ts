// Shared by the integration tests.
export { eventually } from '@industriverse/testenv';
import type { KubeClient } from '../src/index.ts';
import { builtin, isAlreadyExists } from '../src/index.ts';

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client
    .create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
    .catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function parallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export const configMap = (namespace: string, name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name },
  data,
});
