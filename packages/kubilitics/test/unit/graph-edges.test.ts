// One test per relationship: the edges each kind of object defines, and their direction
// (dependent -> dependency).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@industriverse/kube';
import { ClusterGraph, deriveEdges } from '../../src/graph/index.ts';
import type { Edge } from '../../src/model/types.ts';

const obj = (kind: string, name: string, rest: Record<string, unknown> = {}, namespace = 'ns') =>
  ({
    apiVersion: 'v1',
    kind,
    ...rest,
    metadata: { name, ...(namespace ? { namespace } : {}), ...((rest.metadata as object) ?? {}) },
  }) as KubeObject;

const plain = (edges: Edge[]) => edges.map(({ from, to, kind }) => `${from} -${kind}-> ${to}`).sort();

test('ownerReferences: owner -> owned, cluster-scoped owners have no namespace', () => {
  const pod = obj('Pod', 'p', {
    metadata: {
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true },
        { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'n' },
      ],
    },
  });
  assert.deepEqual(plain(deriveEdges(pod)), [
    'Node//n1 -owns-> Pod/ns/p',
    'ReplicaSet/ns/rs -owns-> Pod/ns/p',
  ]);
});

test('CRD instances are nodes, related by their ownerReferences', () => {
  const g = new ClusterGraph();
  g.upsert(obj('Database', 'orders', { apiVersion: 'db.example.com/v1' }));
  g.upsert(
    obj('StatefulSet', 'orders', {
      metadata: {
        ownerReferences: [{ apiVersion: 'db.example.com/v1', kind: 'Database', name: 'orders', uid: 'x' }],
      },
    }),
  );
  assert.equal(g.list('Database').length, 1);
  assert.deepEqual(plain(g.outgoing('Database/ns/orders')), [
    'Database/ns/orders -owns-> StatefulSet/ns/orders',
  ]);
});

test('Pod -> Node (spec.nodeName) and Pod -> ServiceAccount', () => {
  const pod = obj('Pod', 'p', { spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [] } });
  assert.deepEqual(plain(deriveEdges(pod)), [
    'Pod/ns/p -runs-on-> Node//n1',
    'Pod/ns/p -service-account-> ServiceAccount/ns/sa',
  ]);
});

test('Pod -> ConfigMap / Secret through volumes, projected sources, env valueFrom, envFrom and pull secrets', () => {
  const pod = obj('Pod', 'p', {
    spec: {
      volumes: [
        { name: 'a', configMap: { name: 'cm-vol' } },
        { name: 'b', secret: { secretName: 's-vol' } },
        {
          name: 'c',
          projected: { sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 's-proj' } }] },
        },
      ],
      initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 's-envfrom' } }] }],
      containers: [
        {
          name: 'main',
          env: [
            { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-key', key: 'a' } } },
            { name: 'B', valueFrom: { secretKeyRef: { name: 's-key', key: 'b' } } },
            { name: 'C', value: 'plain' },
          ],
          envFrom: [{ configMapRef: { name: 'cm-envfrom' } }, { configMapRef: { name: 'cm-vol' } }],
        },
      ],
      imagePullSecrets: [{ name: 'registry' }],
    },
  });
  assert.deepEqual(plain(deriveEdges(pod)), [
    'Pod/ns/p -uses-config-> ConfigMap/ns/cm-envfrom',
    'Pod/ns/p -uses-config-> ConfigMap/ns/cm-key',
    'Pod/ns/p -uses-config-> ConfigMap/ns/cm-proj',
    'Pod/ns/p -uses-config-> ConfigMap/ns/cm-vol',
    'Pod/ns/p -uses-secret-> Secret/ns/registry',
    'Pod/ns/p -uses-secret-> Secret/ns/s-envfrom',
    'Pod/ns/p -uses-secret-> Secret/ns/s-key',
    'Pod/ns/p -uses-secret-> Secret/ns/s-proj',
    'Pod/ns/p -uses-secret-> Secret/ns/s-vol',
  ]);
});

test('optional references are marked optional and left out of missing()', () => {
  const g = new ClusterGraph();
  g.upsert(
    obj('Pod', 'p', {
      spec: {
        containers: [
          {
            name: 'c',
            envFrom: [{ configMapRef: { name: 'maybe', optional: true } }, { secretRef: { name: 'needed' } }],
          },
        ],
      },
    }),
  );
  assert.equal(g.outgoing('Pod/ns/p', ['uses-config'])[0]!.optional, true);
  assert.deepEqual(g.missing(), ['Secret/ns/needed']);
});

