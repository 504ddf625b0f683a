// The informer cache against a real kube-apiserver: convergence, and no lost update when the
// apiserver restarts in the middle of a watch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import {
  builtin,
  InformerCache,
  isAlreadyExists,
  KubeClient,
  LABEL_INDEX,
  type KubeObject,
} from '../../src/index.ts';

type ConfigMap = KubeObject & { data?: Record<string, string> };
import { configMap, createNamespace, eventually, parallel } from '../support.ts';

let cp: ControlPlane;
let client: KubeClient;
const ctl = new AbortController();
let cache: InformerCache;

before(async () => {
  cp = await startControlPlane();
  client = await KubeClient.fromKubeConfig(cp.kubeConfig);
  cache = new InformerCache({ client });
  cache.informer(builtin.configMap);
  cache.start(ctl.signal);
  await cache.waitForSync();
});

after(async () => {
  ctl.abort();
  await cache.stopped();
  await client.close();
  await cp.stop();
});

async function serverState(namespace: string): Promise<Map<string, string>> {
  const { items } = await client.listAll(builtin.configMap, { namespace });
  return new Map(items.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
}

function cacheState(namespace: string): Map<string, string> {
  return new Map(
    cache.list(builtin.configMap, { namespace }).map((o) => [o.metadata.name!, o.metadata.resourceVersion!]),
  );
}

const sameState = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

test('the cache converges on creates, updates and deletes, and its indexes follow', async () => {
  await createNamespace(client, 'conv');
  const names = Array.from({ length: 300 }, (_, i) => `cm-${i}`);
  await parallel(names, 20, (n) =>
    client.create(builtin.configMap, {
      ...configMap('conv', n, { v: '0' }),
      metadata: { namespace: 'conv', name: n, labels: { tier: n.endsWith('0') ? 'ten' : 'other' } },
    }),
  );
  await parallel(names.slice(0, 100), 20, (n) =>
    client.patch(builtin.configMap, 'conv', n, { data: { v: '1' } }),
  );
  await parallel(names.slice(250), 20, (n) => client.delete(builtin.configMap, 'conv', n));
  const expected = await serverState('conv');
  assert.equal(expected.size, 250);
  await eventually('cache to match the server', () => sameState(cacheState('conv'), expected));
  assert.equal(cache.list(builtin.configMap, { namespace: 'conv', labels: { tier: 'ten' } }).length, 25);
  assert.equal(cache.informer(builtin.configMap).store.byIndex(LABEL_INDEX, 'tier=ten').length, 25);
  assert.equal(cache.get<ConfigMap>(builtin.configMap, 'conv', 'cm-5')?.data?.v, '1');
});

test('no update is lost when the apiserver restarts in the middle of a watch', async () => {
  await createNamespace(client, 'restart');
  await client.create(builtin.configMap, configMap('restart', 'counter', { n: '0' }));
  const total = 100;
  let failedWrites = 0;
  const writer = (async () => {
    for (let i = 1; i <= total; i++) {
      for (;;) {
        try {
          await client.patch(builtin.configMap, 'restart', 'counter', { data: { n: String(i) } });
          await client.create(builtin.configMap, configMap('restart', `item-${i}`)).catch((err) => {
            if (!isAlreadyExists(err)) throw err;
          });
          break;
        } catch {
          failedWrites++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      // Paced, so that writing spans the restart.
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  await eventually(
    'some writes before the restart',
    () => Number(cache.get<ConfigMap>(builtin.configMap, 'restart', 'counter')?.data?.n ?? 0) >= 10,
  );
  await cp.restartApiServer();
  await writer;
  assert.ok(failedWrites > 0, 'the restart happened while writing');
  const expected = await serverState('restart');
  assert.equal(expected.size, total + 1);
  await eventually(
    'cache to catch up after the restart',
    () => sameState(cacheState('restart'), expected),
    60_000,
  );
  assert.equal(cache.get<ConfigMap>(builtin.configMap, 'restart', 'counter')?.data?.n, String(total));
});
