// The graph's queries over a small cluster: two Deployments and a StatefulSet on two Nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@industriverse/kube';
import { ClusterGraph } from '../../src/graph/index.ts';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'ns', ...extra });
const owner = (kind: string, name: string) => ({
  apiVersion: 'apps/v1',
  kind,
  name,
  uid: name,
  controller: true,
});

function workload(g: ClusterGraph, name: string, pods: { node: string; config?: string }[]): void {
  const hash = `${name}hash`;
  g.upsert({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name), spec: {} });
  g.upsert({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta(`${name}-${hash}`, { ownerReferences: [owner('Deployment', name)] }),
  });
  pods.forEach((p, i) =>
    g.upsert({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(`${name}-${hash}-${i}`, {
        labels: { app: name, 'pod-template-hash': hash },
        ownerReferences: [owner('ReplicaSet', `${name}-${hash}`)],
      }),
      spec: {
        nodeName: p.node,
        containers: [{ name: 'c', ...(p.config ? { envFrom: [{ configMapRef: { name: p.config } }] } : {}) }],
      },
    }),
  );
  g.upsert({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector: { app: name } } });
}

function cluster(): ClusterGraph {
  const g = new ClusterGraph();
  for (const n of ['n1', 'n2']) g.upsert({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
  g.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('shared') });
  workload(g, 'web', [
    { node: 'n1', config: 'shared' },
    { node: 'n2', config: 'shared' },
  ]);
  workload(g, 'api', [{ node: 'n1' }, { node: 'n1' }]);
  workload(g, 'batch', [{ node: 'n2', config: 'shared' }]);
  g.upsert({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('front'),
    spec: { defaultBackend: { service: { name: 'web' } } },
  });
  return g;
}

test('the blast radius of a Node: its pods, their ReplicaSets and Deployments, the Services selecting them', () => {
  const radius = cluster().blastRadius('Node//n1');
  const expected = [
    'Pod/ns/web-webhash-0',
    'Pod/ns/api-apihash-0',
    'Pod/ns/api-apihash-1',
    'ReplicaSet/ns/web-webhash',
    'ReplicaSet/ns/api-apihash',
    'Deployment/ns/web',
    'Deployment/ns/api',
    'Service/ns/web',
    'Service/ns/api',
    'Ingress/ns/front',
  ];
  assert.deepEqual([...radius].sort(), [...expected].sort());
  assert.ok(!radius.includes('Pod/ns/batch-batchhash-0'), 'pods on the other node are unaffected');
});

test('the blast radius lists nearest first, each distance in id order', () => {
  const radius = cluster().blastRadius('Node//n1');
  assert.deepEqual(radius.slice(0, 3), [
    'Pod/ns/api-apihash-0',
    'Pod/ns/api-apihash-1',
    'Pod/ns/web-webhash-0',
  ]);
  assert.equal(radius.at(-1), 'Ingress/ns/front');
  assert.ok(radius.indexOf('Deployment/ns/web') > radius.indexOf('ReplicaSet/ns/web-webhash'));
});

test('the LCA of pods sharing a Node is the Node', () => {
  const g = cluster();
  assert.equal(
    g.lowestCommonAncestor(['Pod/ns/api-apihash-0', 'Pod/ns/api-apihash-1', 'Pod/ns/web-webhash-0']),
    'Node//n1',
  );
});

test('the LCA of pods sharing a ConfigMap (on different Nodes) is the ConfigMap', () => {
  const g = cluster();
  assert.equal(
    g.lowestCommonAncestor(['Pod/ns/web-webhash-0', 'Pod/ns/web-webhash-1', 'Pod/ns/batch-batchhash-0']),
    'ConfigMap/ns/shared',
  );
});

test('the LCA prefers the nearer shared dependency, then the less shared one', () => {
  const g = cluster();
  // web-1 and batch-0 share both Node n2 and ConfigMap shared, at distance 1: the Node has 2
  // dependents, the ConfigMap 3, so the Node explains the pair better.
  assert.equal(g.lowestCommonAncestor(['Pod/ns/web-webhash-1', 'Pod/ns/batch-batchhash-0']), 'Node//n2');
  // A node that is itself in the set is its own ancestor.
  assert.equal(g.lowestCommonAncestor(['Pod/ns/api-apihash-0', 'Node//n1']), 'Node//n1');
  assert.equal(g.lowestCommonAncestor(['Pod/ns/api-apihash-0']), 'Pod/ns/api-apihash-0');
});

