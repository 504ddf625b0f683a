import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STAGES, rerunMatrix, rerunMatrixToMarkdown, stage, stageDag } from '../../src/plan/index.ts';

// Seed 004 §14.2, verbatim.
const SEED_MATRIX = `
| Stage | Safe to Re-run | Drift Remediated | Can Destroy | Requires Explicit Opt-in |
|------:|:---------------:|:----------------:|:-----------:|:------------------------:|
| 0 Spec Validation | ✅ | n/a | ❌ | ❌ |
| 1 Substrate Provision | ✅ | ✅ (bounded) | ⚠️ | ✅ \`allowDestroy\` |
| 2 Firstboot | ✅ | ✅ | ❌ | ❌ |
| 3 Backplanes | ✅ | ✅ | ❌ | ❌ |
| 4 Enrollment/Discovery | ✅ | ✅ | ❌ | ❌ (revocation separate) |
| 5 Platform Converge | ✅ | ✅ | ⚠️ | ✅ per-role allow flags |
| 6 Kubernetes | ✅* | ✅ | ⚠️ | ✅ \`allowReset\` |
| 7 Seal/Emit | ✅ | n/a | ❌ | ❌ |
`;

function cells(markdown: string): string[][] {
  return markdown
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-:|]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

describe('canonical stages (§14.1)', () => {
  it('has stages 0-7 in a chain', () => {
    assert.deepEqual(
      STAGES.map((s) => s.id),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const dag = stageDag();
    assert.deepEqual(dag.validate(), []);
    assert.deepEqual(dag.topoOrder(), ['0', '1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(dag.layers().length, 8);
  });

  it('names every stage as the seed does', () => {
    assert.deepEqual(
      STAGES.map((s) => s.name),
      [
        'Spec Validation',
        'Substrate Provision',
        'Firstboot Identity + Baseline',
        'Backplanes Up (Kernel WireGuard Planes)',
        'Enrollment + Discovery (Salt)',
        'Platform Converge (Ansible)',
        'Reference Workload Bring-up (Kubernetes)',
        'Seal + Emit',
      ],
    );
  });

  it('carries the inputs and outputs of §14.1', () => {
    assert.deepEqual(stage(0).inputs, [
      'ClusterSpec',
      'schema',
      'policy constraints',
      'version locks (or lock policy)',
    ]);
    assert.deepEqual(stage(0).outputs, [
      'validated + normalized spec',
      'rendered inventories',
      'target matrix',
      'plan graph',
    ]);
    assert.deepEqual(stage(3).outputs, [
      'wg1/wg2/wg3 interfaces up',
      'routes installed',
      'plane firewall policy enforced',
    ]);
    assert.deepEqual(stage(6).inputs, [
      'HA topology',
      'PKI policy',
      'kubeadm config',
      'Cilium/Hubble config',
      'registries (offline)',
    ]);
    assert.deepEqual(stage(7).outputs, [
      'recovery bundle',
      'signed manifests',
      'snapshot/template seals (where applicable)',
      'CI artifacts',
    ]);
    for (const s of STAGES) {
      assert.ok(s.inputs.length > 0, `stage ${s.id} inputs`);
      assert.ok(s.outputs.length > 0, `stage ${s.id} outputs`);
    }
  });

  it('has the idempotency contracts and destruction boundaries of §14.1', () => {
    assert.deepEqual(
      STAGES.map((s) => s.idempotency.contract),
      ['SAFE', 'SAFE', 'SAFE', 'SAFE', 'SAFE', 'SAFE', 'SAFE*', 'SAFE'],
    );
    assert.deepEqual(stage(6).idempotency.once, ['kubeadm-init', 'join-control-plane', 'join-worker']);
    assert.deepEqual(
      STAGES.map((s) => s.destruction.boundary),
      ['NO', 'MAYBE', 'NO', 'NO', 'NO', 'MAYBE', 'MAYBE', 'NO'],
    );
    assert.deepEqual(stage(1).destruction.flags, ['spec.substrate.allowDestroy']);
    assert.deepEqual(stage(5).destruction.flags, [
      'spec.orchestration.ansible.safety.allowRepartition',
      'spec.orchestration.ansible.safety.allowWipe',
    ]);
    assert.deepEqual(stage(6).destruction.flags, ['spec.kubernetes.allowReset']);
    assert.equal(stage(3).destruction.detail, 'rotation is explicit, see §18.3');
    assert.equal(stage(4).destruction.detail, 'revocation is explicit');
    for (const s of STAGES) if (s.destruction.boundary === 'NO') assert.deepEqual(s.destruction.flags, []);
  });
});

describe('re-run matrix (§14.2)', () => {
  it('generates exactly the seed table, cell for cell', () => {
    assert.deepEqual(cells(rerunMatrixToMarkdown()), cells(SEED_MATRIX));
  });

  it('is data as well as text', () => {
    const matrix = rerunMatrix();
    assert.deepEqual(matrix.columns, [
      'Stage',
      'Safe to Re-run',
      'Drift Remediated',
      'Can Destroy',
      'Requires Explicit Opt-in',
    ]);
    assert.deepEqual(
      matrix.rows.map((r) => [r.stage, r.canDestroy, r.onceActions, r.driftRemediated]),
      [
        [0, false, false, 'n/a'],
        [1, true, false, 'bounded'],
        [2, false, false, 'yes'],
        [3, false, false, 'yes'],
        [4, false, false, 'yes'],
        [5, true, false, 'yes'],
        [6, true, true, 'yes'],
        [7, false, false, 'n/a'],
      ],
    );
    assert.deepEqual(matrix.rows[5]!.optInFlags, stage(5).destruction.flags);
    assert.deepEqual(matrix.footnotes, [
      '\\* Kubernetes init is a one-time action; reconciliation is repeatable.',
    ]);
  });

  it('renders Markdown with the seed alignment and footnote', () => {
    const md = rerunMatrixToMarkdown();
    const lines = md.split('\n');
    assert.equal(
      lines[0],
      '| Stage | Safe to Re-run | Drift Remediated | Can Destroy | Requires Explicit Opt-in |',
    );
    assert.match(lines[1]!, /^\|-+:\|:-+:\|:-+:\|:-+:\|:-+:\|$/);
    assert.ok(md.endsWith('\\* Kubernetes init is a one-time action; reconciliation is repeatable.\n'));
  });

  it('follows the data: a stage that stops destroying loses its opt-in', () => {
    const changed = STAGES.map((s) =>
      s.id === 1 ? { ...s, destruction: { boundary: 'NO' as const, flags: [], detail: '' } } : s,
    );
    assert.deepEqual(rerunMatrix(changed).rows[1]!.cells.slice(3), ['❌', '❌']);
  });
});
