// A reflector that resumes from a compacted resourceVersion gets 410 Gone and relists; its
// handlers then hear of everything that happened meanwhile, deletes included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { builtin, Informer, KubeClient } from '../../src/index.ts';
import { configMap, createNamespace, eventually } from '../support.ts';

let cp: ControlPlane;
let client: KubeClient;

before(async () => {
  // Without the watch cache, watches read etcd directly, so compaction yields 410 at once.
  cp = await startControlPlane({ apiServerFlags: ['--watch-cache=false'] });
  client = await KubeClient.fromKubeConfig(cp.kubeConfig);
});

after(async () => {
  await client.close();
  await cp.stop();
});

test('relists after 410 Gone and reports the changes it missed', async () => {
  await createNamespace(client, 'gone');
  for (const n of ['keep', 'change', 'drop'])
    await client.create(builtin.configMap, configMap('gone', n, { v: '0' }));
  const inf = new Informer({ client, resource: builtin.configMap, namespace: 'gone' });
  const events: string[] = [];
  inf.addHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}`),
    onUpdate: (_, o) => events.push(`update ${o.metadata.name}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  let ctl = new AbortController();
  let run = inf.run(ctl.signal);
  await inf.waitForSync();
  assert.equal(inf.reflector.lists, 1);
  // Pause the reflector, change things behind its back, compact history away.
  ctl.abort();
  await run;
  events.length = 0;
  await client.patch(builtin.configMap, 'gone', 'change', { data: { v: '1' } });
  await client.delete(builtin.configMap, 'gone', 'drop');
  await client.create(builtin.configMap, configMap('gone', 'new'));
  await client.create(builtin.configMap, configMap('other-ns-is-not-watched', 'x')).catch(() => undefined);
  await cp.compactEtcd();
  ctl = new AbortController();
  run = inf.run(ctl.signal);
  await eventually('a relist after 410', () => inf.reflector.lists === 2);
  await eventually('the missed changes', () => events.length >= 3);
  assert.deepEqual(events.sort(), ['add new', 'delete drop', 'update change']);
  assert.deepEqual(
    inf.store
      .list()
      .map((o) => o.metadata.name)
      .sort(),
    ['change', 'keep', 'new'],
  );
  // And it keeps watching after the relist.
  await client.create(builtin.configMap, configMap('gone', 'after'));
  await eventually('a watch event after the relist', () => inf.store.get('gone/after'));
  ctl.abort();
  await run;
});