test('no LCA when nothing is shared, or for no ids', () => {
  const g = cluster();
  assert.equal(g.lowestCommonAncestor(['Pod/ns/api-apihash-0', 'Pod/ns/batch-batchhash-0']), undefined);
  assert.equal(g.lowestCommonAncestor([]), undefined);
});

test('the neighbourhood within N hops, both directions', () => {
  const g = cluster();
  const one = g.neighbourhood('Pod/ns/api-apihash-0', 1);
  assert.deepEqual(one.nodes, [
    'Pod/ns/api-apihash-0',
    'Node//n1',
    'ReplicaSet/ns/api-apihash',
    'Service/ns/api',
  ]);
  assert.equal(one.edges.length, 3);
  const two = g.neighbourhood('Pod/ns/api-apihash-0', 2);
  assert.ok(two.nodes.includes('Deployment/ns/api'));
  assert.ok(two.nodes.includes('Pod/ns/web-webhash-0'), 'another pod on the same Node');
  assert.deepEqual(g.neighbourhood('Pod/ns/nope', 2), { nodes: [], edges: [] });
  assert.deepEqual(g.neighbourhood('Node//n1', 0).nodes, ['Node//n1']);
});

test('outgoing and incoming filter by edge kind', () => {
  const g = cluster();
  assert.deepEqual(
    g.incoming('Pod/ns/web-webhash-0', ['owns']).map((e) => e.from),
    ['ReplicaSet/ns/web-webhash'],
  );
  assert.deepEqual(
    g.outgoing('Pod/ns/web-webhash-0', ['runs-on', 'uses-config']).map((e) => e.to),
    ['Node//n1', 'ConfigMap/ns/shared'],
  );
});

test('topOwner follows controllers up; a missing ReplicaSet still names its Deployment', () => {
  const g = cluster();
  const pod = { kind: 'Pod', namespace: 'ns', name: 'web-webhash-0' };
  assert.deepEqual(g.topOwner(pod), { kind: 'Deployment', namespace: 'ns', name: 'web' });
  g.remove({ kind: 'ReplicaSet', namespace: 'ns', name: 'web-webhash' });
  assert.deepEqual(g.topOwner(pod), { kind: 'Deployment', namespace: 'ns', name: 'web' });
  const job: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('nightly-28391-x', { ownerReferences: [owner('Job', 'nightly-28391')] }),
  };
  g.upsert(job);
  assert.deepEqual(g.topOwner({ kind: 'Pod', namespace: 'ns', name: 'nightly-28391-x' }), {
    kind: 'Job',
    namespace: 'ns',
    name: 'nightly-28391',
  });
  assert.deepEqual(g.topOwner({ kind: 'Node', name: 'n1' }), { kind: 'Node', name: 'n1' });
});

test('get, list by kind and namespace, size', () => {
  const g = cluster();
  assert.equal(g.list('Pod').length, 5);
  assert.equal(g.list('Node', 'ns').length, 0);
  assert.equal(g.list(undefined, 'ns').length, g.size - 2);
  assert.equal(g.get({ kind: 'Node', name: 'n2' })?.metadata.name, 'n2');
  assert.equal(g.getById('Service/ns/web')?.kind, 'Service');
});

test('the LCA passes over what every pod gets: kube-root-ca.crt and the default ServiceAccount', () => {
  const g = new ClusterGraph();
  for (const name of ['a', 'b'])
    g.upsert({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(name),
      spec: {
        nodeName: name === 'a' ? 'n1' : 'n2',
        serviceAccountName: 'default',
        containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'web-config' } }] }],
        volumes: [{ name: 'token', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }],
      },
    });
  assert.equal(g.lowestCommonAncestor(['Pod/ns/a', 'Pod/ns/b']), 'ConfigMap/ns/web-config');
});
