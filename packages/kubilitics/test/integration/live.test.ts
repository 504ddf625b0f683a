// The live feed against a real control plane with two kwok nodes: the graph follows a Deployment
// down to its pods' Node, the Service selecting them and the ConfigMap they read, and an update of
// the ConfigMap is a recorded change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtin, KubeClient, type KubeObject, type ResourceRef } from '@industriverse/kube';
import { eventually, startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { connectLive, type LiveWorld } from '../../src/feed/live.ts';
import type { EdgeKind, NodeId } from '../../src/model/types.ts';

let cp: ControlPlane;
let client: KubeClient;
let world: LiveWorld;
const ns = 'shop';

/** The REST resource of a kind once discovery serves it (a new CRD takes a moment). */
async function servedResource(apiVersion: string, kind: string): Promise<ResourceRef> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await client.resource(apiVersion, kind);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      client.invalidateDiscovery();
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const has = (from: NodeId, kind: EdgeKind, to: (id: NodeId) => boolean) =>
  world.graph.outgoing(from, [kind]).some((e) => to(e.to));

before(async () => {
  cp = await startControlPlane({ nodes: 2 });
  client = await KubeClient.fromKubeConfig(cp.kubeConfig);
  world = await connectLive({ client, windowMs: 10 * 60_000 });
});

after(async () => {
  await world?.close();
  await client?.close();
  await cp?.stop();
});

test('the live graph shows Deployment -> ReplicaSet -> Pod -> Node, Service -> Pod, Pod -> ConfigMap', async () => {
  await client.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await client.create(builtin.configMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: ns, name: 'web-config' },
    data: { LOG_LEVEL: 'info' },
  });
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: ns, name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.27', envFrom: [{ configMapRef: { name: 'web-config' } }] },
          ],
        },
      },
    },
  };
  await client.create(builtin.deployment, deployment);
  await client.create(await client.resource('v1', 'Service'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });

  const rs = await eventually(
    'a ReplicaSet owned by the Deployment',
    () =>
      world.graph
        .outgoing('Deployment/shop/web', ['owns'])
        .find((e) => e.to.startsWith('ReplicaSet/shop/web-'))?.to,
  );
  const pods = await eventually('two scheduled pods of the ReplicaSet', () => {
    const owned = world.graph.outgoing(rs, ['owns']).map((e) => e.to);
    const scheduled = owned.filter((p) => has(p, 'runs-on', (n) => n.startsWith('Node//')));
    return scheduled.length === 2 ? scheduled : undefined;
  });
  for (const pod of pods) {
    assert.ok(
      has(pod, 'uses-config', (t) => t === 'ConfigMap/shop/web-config'),
      `${pod} -> ConfigMap`,
    );
    await eventually(`Service -> ${pod}`, () => has('Service/shop/web', 'selects', (t) => t === pod));
    const node = world.graph.outgoing(pod, ['runs-on'])[0]!.to;
    assert.ok(world.get({ kind: 'Node', name: node.split('/')[2]! }), `${node} is in the world`);
    assert.ok(
      world.graph.blastRadius(node).includes('Deployment/shop/web'),
      'the Node affects the Deployment',
    );
  }
  assert.deepEqual(world.graph.topOwner({ kind: 'Pod', namespace: ns, name: pods[0]!.split('/')[2]! }), {
    kind: 'Deployment',
    namespace: ns,
    name: 'web',
  });
});

test('an update is a change with its diff, and the state before it is kept', async () => {
  const ref = { kind: 'ConfigMap', namespace: ns, name: 'web-config' };
  const beforeUpdate = new Date();
  await client.patch(builtin.configMap, ns, 'web-config', { data: { LOG_LEVEL: 'debug' } });
  const change = await eventually('the MODIFIED change', () =>
    world.changes({ ref }).find((c) => c.type === 'MODIFIED'),
  );
  assert.ok(
    change.diff.some((op) => op.path === '/data/LOG_LEVEL' && op.op === 'replace' && op.value === 'debug'),
    JSON.stringify(change.diff),
  );
  assert.equal((world.get(ref) as KubeObject & { data: Record<string, string> }).data.LOG_LEVEL, 'debug');
  const old = world.stateAt(ref, beforeUpdate) as (KubeObject & { data: Record<string, string> }) | undefined;
  assert.equal(old?.data.LOG_LEVEL, 'info');
});

test('Secrets are kept without their values', async () => {
  await client.create(builtin.secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: ns, name: 'token' },
    stringData: { TOKEN: 's3cr3t' },
  });
  const secret = await eventually('the Secret', () =>
    world.get({ kind: 'Secret', namespace: ns, name: 'token' }),
  );
  assert.deepEqual(secret.data, { TOKEN: '' });
  assert.ok(!JSON.stringify(world.objects('Secret')).includes('czNjcjN0'));
});

test('instances of a CRD installed after connecting are nodes, related by ownerReferences', async () => {
  await client.create(builtin.crd, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'databases.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Database', plural: 'databases', singular: 'database', listKind: 'DatabaseList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  const databases = await servedResource('example.com/v1', 'Database');
  const db: KubeObject = await client.create<KubeObject>(databases, {
    apiVersion: 'example.com/v1',
    kind: 'Database',
    metadata: { namespace: ns, name: 'orders' },
    spec: { size: 'small' },
  });
  await client.create(builtin.configMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      namespace: ns,
      name: 'orders-settings',
      ownerReferences: [
        { apiVersion: 'example.com/v1', kind: 'Database', name: 'orders', uid: db.metadata.uid! },
      ],
    },
  });
  await eventually('Database -> ConfigMap', () =>
    has('Database/shop/orders', 'owns', (t) => t === 'ConfigMap/shop/orders-settings'),
  );
  assert.deepEqual(world.get({ kind: 'Database', namespace: ns, name: 'orders' })?.spec, { size: 'small' });
});
