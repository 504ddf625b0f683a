import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { checkPlan, plan } from '../../src/plan/index.ts';
import type { Plan, Step, Violation } from '../../src/plan/index.ts';

const seed = plan(
  parse(readFileSync(new URL('../fixtures/seed-lab-01.yaml', import.meta.url), 'utf8')) as ClusterSpec,
);

/** A copy of the seed plan with some steps' dependencies rewritten (or steps dropped). */
function broken(
  rewire: Record<string, string[] | null>,
  incremental = false,
): Pick<Plan, 'steps' | 'incremental'> {
  const steps: Step[] = [];
  for (const step of structuredClone(seed.steps)) {
    const deps = rewire[step.id];
    if (deps === null) continue;
    steps.push(deps ? { ...step, dependsOn: deps } : step);
  }
  return { steps, incremental };
}

const brief = (vs: Violation[]) => vs.map((v) => [v.rule, v.step, v.requires ?? null]);
const has = (vs: Violation[], rule: string, step: string, requires?: string) =>
  assert.ok(
    vs.some((v) => v.rule === rule && v.step === step && v.requires === requires),
    `expected ${rule} on ${step}${requires ? ` requiring ${requires}` : ''}, got ${JSON.stringify(brief(vs))}`,
  );

describe('checkPlan (§14.3)', () => {
  it('accepts the plan as built', () => {
    assert.deepEqual(checkPlan(seed), []);
  });

  it('backplanes first: enrollment that does not wait for the node planes', () => {
    const vs = checkPlan(broken({ '4/salt-enroll/w-1': ['2/firstboot/w-1'] }));
    for (const plane of ['wg1', 'wg2', 'wg3']) {
      has(vs, 'backplanes-first', '4/salt-enroll/w-1', `3/wg-up/w-1/${plane}`);
      has(vs, 'backplanes-first', '5/pki/w-1', `3/wg-up/w-1/${plane}`);
      // Cluster-wide discovery assumes every node is reachable.
      has(vs, 'backplanes-first', '4/discover', `3/wg-up/w-1/${plane}`);
    }
    assert.ok(vs.every((v) => v.rule === 'backplanes-first'));
    assert.match(vs[0]!.message, /does not wait for the backplane step 3\/wg-up\//);
  });

  it('enrollment gated: a platform step before the node enrolled', () => {
    const vs = checkPlan(broken({ '5/pki/w-1': ['3/wg-up/w-1/wg1', '3/wg-up/w-1/wg2', '3/wg-up/w-1/wg3'] }));
    assert.deepEqual(brief(vs), [['enrollment-gated', '5/pki/w-1', '4/salt-enroll/w-1']]);
  });

  it('primitives first: a node joining Kubernetes before its platform converged', () => {
    const vs = checkPlan(broken({ '6/join-worker/w-1': ['6/kubeadm-init'] }));
    for (const step of [
      '5/partition/w-1/disk0',
      '5/zfs/w-1',
      '5/pki/w-1',
      '5/network-policy/w-1',
      '5/runtime/w-1',
    ])
      has(vs, 'primitives-first', '6/join-worker/w-1', step);
    // Cilium runs on every node, so it too now starts before w-1's platform.
    has(vs, 'primitives-first', '6/cilium', '5/runtime/w-1');
    assert.ok(vs.every((v) => v.rule === 'primitives-first'));
  });

  it('primitives first: a cluster-wide workload that waits for one node only', () => {
    const vs = checkPlan(broken({ '6/cilium': ['6/kubeadm-init'] }));
    has(vs, 'primitives-first', '6/cilium', '5/network-policy/w-1');
    assert.ok(!vs.some((v) => v.requires?.endsWith('/cp-1')), 'cp-1 platform precedes init');
  });

  it('acceptance first: a seal that does not wait for acceptance', () => {
    assert.deepEqual(brief(checkPlan(broken({ '7/seal': ['6/observability'] }))), [
      ['acceptance-first', '7/seal', '7/acceptance'],
    ]);
    const vs = checkPlan(broken({ '7/acceptance': null, '7/seal': ['6/observability'] }));
    assert.deepEqual(brief(vs), [['acceptance-first', '7/seal', null]]);
    assert.match(vs[0]!.message, /no acceptance step/);
  });

  it('stage order: a step depending on a later stage', () => {
    assert.deepEqual(brief(checkPlan(broken({ '1/provision-vm/w-1': ['0/render', '2/firstboot/cp-1'] }))), [
      ['stage-order', '1/provision-vm/w-1', '2/firstboot/cp-1'],
    ]);
  });

  it('dag: unknown dependencies and cycles', () => {
    const unknown = checkPlan(broken({ '5/pki/w-1': ['4/salt-enroll/w-1', 'nope'] }));
    assert.deepEqual(brief(unknown), [['dag', '5/pki/w-1', 'nope']]);
    const cycle = checkPlan(broken({ '2/firstboot/w-1': ['1/provision-vm/w-1', '3/wg-up/w-1/wg1'] }));
    assert.ok(cycle.some((v) => v.rule === 'dag' && /cycle/.test(v.message)));
  });

  it('a full plan must contain each node step the guarantees require; an incremental one need not', () => {
    const rewire = {
      '3/wg-up/w-1/wg1': null,
      '3/wg-up/w-1/wg2': null,
      '3/wg-up/w-1/wg3': null,
      '4/salt-enroll/w-1': ['2/firstboot/w-1'],
    };
    const vs = checkPlan(broken(rewire));
    has(vs, 'backplanes-first', '4/salt-enroll/w-1');
    assert.match(
      vs.find((v) => v.step === '4/salt-enroll/w-1')!.message,
      /has no stage-3 \(backplane\) step/,
    );
    assert.deepEqual(checkPlan(broken(rewire, true)), []);
  });
});
