// Diagnosis of a live cluster (a real control plane with two kwok nodes), through the live World.
// kwok runs every pod it is given to Ready whatever its spec says (a missing ConfigMap included), so
// the faults here are the ones the control plane itself reports: the scheduler's Unschedulable
// verdict, a Service whose selector matches nothing, and a Node that stopped reporting Ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtin, KubeClient, type KubeObject } from '@industriverse/kube';
import { eventually, startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { diagnose } from '../../src/diagnose/index.ts';
import { connectLive, type LiveWorld } from '../../src/feed/live.ts';
import { nodeId } from '../../src/model/types.ts';

let cp: ControlPlane;
let client: KubeClient;
let world: LiveWorld;
const ns = 'live-diagnose';

const deployment = (name: string, cpu: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { namespace: ns, name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name, image: `registry.example.com/${name}:1.0.0`, resources: { requests: { cpu } } }],
      },
    },
  },
});

const service = (name: string, selector: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: ns, name },
  spec: { selector, ports: [{ port: 80, targetPort: 8080 }] },
});

const condition = (o: KubeObject | undefined, type: string) =>
  ((o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === type,
  );

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

test('live: an unschedulable Deployment, a Service selecting nothing and a NotReady Node, nothing about the healthy app', async () => {
  const services = await client.resource('v1', 'Service');
  await client.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  // Healthy: fits the 32-CPU kwok nodes, and its Service selects its pods.
  await client.create(builtin.deployment, deployment('web', '100m'));
  await client.create(services, service('web', { app: 'web' }));
  // Requests more CPU than any node has.
  await client.create(builtin.deployment, deployment('trainer', '100'));
  // Selects a label no pod carries.
  await client.create(services, service('checkout', { app: 'checkout' }));
  // A Node nobody runs (no kubelet, not kwok's), reported NotReady, with a pod bound to it.
  await client.create(builtin.node, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-lost', labels: { 'kubernetes.io/hostname': 'worker-lost' } },
    spec: {},
  });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // A merge patch, not an update: the controller-manager may touch the new Node in between.
  await client.patch(
    builtin.node,
    undefined,
    'worker-lost',
    {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: 'container runtime is down',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
    'strategic',
    'status',
  );
  await client.create(builtin.pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name: 'stranded' },
    spec: { nodeName: 'worker-lost', containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0' }] },
  });

  const pods = () => world.objects('Pod', ns);
  await eventually(
    'web pods Ready',
    () =>
      pods().filter((p) => p.metadata.name?.startsWith('web-') && condition(p, 'Ready')?.status === 'True')
        .length === 2,
  );
  await eventually(
    'trainer pods Unschedulable',
    () =>
      pods().filter(
        (p) => p.metadata.name?.startsWith('trainer-') && condition(p, 'PodScheduled')?.status === 'False',
      ).length === 2,
  );
  await eventually('the stranded pod in the world', () =>
    world.get({ kind: 'Pod', namespace: ns, name: 'stranded' }),
  );
  await eventually(
    'worker-lost NotReady',
    () => condition(world.get({ kind: 'Node', name: 'worker-lost' }), 'Ready')?.status !== 'True' && true,
  );

  const report = await diagnose(world);
  const found = report.findings.map((f) => `${f.category} ${nodeId(f.rootCause)}`);
  assert.ok(found.includes('Unschedulable Deployment/live-diagnose/trainer'), found.join('\n'));
  assert.ok(found.includes('NoEndpoints Service/live-diagnose/checkout'), found.join('\n'));
  assert.ok(found.includes('NodeFailure Node//worker-lost'), found.join('\n'));
  assert.ok(
    !report.findings.some((f) => nodeId(f.subject).endsWith('/web') || nodeId(f.rootCause).endsWith('/web')),
    found.join('\n'),
  );
  assert.equal(report.status, 'OK', JSON.stringify(report.unexplained));

  const trainer = report.findings.find((f) => f.category === 'Unschedulable')!;
  assert.match(trainer.summary, /Insufficient cpu/);
  assert.deepEqual(
    trainer.explanation_trace.map((t) => t.step).filter((s, i, all) => all.indexOf(s) === i),
    ['observe', 'hypothesise', 'test', 'conclude'],
  );
});
