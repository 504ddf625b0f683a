// `kubilitics mcp --kubeconfig`: the server over a live cluster (a real control plane with a kwok
// node), driven by the SDK client over stdio as a model's host would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { builtin, KubeClient, type KubeObject } from '@industriverse/kube';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Doc } from '../fixtures/mcp-world.ts';

const ENTRY = join(import.meta.dirname, '..', 'fixtures', 'mcp-entry.ts');
const ns = 'live-mcp';
const PASSWORD = 'live-Pa55word-9f2c';
const ENV_PASSWORD = 'env-plain-pw-3b7d';

let cp: ControlPlane;
let kube: KubeClient;
let mcp: Client;

before(async () => {
  cp = await startControlPlane({ nodes: 1 });
  kube = await KubeClient.fromKubeConfig(cp.kubeConfig);
  await kube.create(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await kube.create(builtin.secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: ns, name: 'db' },
    stringData: { password: PASSWORD },
  } as KubeObject);
  await kube.create(builtin.deployment, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: ns, name: 'api' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [
            {
              name: 'api',
              image: 'registry.example.com/api:1.0.0',
              env: [
                { name: 'DB_PASSWORD', value: ENV_PASSWORD },
                { name: 'DB_PASSWORD_REF', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
              ],
            },
          ],
        },
      },
    },
  });
  mcp = new Client({ name: 'live-test', version: '1.0.0' });
  await mcp.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [ENTRY, '--kubeconfig', cp.kubeconfigPath],
      stderr: 'pipe',
    }),
  );
});

after(async () => {
  await mcp?.close();
  await kube?.close();
  await cp?.stop();
});

async function call(
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; json: Doc; isError: boolean }> {
  const r = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  return { text, json: (r.structuredContent ?? {}) as Doc, isError: r.isError === true };
}

test('live: the tools read the cluster as it changes, and never show a credential', async () => {
  const deadline = Date.now() + 60_000;
  let pods: { name: string; status: string; node?: string }[] = [];
  while (Date.now() < deadline) {
    pods = (await call('list_resources', { kind: 'Pod', namespace: ns })).json.items ?? [];
    if (pods.length === 2 && pods.every((p) => p.status === 'Running')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(pods.length, 2, JSON.stringify(pods));
  assert.ok(
    pods.every((p) => p.status === 'Running' && p.node),
    JSON.stringify(pods),
  );

  const outputs: string[] = [];
  const secret = await call('get_resource_yaml', { kind: 'Secret', name: 'db', namespace: ns });
  assert.match(secret.text, /password: /);
  outputs.push(secret.text);
  const deploy = await call('get_resource_yaml', { kind: 'Deployment', name: 'api', namespace: ns });
  assert.match(deploy.text, /name: DB_PASSWORD\n\s+value: <redacted>/);
  outputs.push(deploy.text);

  const events = await call('get_events', { related_resource: `Deployment/${ns}/api` });
  assert.ok(events.json.total > 0, events.text);
  outputs.push(events.text);

  const node = pods[0]!.node!;
  const drain = await call('simulate_impact', { action: 'drain', resource: `Node/${node}` });
  assert.ok(drain.json.affected_workloads.includes(`Deployment/${ns}/api`), drain.text);
  outputs.push(drain.text);

  const diff = await call('diff_resources', {
    version_a: { resource: `Deployment/${ns}/api`, at: '10m' },
    version_b: {},
  });
  assert.equal(diff.isError, false, diff.text);
  outputs.push(diff.text);

  const refused = await call('restart_rollout', { kind: 'Deployment', name: 'api', namespace: ns });
  assert.equal(refused.isError, true);
  assert.match(refused.text, /Refused/);

  for (const text of outputs) {
    assert.ok(!text.includes(PASSWORD), text);
    assert.ok(!text.includes(Buffer.from(PASSWORD).toString('base64')), text);
    assert.ok(!text.includes(ENV_PASSWORD), text);
  }
});
