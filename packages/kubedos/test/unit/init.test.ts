import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { initSpec } from '../../src/init.ts';
import { validateSpec } from '../../src/validate/index.ts';

test('the starter spec validates clean: no errors, no warnings', () => {
  assert.deepEqual(validateSpec(initSpec(), 'cluster.yaml'), { valid: true, errors: [], warnings: [] });
});

test('it is commented and writes every destructive flag out as false', () => {
  const text = initSpec();
  assert.ok(text.split('\n').filter((l) => l.includes('#')).length >= 20, 'commented');
  for (const flag of ['allowDestroy', 'allowRepartition', 'allowWipe', 'allowReset'])
    assert.match(text, new RegExp(`^\\s+${flag}: false`, 'm'), flag);
  for (const section of [
    'substrate',
    'nodes',
    'networking',
    'security',
    'storage',
    'orchestration',
    'kubernetes',
    'acceptance',
  ])
    assert.match(text, new RegExp(`# ---- .*\\n  ${section}:`), `${section} has a heading comment`);
});

test('name and node counts shape the spec, which stays valid', () => {
  for (const [controlPlanes, workers] of [
    [3, 0],
    [5, 7],
    [3, 300],
    [9, 2000],
  ] as const) {
    const text = initSpec({ name: 'edge-7', nodes: { controlPlanes, workers } });
    const spec = parse(text) as ClusterSpec;
    assert.equal(spec.metadata.name, 'edge-7');
    assert.equal(spec.spec.nodes.inventory.length, controlPlanes + workers);
    assert.equal(spec.spec.kubernetes.ha.controlPlaneReplicas, controlPlanes);
    const report = validateSpec(text);
    assert.deepEqual([report.errors, report.warnings], [[], []], `${controlPlanes}+${workers}`);
  }
});

test('a single control plane turns HA off: valid, with the ha-disabled warning', () => {
  const report = validateSpec(initSpec({ nodes: { controlPlanes: 1, workers: 0 } }));
  assert.equal(report.valid, true);
  assert.deepEqual(
    report.warnings.map((w) => w.rule),
    ['warning:ha-disabled'],
  );
});

test('deterministic, and options that cannot make a valid spec are refused', () => {
  assert.equal(initSpec({ name: 'a' }), initSpec({ name: 'a' }));
  assert.throws(() => initSpec({ name: 'Not_A_Label' }), RangeError);
  assert.throws(() => initSpec({ nodes: { controlPlanes: 2 } }), /odd/);
  assert.throws(() => initSpec({ nodes: { controlPlanes: 0 } }), RangeError);
  assert.throws(() => initSpec({ nodes: { workers: -1 } }), RangeError);
  assert.throws(() => initSpec({ nodes: { workers: 70_000 } }), RangeError);
});