test('Pod -> PVC, including generic ephemeral volumes', () => {
  const pod = obj('Pod', 'p', {
    spec: {
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-p' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      ],
    },
  });
  assert.deepEqual(plain(deriveEdges(pod)), [
    'Pod/ns/p -claims-> PersistentVolumeClaim/ns/data-p',
    'Pod/ns/p -claims-> PersistentVolumeClaim/ns/p-scratch',
  ]);
});

test('PVC -> PV -> StorageClass, from either side of the binding, counted once', () => {
  const g = new ClusterGraph();
  const pvc = obj('PersistentVolumeClaim', 'c', { spec: { volumeName: 'pv1', storageClassName: 'fast' } });
  const pv = obj(
    'PersistentVolume',
    'pv1',
    {
      spec: {
        storageClassName: 'fast',
        claimRef: { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c' },
      },
    },
    '',
  );
  g.upsert(pvc);
  g.upsert(pv);
  assert.deepEqual(plain(g.outgoing('PersistentVolumeClaim/ns/c')), [
    'PersistentVolumeClaim/ns/c -binds-> PersistentVolume//pv1',
    'PersistentVolumeClaim/ns/c -storage-class-> StorageClass//fast',
  ]);
  assert.deepEqual(plain(g.outgoing('PersistentVolume//pv1')), [
    'PersistentVolume//pv1 -storage-class-> StorageClass//fast',
  ]);
  // The claim unbinds, the volume still names it: the edge stays until both forget it.
  g.upsert(obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: 'fast' } }));
  assert.equal(g.incoming('PersistentVolume//pv1', ['binds']).length, 1);
  g.remove({ kind: 'PersistentVolume', name: 'pv1' });
  assert.equal(g.incoming('PersistentVolume//pv1', ['binds']).length, 0);
});

test('Ingress -> Service through rules and the default backend (v1 and v1beta1)', () => {
  const ing = obj('Ingress', 'i', {
    spec: {
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [
        { http: { paths: [{ path: '/', backend: { service: { name: 'web' } } }] } },
        { http: { paths: [{ path: '/old', backend: { serviceName: 'legacy', servicePort: 80 } }] } },
        { http: { paths: [{ path: '/again', backend: { service: { name: 'web' } } }] } },
      ],
    },
  });
  assert.deepEqual(plain(deriveEdges(ing)), [
    'Ingress/ns/i -routes-to-> Service/ns/fallback',
    'Ingress/ns/i -routes-to-> Service/ns/legacy',
    'Ingress/ns/i -routes-to-> Service/ns/web',
  ]);
});

test('HPA -> its scale target', () => {
  const hpa = obj('HorizontalPodAutoscaler', 'h', {
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } },
  });
  assert.deepEqual(plain(deriveEdges(hpa)), ['HorizontalPodAutoscaler/ns/h -scales-> Deployment/ns/web']);
});

test('Endpoints and EndpointSlice -> Service', () => {
  assert.deepEqual(plain(deriveEdges(obj('Endpoints', 'web'))), [
    'Endpoints/ns/web -endpoints-> Service/ns/web',
  ]);
  const slice = obj('EndpointSlice', 'web-abc', {
    metadata: { labels: { 'kubernetes.io/service-name': 'web' } },
  });
  assert.deepEqual(plain(deriveEdges(slice)), ['EndpointSlice/ns/web-abc -endpoints-> Service/ns/web']);
});

const pod = (name: string, labels: Record<string, string>, namespace = 'ns') =>
  obj('Pod', name, { metadata: { labels }, spec: { containers: [] } }, namespace);

