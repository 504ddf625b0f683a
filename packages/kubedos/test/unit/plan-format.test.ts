import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { plan, planDocument, planToDot, planToJson, planToText } from '../../src/plan/index.ts';

const spec = () =>
  parse(readFileSync(new URL('../fixtures/seed-lab-01.yaml', import.meta.url), 'utf8')) as ClusterSpec;
const full = plan(spec());
/** The seed cluster after an apply, then w-1 removed from the spec: one blocked destroy. */
const blockedPlan = (() => {
  const smaller = spec();
  smaller.spec.nodes.inventory.pop();
  return plan(smaller, { state: full.after });
})();
const allowedPlan = (() => {
  const smaller = spec();
  smaller.spec.nodes.inventory.pop();
  smaller.spec.substrate.allowDestroy = true;
  return plan(smaller, { state: full.after });
})();
const hasDot = spawnSync('dot', ['-V']).status === 0;

describe('planToJson', () => {
  it('has the documented shape', () => {
    const doc = JSON.parse(planToJson(full));
    assert.deepEqual(Object.keys(doc), ['cluster', 'stages', 'blocked', 'summary']);
    assert.equal(doc.cluster, 'lab-01');
    assert.deepEqual(
      doc.stages.map((s: { id: number; name: string }) => [s.id, s.name]),
      [
        [0, 'Spec Validation'],
        [1, 'Substrate Provision'],
        [2, 'Firstboot Identity + Baseline'],
        [3, 'Backplanes Up (Kernel WireGuard Planes)'],
        [4, 'Enrollment + Discovery (Salt)'],
        [5, 'Platform Converge (Ansible)'],
        [6, 'Reference Workload Bring-up (Kubernetes)'],
        [7, 'Seal + Emit'],
      ],
    );
    assert.deepEqual(Object.keys(doc.stages[3].steps[0]), [
      'id',
      'stage',
      'node',
      'action',
      'description',
      'destructive',
      'dependsOn',
      'inputsHash',
    ]);
    assert.deepEqual(doc.stages[3].steps[0].id, '3/wg-up/cp-1/wg1');
    assert.deepEqual(Object.keys(doc.stages[0].steps[0]), [
      'id',
      'stage',
      'action',
      'description',
      'destructive',
      'dependsOn',
      'inputsHash',
    ]);
    assert.equal(doc.stages[6].steps[0].once, true);
    assert.deepEqual(doc.blocked, []);
    assert.deepEqual(doc.summary, { steps: 59, destructive: 0, blocked: 0 });
    assert.ok(planToJson(full).endsWith('}\n'));
  });

  it('reports blocked and destructive changes', () => {
    const blocked = planDocument(blockedPlan);
    assert.deepEqual(blocked.summary, { steps: blockedPlan.steps.length, destructive: 0, blocked: 1 });
    assert.deepEqual(Object.keys(blocked.blocked[0]!), ['id', 'stage', 'node', 'action', 'flag', 'reason']);
    const allowed = planDocument(allowedPlan);
    assert.equal(allowed.summary.destructive, 1);
    const destroy = allowed.stages.find((s) => s.id === 1)!.steps[0]!;
    assert.deepEqual(
      [destroy.id, destroy.destructive, destroy.allowedBy],
      ['1/destroy-vm/w-1', true, 'spec.substrate.allowDestroy'],
    );
  });

  it('an empty plan has no stages', () => {
    assert.deepEqual(JSON.parse(planToJson(plan(spec(), { state: full.after }))), {
      cluster: 'lab-01',
      stages: [],
      blocked: [],
      summary: { steps: 0, destructive: 0, blocked: 0 },
    });
  });
});

describe('planToText', () => {
  it('lists stages in order and steps per node', () => {
    const text = planToText(full);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Plan for cluster lab-01: 59 steps, 0 destructive, 0 blocked');
    const headers = lines.filter((l) => l.startsWith('Stage '));
    assert.equal(headers.length, 8);
    assert.equal(headers[1], 'Stage 1: Substrate Provision [SAFE, destructive: MAYBE]');
    assert.equal(headers[6], 'Stage 6: Reference Workload Bring-up (Kubernetes) [SAFE*, destructive: MAYBE]');
    const stage3 = text.slice(text.indexOf('Stage 3:'), text.indexOf('Stage 4:'));
    assert.match(
      stage3,
      /\n {2}cp-1:\n {4}3\/wg-up\/cp-1\/wg1 {2}wg1 \(control\) 10\.101\.0\.\d+\/24, port 51821, 3 peers\n/,
    );
    assert.match(text, /\n {2}\(cluster-wide\):\n {4}4\/discover /);
    assert.match(
      text,
      /6\/kubeadm-init {2}kubeadm init on cp-1: Kubernetes v1\.30\.x, stacked etcd, endpoint 10\.103\.0\.\d+:6443 {2}\[once\]\n/,
    );
  });

  it('says when there is nothing to do, and explains what is blocked', () => {
    assert.equal(
      planToText(plan(spec(), { state: full.after })),
      'Plan for cluster lab-01 (changes since the recorded state): 0 steps, 0 destructive, 0 blocked\n\n' +
        'No changes: the cluster matches the recorded state.\n',
    );
    assert.match(
      planToText(blockedPlan),
      /\nBlocked \(destructive changes the spec does not allow\):\n {2}1\/destroy-vm\/w-1: node w-1 is recorded in the state but no longer in the spec; set spec\.substrate\.allowDestroy: true to allow it\n$/,
    );
    assert.match(
      planToText(allowedPlan),
      /1\/destroy-vm\/w-1 {2}destroy the VM of w-1 {2}\[DESTRUCTIVE, allowed by spec\.substrate\.allowDestroy\]/,
    );
  });
});

describe('planToDot', () => {
  it('draws one box per stage and every dependency', () => {
    const dot = planToDot(full);
    assert.ok(dot.startsWith('digraph "plan-lab-01" {\n'));
    assert.equal((dot.match(/subgraph "cluster_stage\d"/g) ?? []).length, 8);
    assert.match(dot, /label="3 Backplanes Up \(Kernel WireGuard Planes\)";/);
    const edges = full.steps.reduce((n, s) => n + s.dependsOn.length, 0);
    assert.equal((dot.match(/" -> "/g) ?? []).length, edges);
    assert.match(dot, /"2\/firstboot\/cp-1" -> "3\/wg-up\/cp-1\/wg1";/);
    assert.equal(planToDot(full), dot);
  });

  it('marks destructive steps red and blocked ones dashed', () => {
    assert.match(
      planToDot(allowedPlan),
      /"1\/destroy-vm\/w-1" \[color="red", fontcolor="red", label="1\/destroy-vm\/w-1"/,
    );
    assert.match(
      planToDot(blockedPlan),
      /"1\/destroy-vm\/w-1" \[color="grey40", label="1\/destroy-vm\/w-1\\nblocked: set spec\.substrate\.allowDestroy", shape="box", style="dashed"\];/,
    );
  });

  it('is accepted by Graphviz', { skip: !hasDot && 'dot (Debian graphviz) is not installed' }, () => {
    for (const p of [full, blockedPlan, allowedPlan]) {
      const svg = execFileSync('dot', ['-Tsvg'], { input: planToDot(p), encoding: 'utf8' });
      assert.match(svg, /<svg /);
    }
  });
});
