import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Informer,
  LABEL_INDEX,
  NAMESPACE_INDEX,
  OWNER_INDEX,
  Store,
  type KubeObject,
} from '../../src/index.ts';
import type { KubeClient } from '../../src/client/client.ts';
import { builtin } from '../../src/client/resources.ts';

const obj = (
  ns: string,
  name: string,
  rv: string,
  labels: Record<string, string> = {},
  owner?: string,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    namespace: ns,
    name,
    resourceVersion: rv,
    labels,
    ownerReferences: owner ? [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: owner }] : undefined,
  },
});

test('store indexes by namespace, owner and label, and keeps them right across updates and deletes', () => {
  const s = new Store();
  s.upsert(obj('a', 'x', '1', { app: 'web' }, 'u1'));
  s.upsert(obj('a', 'y', '1', { app: 'db' }));
  s.upsert(obj('b', 'x', '1', { app: 'web' }));
  assert.equal(s.size, 3);
  assert.deepEqual(
    s
      .byIndex(NAMESPACE_INDEX, 'a')
      .map((o) => o.metadata.name)
      .sort(),
    ['x', 'y'],
  );
  assert.equal(s.byIndex(OWNER_INDEX, 'u1').length, 1);
  assert.equal(s.byIndex(LABEL_INDEX, 'app=web').length, 2);
  s.upsert(obj('a', 'x', '2', { app: 'db' }));
  assert.equal(s.byIndex(LABEL_INDEX, 'app=web').length, 1);
  assert.equal(s.byIndex(LABEL_INDEX, 'app=db').length, 2);
  assert.equal(s.byIndex(OWNER_INDEX, 'u1').length, 0);
  s.delete(obj('b', 'x', '2'));
  assert.equal(s.byIndex(LABEL_INDEX, 'app=web').length, 0);
  assert.deepEqual(s.byIndex(NAMESPACE_INDEX, 'b'), []);
  assert.throws(() => s.byIndex('nope', 'x'), /no index named nope/);
});

test('a custom index added late covers objects already stored', () => {
  const s = new Store();
  s.upsert(obj('a', 'x', '1'));
  s.addIndexer('byName', (o) => [o.metadata.name!]);
  assert.equal(s.byIndex('byName', 'x').length, 1);
});

test('informer replace emits adds, updates of changed objects and deletes of vanished ones', () => {
  const inf = new Informer({ client: {} as KubeClient, resource: builtin.configMap });
  const seen: string[] = [];
  inf.addHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (_, o) => seen.push(`update ${o.metadata.name}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  inf.replace([obj('a', 'x', '1'), obj('a', 'y', '1')], '10');
  inf.replace([obj('a', 'x', '1'), obj('a', 'z', '3')], '20');
  inf.apply('MODIFIED', obj('a', 'x', '4'));
  inf.apply('DELETED', obj('a', 'x', '5'));
  assert.deepEqual(seen, ['add x', 'add y', 'add z', 'delete y', 'update x', 'delete x']);
  assert.deepEqual(
    inf.store.list().map((o) => o.metadata.name),
    ['z'],
  );
});

test('informer strips managedFields and replays the store to late handlers', () => {
  const inf = new Informer({ client: {} as KubeClient, resource: builtin.configMap });
  const o = obj('a', 'x', '1');
  o.metadata.managedFields = [{ manager: 'kubectl' }];
  inf.replace([o], '1');
  assert.equal(inf.store.get('a/x')!.metadata.managedFields, undefined);
  const late: string[] = [];
  inf.addHandler({ onAdd: (x) => late.push(x.metadata.name!) });
  assert.deepEqual(late, ['x']);
});
