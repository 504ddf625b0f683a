import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@industriverse/kube';
import { correlateFailures, findNPlusOne } from '../../src/analytics/index.ts';
import { ClusterGraph } from '../../src/graph/index.ts';
import type { ObjectRef } from '../../src/model/types.ts';

type Spec = Record<string, unknown>;

const meta = (namespace: string | undefined, name: string, extra: Record<string, unknown> = {}) => ({
  ...(namespace && { namespace }),
  name,
  ...extra,
});

const owned = (kind: string, name: string) => ({
  ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }],
});

function pod(namespace: string, name: string, spec: Spec, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta(namespace, name, extra), spec };
}

function object(kind: string, namespace: string | undefined, name: string, body: Spec = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: meta(namespace, name), ...body };
}

/** Pods of a Deployment through its ReplicaSet, all with the same containers. */
function deployment(namespace: string, name: string, replicas: number, containers: Spec[]): KubeObject[] {
  const rs = `${name}-5d8f`;
  return [
    object('Deployment', namespace, name),
    { ...object('ReplicaSet', namespace, rs), metadata: meta(namespace, rs, owned('Deployment', name)) },
    ...Array.from({ length: replicas }, (_, i) =>
      pod(namespace, `${rs}-${i}`, { containers }, { labels: { app: name }, ...owned('ReplicaSet', rs) }),
    ),
  ];
}

function graphOf(objects: KubeObject[]): ClusterGraph {
  const g = new ClusterGraph();
  for (const o of objects) g.upsert(o);
  return g;
}

describe('findNPlusOne', () => {
  const objects: KubeObject[] = [
    object('StatefulSet', 'shop', 'orders-store'),
    pod(
      'shop',
      'orders-store-0',
      {
        containers: [
          { name: 'db', image: 'docker.io/library/postgres:16', env: [{ name: 'PGHOST', value: 'db' }] },
        ],
      },
      { labels: { app: 'orders-store' }, ...owned('StatefulSet', 'orders-store') },
    ),
    // Named plainly: its pods' image makes it a database.
    object('Service', 'shop', 'db', { spec: { selector: { app: 'orders-store' } } }),
    ...deployment('shop', 'web', 25, [
      {
        name: 'web',
        image: 'shop/web:3',
        env: [{ name: 'DATABASE_URL', value: 'postgres://app@db:5432/orders' }],
      },
    ]),
    ...deployment('shop', 'worker', 5, [
      { name: 'worker', image: 'shop/worker:3', envFrom: [{ configMapRef: { name: 'worker-config' } }] },
    ]),
    object('ConfigMap', 'shop', 'worker-config', {
      data: { DB_HOST: 'db.shop.svc.cluster.local', QUEUE: 'orders' },
    }),
    ...deployment('shop', 'report', 1, [
      {
        name: 'report',
        image: 'shop/report:1',
        env: [{ name: 'DSN', valueFrom: { secretKeyRef: { name: 'report-db', key: 'dsn' } } }],
      },
    ]),
    object('Secret', 'shop', 'report-db', {
      data: { dsn: Buffer.from('host=db.shop port=5432').toString('base64') },
    }),
    // Another namespace's "db" is a different Service.
    ...deployment('ops', 'backup', 3, [{ name: 'backup', image: 'ops/backup:1', args: ['--host', 'db'] }]),
    object('Service', 'shop', 'redis-cache', { spec: { selector: { app: 'redis' } } }),
    pod(
      'shop',
      'redis-0',
      { containers: [{ name: 'redis', image: 'redis:7' }] },
      { labels: { app: 'redis' } },
    ),
    ...deployment('shop', 'cart', 2, [
      { name: 'cart', image: 'shop/cart:1', command: ['cart', '--cache=redis-cache:6379'] },
    ]),
  ];
  const graph = graphOf(objects);

  it('finds many application pods on one database, whichever way they name it', () => {
    const found = findNPlusOne(objects, graph);
    assert.equal(found.length, 1);
    const p = found[0]!;
    assert.equal(p.kind, 'n-plus-one');
    assert.deepEqual(p.hub, { kind: 'Service', namespace: 'shop', name: 'db' });
    assert.deepEqual(p.workload, { kind: 'StatefulSet', namespace: 'shop', name: 'orders-store' });
    assert.equal(p.engine, 'postgres');
    assert.equal(p.databasePods, 1);
    assert.equal(p.fanInPods, 25 + 5 + 1);
    assert.deepEqual(
      p.fanInWorkloads.map((w) => `${w.kind}/${w.name}`),
      ['Deployment/report', 'Deployment/web', 'Deployment/worker'],
    );
    assert.ok(!p.clients.some((c) => c.name === 'orders-store-0'), 'the database is not its own client');
  });

  it('has configurable thresholds, largest fan-in first', () => {
    const found = findNPlusOne(objects, graph, { minPods: 2, minWorkloads: 1 });
    assert.deepEqual(
      found.map((p) => [p.hub.name, p.engine, p.fanInPods]),
      [
        ['db', 'postgres', 31],
        ['redis-cache', 'redis', 2],
      ],
    );
    assert.deepEqual(findNPlusOne(objects, graph, { minPods: 40, minWorkloads: 4 }), []);
  });

  it('takes connections known from elsewhere', () => {
    const fromLogs = [0, 1, 2].map((i) => ({
      from: { kind: 'Pod', namespace: 'ops', name: `backup-5d8f-${i}` },
      to: { kind: 'Service', namespace: 'shop', name: 'db' },
    }));
    const [p] = findNPlusOne(objects, graph, { connections: fromLogs });
    assert.equal(p!.fanInPods, 34);
    assert.equal(p!.fanInWorkloads.length, 4);
  });
});

