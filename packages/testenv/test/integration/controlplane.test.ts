// The local control plane is real: the scheduler binds pods to kwok nodes, they reach Running,
// RBAC is enforced, and stop() leaves no process or file behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { ApiError, builtin, KubeClient } from '@industriverse/kube';
import { binaryPaths, startControlPlane, type ControlPlane } from '../../src/index.ts';

const run = promisify(execFile);
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ nodes: 2 });
});

after(async () => {
  await cp?.stop();
});

const kubectl = async (...args: string[]) =>
  (await run(binaryPaths().kubectl, ['--kubeconfig', cp.kubeconfigPath, ...args])).stdout;

test('a Deployment gives pods that the real scheduler binds to kwok nodes and that reach Running', async () => {
  const nodes = await kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}');
  assert.deepEqual(nodes.split(' ').sort(), ['kwok-node-0', 'kwok-node-1']);
  await kubectl('create', 'deployment', 'web', '--image=registry.example/web:1', '--replicas=4');
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
  const pods = JSON.parse(await kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')) as {
    items: { spec: { nodeName?: string }; status: { phase: string } }[];
  };
  assert.equal(pods.items.length, 4);
  for (const p of pods.items) {
    assert.equal(p.status.phase, 'Running');
    assert.match(p.spec.nodeName ?? '', /^kwok-node-[01]$/);
  }
});

test('the apiserver enforces RBAC: a user with no bindings is forbidden', async () => {
  const path = await cp.kubeconfigFor('nobody');
  const client = await KubeClient.load(path);
  try {
    await assert.rejects(
      client.list(builtin.configMap, { namespace: 'default' }),
      (err: unknown) => err instanceof ApiError && err.status === 403,
    );
  } finally {
    await client.close();
  }
});

test('stop() ends every process and removes the folder', async () => {
  const other = await startControlPlane();
  const pids = Object.values(other.components).map((c) => c.child.pid!);
  await other.stop();
  assert.equal(existsSync(other.dir), false);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
});
