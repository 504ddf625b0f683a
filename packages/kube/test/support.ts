// Shared by the integration tests: polling for a condition instead of sleeping fixed times.
import type { KubeClient } from '../src/index.ts';
import { builtin, isAlreadyExists } from '../src/index.ts';

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

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