test('Service -> Pods by selector, same namespace only, re-evaluated on both sides', () => {
  const g = new ClusterGraph();
  g.upsert(pod('a', { app: 'web', tier: 'fe' }));
  g.upsert(pod('b', { app: 'db' }));
  g.upsert(pod('other-ns', { app: 'web' }, 'elsewhere'));
  g.upsert(obj('Service', 'web', { spec: { selector: { app: 'web' } } }));
  assert.deepEqual(plain(g.outgoing('Service/ns/web')), ['Service/ns/web -selects-> Pod/ns/a']);
  // A pod created later, and one whose labels change.
  g.upsert(pod('c', { app: 'web' }));
  g.upsert(pod('b', { app: 'web' }));
  g.upsert(pod('a', { app: 'api' }));
  assert.deepEqual(plain(g.outgoing('Service/ns/web')), [
    'Service/ns/web -selects-> Pod/ns/b',
    'Service/ns/web -selects-> Pod/ns/c',
  ]);
  // The selector changes.
  g.upsert(obj('Service', 'web', { spec: { selector: { app: 'api' } } }));
  assert.deepEqual(plain(g.outgoing('Service/ns/web')), ['Service/ns/web -selects-> Pod/ns/a']);
  // A pod deleted, then the Service.
  g.remove({ kind: 'Pod', namespace: 'ns', name: 'a' });
  assert.deepEqual(g.outgoing('Service/ns/web'), []);
  g.upsert(pod('a', { app: 'api' }));
  g.remove({ kind: 'Service', namespace: 'ns', name: 'web' });
  assert.deepEqual(g.incoming('Pod/ns/a'), []);
});

test('a Service without a selector selects nothing', () => {
  const g = new ClusterGraph();
  g.upsert(pod('a', { app: 'web' }));
  g.upsert(obj('Service', 'external', { spec: { type: 'ExternalName', externalName: 'example.com' } }));
  g.upsert(obj('Service', 'empty', { spec: { selector: {} } }));
  assert.deepEqual(g.incoming('Pod/ns/a'), []);
});

test('PDB and NetworkPolicy -> Pods by label selector, expressions included; an empty selector selects all', () => {
  const g = new ClusterGraph();
  g.upsert(pod('a', { app: 'web' }));
  g.upsert(pod('b', { app: 'db' }));
  g.upsert(obj('PodDisruptionBudget', 'pdb', { spec: { selector: { matchLabels: { app: 'web' } } } }));
  g.upsert(
    obj('NetworkPolicy', 'np', {
      spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] } },
    }),
  );
  g.upsert(obj('NetworkPolicy', 'deny-all', { spec: { podSelector: {} } }));
  assert.deepEqual(plain(g.outgoing('PodDisruptionBudget/ns/pdb')), [
    'PodDisruptionBudget/ns/pdb -selects-> Pod/ns/a',
  ]);
  assert.deepEqual(plain(g.outgoing('NetworkPolicy/ns/np')), ['NetworkPolicy/ns/np -selects-> Pod/ns/b']);
  assert.equal(g.outgoing('NetworkPolicy/ns/deny-all').length, 2);
  g.upsert(pod('c', { app: 'db' }));
  assert.deepEqual(plain(g.incoming('Pod/ns/c')), [
    'NetworkPolicy/ns/deny-all -selects-> Pod/ns/c',
    'NetworkPolicy/ns/np -selects-> Pod/ns/c',
  ]);
});

test('an edge to an object that does not exist is kept and reported missing until it appears', () => {
  const g = new ClusterGraph();
  g.upsert(
    obj('Pod', 'p', { spec: { nodeName: 'n1', volumes: [{ name: 'v', configMap: { name: 'gone' } }] } }),
  );
  g.upsert(obj('Node', 'n1', {}, ''));
  assert.deepEqual(g.missing(), ['ConfigMap/ns/gone']);
  assert.equal(g.incoming('ConfigMap/ns/gone').length, 1);
  g.upsert(obj('ConfigMap', 'gone'));
  assert.deepEqual(g.missing(), []);
  g.remove({ kind: 'ConfigMap', namespace: 'ns', name: 'gone' });
  assert.deepEqual(g.missing(), ['ConfigMap/ns/gone']);
  g.remove({ kind: 'Pod', namespace: 'ns', name: 'p' });
  assert.deepEqual(g.missing(), []);
  assert.deepEqual(g.incoming('Node//n1'), []);
});

test('a status update keeps the edges; a spec change replaces them', () => {
  const g = new ClusterGraph();
  g.upsert(obj('Pod', 'p', { spec: { nodeName: 'n1' }, status: { phase: 'Pending' } }));
  const before = g.outgoing('Pod/ns/p')[0];
  g.upsert(obj('Pod', 'p', { spec: { nodeName: 'n1' }, status: { phase: 'Running' } }));
  assert.equal(g.outgoing('Pod/ns/p')[0], before);
  g.upsert(obj('Pod', 'p', { spec: { nodeName: 'n2' } }));
  assert.deepEqual(plain(g.outgoing('Pod/ns/p')), ['Pod/ns/p -runs-on-> Node//n2']);
  assert.deepEqual(g.incoming('Node//n1'), []);
});