describe('correlateFailures', () => {
  const sa = 'default';
  const rootCa = {
    name: 'kube-api-access',
    projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] },
  };
  const onNode = (namespace: string, name: string, node: string, extra: Spec = {}) =>
    pod(namespace, name, {
      nodeName: node,
      serviceAccountName: sa,
      containers: [{ name: 'app', image: 'app:1' }],
      volumes: [rootCa],
      ...extra,
    });
  const shared = { volumes: [rootCa, { name: 'cfg', configMap: { name: 'shared-cm' } }] };

  it('names the node most failing pods share', () => {
    const objects = [
      object('Node', undefined, 'node-a'),
      object('Node', undefined, 'node-b'),
      onNode('shop', 'f1', 'node-a', shared),
      onNode('shop', 'f2', 'node-a', shared),
      onNode('shop', 'f3', 'node-a', shared),
      onNode('shop', 'f4', 'node-a'),
      onNode('shop', 'f5', 'node-a'),
      onNode('shop', 'f6', 'node-b'),
      ...Array.from({ length: 20 }, (_, i) => onNode('shop', `ok-${i}`, 'node-b')),
    ];
    const failing: ObjectRef[] = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].map((name) => ({
      kind: 'Pod',
      namespace: 'shop',
      name,
    }));
    const found = correlateFailures(failing, graphOf(objects));
    assert.equal(
      found.length,
      1,
      'the ServiceAccount every pod uses and a ConfigMap half of them use explain nothing',
    );
    const top = found[0]!;
    assert.deepEqual(top.ref, { kind: 'Node', name: 'node-a' });
    assert.equal(top.count, 5);
    assert.equal(top.support, 5 / 6);
    assert.equal(top.dependents, 5);
    assert.equal(top.precision, 1);
    assert.equal(top.distance, 1);
    assert.deepEqual(
      top.members.map((m) => m.name),
      ['f1', 'f2', 'f3', 'f4', 'f5'],
    );

    // Lower support finds the ConfigMap too, ranked after the node.
    const loose = correlateFailures(failing, graphOf(objects), { minSupport: 0.5 });
    assert.deepEqual(
      loose.map((c) => c.ref.name),
      ['node-a', 'shared-cm'],
    );
  });

  it('breaks ties deterministically and never names the injected root CA ConfigMap', () => {
    const objects = [
      object('Node', undefined, 'node-c'),
      onNode('batch', 'j1', 'node-c'),
      onNode('batch', 'j2', 'node-c'),
      onNode('batch', 'j3', 'node-c'),
    ];
    const failing = ['j1', 'j2', 'j3'].map((name) => ({ kind: 'Pod', namespace: 'batch', name }));
    const found = correlateFailures(failing, graphOf(objects));
    assert.deepEqual(
      found.map((c) => `${c.ref.kind}/${c.ref.name}`),
      ['Node/node-c', 'ServiceAccount/default'],
    );
    assert.ok(
      correlateFailures(failing, graphOf(objects), { ignore: () => false }).some(
        (c) => c.ref.name === 'kube-root-ca.crt',
      ),
    );
  });

  it('prefers the nearest of a chain of shared storage, and needs enough failing pods', () => {
    const claim = (name: string) => ({
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }],
    });
    const objects = [
      object('Node', undefined, 'n1'),
      object('Node', undefined, 'n2'),
      object('Node', undefined, 'n3'),
      object('Node', undefined, 'n4'),
      object('StorageClass', undefined, 'standard'),
      object('PersistentVolume', undefined, 'pv-1', { spec: { storageClassName: 'standard' } }),
      object('PersistentVolumeClaim', 'shop', 'shared-data', {
        spec: { volumeName: 'pv-1', storageClassName: 'standard' },
      }),
      object('PersistentVolumeClaim', 'shop', 'other', { spec: { storageClassName: 'standard' } }),
      onNode('shop', 'p1', 'n1', claim('shared-data')),
      onNode('shop', 'p2', 'n2', claim('shared-data')),
      onNode('shop', 'p3', 'n3', claim('shared-data')),
      onNode('shop', 'healthy', 'n4', claim('other')),
      ...Array.from({ length: 10 }, (_, i) => onNode('shop', `x-${i}`, 'n4')),
    ];
    const graph = graphOf(objects);
    const failing = ['p1', 'p2', 'p3'].map((name) => ({ kind: 'Pod', namespace: 'shop', name }));
    const found = correlateFailures(failing, graph);
    assert.deepEqual(
      found.map((c) => [c.ref.kind, c.ref.name, c.distance, c.precision]),
      [
        ['PersistentVolumeClaim', 'shared-data', 1, 1],
        ['PersistentVolume', 'pv-1', 2, 1],
        ['StorageClass', 'standard', 2, 0.75],
      ],
    );
    assert.deepEqual(correlateFailures(failing.slice(0, 2), graph), [], 'two pods are not a pattern');
    assert.deepEqual(correlateFailures([], graph), []);
  });
});
