import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, ExplainError, explainJson } from '../../src/explain.ts';

test('explain prints type, requiredness, description and one line per child', () => {
  const text = explain('spec.networking.planes');
  const lines = text.split('\n');
  assert.equal(lines[0], 'FIELD:    planes <map[string]Object>');
  assert.ok(lines.includes('PATH:     spec.networking.planes'));
  assert.ok(lines.includes('REQUIRED: yes'));
  assert.ok(lines.includes('KEYS:     a plane name such as wg1'));
  assert.ok(text.includes('DESCRIPTION:\n    WireGuard planes by name'));
  const fields = lines.slice(lines.indexOf('FIELDS:') + 1).filter((l) => l !== '');
  assert.equal(fields.length, 3);
  assert.match(fields[0] ?? '', /^ {2}cidr <string> +-required- IPv4 CIDR of the plane/);
  assert.match(fields[2] ?? '', /^ {2}listenPort <integer> +WireGuard UDP port; default 51820/);
});

test('enums, defaults, formats and ranges are shown', () => {
  const role = explainJson('spec.nodes.inventory.role');
  assert.deepEqual(role.allowedValues, ['control-plane', 'worker', 'storage']);
  assert.equal(role.type, 'string');
  assert.equal(role.required, true);
  assert.match(
    explain('spec.substrate.proxmox.placement.strategy'),
    /DEFAULT: {2}"spread"\nALLOWED VALUES: spread, pack/,
  );
  assert.deepEqual(explainJson('spec.security.enrollment.joinWindowMinutes'), {
    path: 'spec.security.enrollment.joinWindowMinutes',
    field: 'joinWindowMinutes',
    type: 'integer',
    required: true,
    description: 'How long a join token stays valid.',
    default: 30,
    minimum: 1,
    maximum: 1440,
    children: [],
  });
  assert.equal(explainJson('spec.networking.planes.wg1.cidr').format, 'an IPv4 CIDR such as 10.101.0.0/24');
  assert.equal(explainJson('spec.nodes.inventory').type, '[]Object');
  assert.equal(explainJson('spec.nodes.inventory').minItems, 1);
});

test('destructive flags and the inter-plane default read as required, naming their rule', () => {
  for (const path of [
    'spec.substrate.allowDestroy',
    'spec.orchestration.ansible.safety.allowRepartition',
    'spec.orchestration.ansible.safety.allowWipe',
    'spec.kubernetes.allowReset',
  ]) {
    const e = explainJson(path);
    assert.equal(e.required, true, path);
    assert.equal(e.requiredBy, 'destructive-flag-explicit');
  }
  assert.match(
    explain('spec.networking.policy.defaultInterPlane'),
    /REQUIRED: yes \(rule inter-plane-default\)/,
  );
  assert.equal(explainJson('spec.substrate').children.find((c) => c.name === 'allowDestroy')?.required, true);
});

test('paths: dotted, cluster-prefixed, JSON Pointers, map keys, and the root', () => {
  assert.equal(explainJson('cluster.spec.kubernetes').path, 'spec.kubernetes');
  assert.equal(explainJson('/spec/nodes/inventory/3/nics/0/vlan').path, 'spec.nodes.inventory.nics.vlan');
  assert.equal(explainJson('spec.networking.planes.wg7.purpose').path, 'spec.networking.planes.wg7.purpose');
  assert.equal(explainJson('spec.networking.planes.purpose').path, 'spec.networking.planes.purpose');
  const root = explainJson('');
  assert.equal(root.field, 'Cluster');
  assert.deepEqual(
    root.children.map((c) => c.name),
    ['apiVersion', 'kind', 'metadata', 'spec'],
  );
  assert.deepEqual(explainJson('cluster'), root);
});

test('an unknown path lists the valid children of the deepest known prefix', () => {
  assert.throws(
    () => explain('spec.networking.plains.wg1'),
    (err: unknown) =>
      err instanceof ExplainError &&
      err.knownPrefix === 'spec.networking' &&
      err.validChildren.join(',') === 'planes,addressing,policy' &&
      /no field "plains" in spec.networking; valid fields: planes, addressing, policy/.test(err.message),
  );
  assert.throws(
    () => explain('spek'),
    (err: unknown) =>
      err instanceof ExplainError &&
      /in the ClusterSpec; valid fields: apiVersion, kind, metadata, spec/.test(err.message),
  );
  assert.throws(() => explain('kind.x'), /it is a value/);
});

test('every field of the schema has a description', () => {
  const missing: string[] = [];
  const walk = (path: string) => {
    const e = explainJson(path);
    for (const c of e.children) {
      const child = path === '' ? c.name : `${path}.${c.name}`;
      if (c.description === '') missing.push(child);
      walk(child);
    }
  };
  walk('');
  assert.deepEqual(missing, []);
});
