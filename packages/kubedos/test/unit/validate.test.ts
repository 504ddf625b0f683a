import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { initSpec } from '../../src/init.ts';
import { mutate, random } from './validate-mutate.ts';
import {
  formatReport,
  readSpecSource,
  RULE_IDS,
  RULES,
  SpecReadError,
  validateSource,
  validateSpec,
  WARNINGS,
} from '../../src/validate/index.ts';

const fixtures = new URL('../fixtures/', import.meta.url);
const seedText = readFileSync(new URL('seed-lab-01.yaml', fixtures), 'utf8');
const invalidDir = new URL('invalid/', fixtures);
const invalid = readdirSync(invalidDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** `# expect: RULE POINTER LINE` header lines of an invalid fixture. */
function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (\S+) (\S+) (\d+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

test('the seed spec validates with no errors and no warnings', () => {
  assert.deepEqual(validateSpec(seedText, 'seed-lab-01.yaml'), { valid: true, errors: [], warnings: [] });
});

test('the rule catalogue lists every error rule of the contract, schema first', () => {
  assert.deepEqual(
    RULES.map((r) => r.id),
    [...RULE_IDS],
  );
  for (const r of [...RULES, ...WARNINGS]) assert.ok(r.description.length > 10, r.id);
  for (const w of WARNINGS) assert.match(w.id, /^warning:[a-z-]+$/);
});

test('every rule id has at least one invalid fixture named after it', () => {
  for (const id of RULE_IDS)
    assert.ok(
      invalid.some((f) => f === `${id}.yaml` || new RegExp(`^${id}-[0-9]+\\.yaml$`).test(f)),
      `no fixture for ${id}`,
    );
});

for (const file of invalid) {
  test(`invalid/${file}: reports exactly the expected rule, pointer and line`, () => {
    const text = readFileSync(new URL(file, invalidDir), 'utf8');
    const expected = expectations(text);
    assert.ok(expected.length > 0, 'fixture has no expect lines');
    const rule = file.replace(/(-[0-9]+)?\.yaml$/, '');
    assert.ok(
      expected.some((e) => e.startsWith(`${rule} `)),
      `the fixture must expect its own rule ${rule}`,
    );
    const report = validateSpec(text, file);
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e) => `${e.rule} ${e.path} ${e.line}`).sort(), [...expected].sort());
    for (const e of report.errors) {
      assert.ok(e.message.length > 0);
      assert.ok(typeof e.column === 'number' && e.column >= 1);
    }
  });
}

test('schema messages name the field and what is expected', () => {
  const byPath = (file: string) =>
    new Map(
      validateSpec(readFileSync(new URL(file, invalidDir), 'utf8')).errors.map((e) => [e.path, e.message]),
    );
  const unknown = byPath('schema-1.yaml');
  assert.match(
    unknown.get('/metadata/colour') ?? '',
    /unknown field "colour".*allowed: name, artifactVersion, labels/,
  );
  assert.match(unknown.get('/spec/networking/planes/wg1/cidr') ?? '', /missing required field "cidr"/);
  const types = byPath('schema-2.yaml');
  assert.equal(
    types.get('/spec/nodes/inventory/1/resources/cpu'),
    'spec.nodes.inventory[1].resources.cpu must be an integer, got "four"',
  );
  const enums = byPath('schema-3.yaml');
  assert.equal(
    enums.get('/spec/kubernetes/ha/etcd'),
    'spec.kubernetes.ha.etcd must be one of stacked, external, got "embedded"',
  );
  assert.match(byPath('schema-5.yaml').get('/spec/networking/planes/wg2/cidr') ?? '', /an IPv4 CIDR/);
});

test('an unknown plane key is rejected: maps are closed too', () => {
  const spec = parse(seedText) as { spec: { networking: { planes: Record<string, unknown> } } };
  spec.spec.networking.planes['backplane'] = { cidr: '10.110.0.0/24', purpose: 'storage' };
  const report = validateSpec(spec);
  assert.deepEqual(
    report.errors.map((e) => [e.rule, e.path]),
    [['schema', '/spec/networking/planes/backplane']],
  );
  assert.match(report.errors[0]?.message ?? '', /unknown key "backplane".*a plane name such as wg1/);
});

test('a spec with many problems reports all of them, in a stable order', () => {
  const text = seedText
    .replace('kind: Cluster', 'kind: Clusters')
    .replace('      controlPlaneReplicas: 3', '      controlPlaneReplicas: 4')
    .replace('wg2: { cidr: 10.102.0.0/24', 'wg2: { cidr: 10.101.0.0/24')
    .replace('      defaultInterPlane: deny\n', '')
    .replace('        allowWipe: false\n', '')
    .replace('    allowReset: false\n', '')
    .replace('vmidRange: { start: 2000, end: 2099 }', 'vmidRange: { start: 2000, end: 2001 }')
    .replace(
      '      - name: w-1\n        role: worker\n        failureDomain: rack-a',
      '      - name: cp-1\n        role: worker\n        failureDomain: rack-z',
    )
    .replace('      bindPlane: wg2', '      bindPlane: wg8')
    .replace('    ceph:\n      enabled: false', '    ceph:\n      enabled: true');
  const report = validateSpec(text, 'many.yaml');
  const rules = new Set(report.errors.map((e) => e.rule));
  for (const rule of [
    'schema',
    'ha-quorum',
    'ha-inventory',
    'plane-cidr-overlap',
    'inter-plane-default',
    'destructive-flag-explicit',
    'vmid-range',
    'duplicate-name',
    'unknown-reference',
    'ceph-replication',
  ])
    assert.ok(rules.has(rule as never), `missing ${rule}`);
  assert.ok(report.errors.length >= 15, `only ${report.errors.length} errors`);
  assert.deepEqual(validateSpec(text, 'many.yaml'), report, 'deterministic');
  const paths = report.errors.map((e) => e.path);
  assert.ok(paths.indexOf('/kind') < paths.indexOf('/spec/kubernetes/allowReset'));
  assert.ok(
    paths.indexOf('/spec/kubernetes/allowReset') < paths.indexOf('/spec/substrate/proxmox/vmidRange'),
  );
});

test('paths into lists sort numerically', () => {
  const spec = parse(seedText) as { spec: { nodes: { inventory: { failureDomain: string }[] } } };
  const node = spec.spec.nodes.inventory[3] as { failureDomain: string };
  const many = Array.from({ length: 12 }, (_, i) => ({ ...structuredClone(node), name: `w-${i + 10}` }));
  spec.spec.nodes.inventory.push(...many.map((n) => ({ ...n, failureDomain: 'nowhere' })));
  const paths = validateSpec(spec).errors.map((e) => e.path);
  assert.deepEqual(
    paths,
    Array.from({ length: 12 }, (_, i) => `/spec/nodes/inventory/${i + 4}/failureDomain`),
  );
});

test('discouraged choices are warnings: the spec stays valid', () => {
  const text = seedText
    .replace('model: offline-ca', 'model: to-fu')
    .replace('defaultInterPlane: deny', 'defaultInterPlane: allow')
    .replace('passwordAuth: false', 'passwordAuth: true')
    .replace('policyDefault: deny', 'policyDefault: allow')
    .replace('      hubble: true', '      hubble: false')
    .replace('allowDestroy: false', 'allowDestroy: true')
    .replace('wg1: { cidr: 10.101.0.0/24', 'wg1: { cidr: 10.101.0.9/24');
  const report = validateSpec(text);
  assert.equal(report.valid, true, JSON.stringify(report.errors));
  assert.deepEqual(
    report.warnings.map((w) => `${w.rule} ${w.path}`),
    [
      'warning:hubble-disabled /spec/kubernetes/cni/hubble',
      'warning:cilium-policy-allow /spec/kubernetes/cni/policyDefault',
      'warning:cidr-host-bits /spec/networking/planes/wg1/cidr',
      'warning:inter-plane-allow /spec/networking/policy/defaultInterPlane',
      'warning:tofu-bootstrap /spec/security/bootstrap/model',
      'warning:password-auth /spec/security/ssh/passwordAuth',
      'warning:destructive-enabled /spec/substrate/allowDestroy',
    ],
  );
  for (const w of report.warnings) assert.ok(w.line !== undefined && w.line > 0);
});

test('HA off: no quorum rule, a warning instead; Kubernetes off: no HA rules at all', () => {
  const haOff = validateSpec(
    seedText
      .replace('      controlPlaneReplicas: 3', '      enabled: false\n      controlPlaneReplicas: 1')
      .replace('      - name: cp-2\n        role: control-plane', '      - name: cp-2\n        role: worker')
      .replace('      - name: cp-3\n        role: control-plane', '      - name: cp-3\n        role: worker'),
  );
  assert.deepEqual(haOff.errors, []);
  assert.deepEqual(
    haOff.warnings.map((w) => w.rule),
    ['warning:ha-disabled'],
  );
  const k8sOff = validateSpec(
    seedText
      .replace('  kubernetes:\n    enabled: true', '  kubernetes:\n    enabled: false')
      .replace('controlPlaneReplicas: 3', 'controlPlaneReplicas: 2'),
  );
  assert.deepEqual(k8sOff.errors, []);
});

test('a Ceph spec that satisfies its replication policy is valid', () => {
  const osd = (name: string, domain: string) =>
    `      - name: ${name}\n        role: storage\n        failureDomain: ${domain}\n        resources: { cpu: 4, memoryMiB: 8192 }\n        disks:\n          - { pool: fast-zfs, sizeGiB: 64, purpose: os }\n          - { pool: fast-zfs, sizeGiB: 512, purpose: ceph-osd }\n        nics:\n          - { bridge: vmbr0, vlan: 10, purpose: uplink }\n`;
  const text = seedText
    .replace('      - name: rack-b\n', '      - name: rack-b\n      - name: rack-c\n')
    .replace(
      '  # ---- Networking',
      `${osd('s-1', 'rack-a')}${osd('s-2', 'rack-b')}${osd('s-3', 'rack-c')}\n  # ---- Networking`,
    )
    .replace(
      '    ceph:\n      enabled: false',
      '    ceph:\n      enabled: true\n      size: 3\n      minSize: 2\n      failureDomain: failureDomain\n      plane: wg3\n      pools:\n        - { name: rbd }\n        - { name: scratch, size: 2, minSize: 3 }',
    );
  const report = validateSpec(text);
  assert.deepEqual(
    report.errors.map((e) => `${e.rule} ${e.path}`),
    ['ceph-replication /spec/storage/ceph/pools/1/minSize'],
  );
});

test('unreadable input throws SpecReadError with file:line:column', () => {
  const cases: [string, RegExp][] = [
    ['a: [1, 2\nb: 3\n', /^bad\.yaml:\d+:\d+: invalid YAML/],
    ['a: 1\na: 2\n', /^bad\.yaml:2:1: invalid YAML: Map keys must be unique/],
    ['- 1\n- 2\n', /^bad\.yaml:1:1: expected a ClusterSpec mapping/],
    ['just a string\n', /^bad\.yaml:1:1: expected a ClusterSpec mapping/],
    ['', /^bad\.yaml: empty document/],
    ['# only a comment\n', /^bad\.yaml: empty document/],
    ['a: 1\n---\nb: 2\n', /^bad\.yaml:\d+:\d+: invalid YAML: Source contains multiple documents/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => validateSpec(text, 'bad.yaml'),
      (err: unknown) => err instanceof SpecReadError && message.test(err.message),
      JSON.stringify(text),
    );
  }
  assert.throws(() => validateSpec([] as object), SpecReadError);
});

test('a missing key is located at its parent mapping, a present one at its key', () => {
  const source = readSpecSource(seedText);
  assert.deepEqual(source.locate('/spec/substrate/allowDestroy'), { line: 13, column: 5 });
  assert.deepEqual(source.locate('/spec/substrate/nothing/here'), { line: 11, column: 3 });
  assert.deepEqual(source.locate('/spec/nodes/inventory/1'), { line: 45, column: 9 });
  assert.deepEqual(source.locate(''), { line: 1, column: 1 });
  assert.deepEqual(validateSource(source), { valid: true, errors: [], warnings: [] });
});

test('aliases are followed when locating', () => {
  const text = seedText
    .replace('  labels:\n', '  labels: &labels\n')
    .replace(
      '      - name: delete-worker\n        expectRecoveryMinutes: 10\n',
      '      - name: delete-worker\n        expectRecoveryMinutes: 10\n        extra: *labels\n',
    );
  const report = validateSpec(text);
  assert.deepEqual(
    report.errors.map((e) => `${e.rule} ${e.path}`),
    ['schema /spec/acceptance/drills/0/extra'],
  );
});

test('merge keys are understood, as kubectl does', () => {
  const text = seedText
    .replace(
      '      - name: cp-1\n        role: control-plane\n',
      '      - &cp\n        name: cp-1\n        role: control-plane\n',
    )
    .replace('      - name: cp-2\n        role: control-plane\n', '      - <<: *cp\n        name: cp-2\n');
  assert.deepEqual(validateSpec(text).errors, []);
});

test('human output shows file:line:column, severity and rule', () => {
  const text = readFileSync(new URL('vmid-range.yaml', invalidDir), 'utf8');
  const out = formatReport(validateSpec(text, 'vmid-range.yaml'), 'vmid-range.yaml');
  const [first, summary] = out.trimEnd().split('\n');
  assert.match(
    first ?? '',
    /^vmid-range\.yaml:\d+:7: error \[vmid-range\] \/spec\/substrate\/proxmox\/vmidRange: /,
  );
  assert.equal(summary, 'vmid-range.yaml: invalid (1 error, 0 warnings)');
});

test('fuzz: mutated specs yield a report or a SpecReadError, never anything else', () => {
  const next = random(4);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const lines = seedText.split('\n');
  for (let i = 0; i < 300; i++) {
    // Data mutations: replace or delete values anywhere, then validate both the data and its YAML.
    const doc = parse(seedText) as unknown;
    for (let m = 1 + Math.floor(next() * 4); m > 0; m--) mutate(doc, next);
    const report = validateSpec(doc as object);
    assert.equal(typeof report.valid, 'boolean');
    const fromText = validateSpec(stringify(doc));
    assert.deepEqual(
      fromText.errors.map((e) => e.path),
      report.errors.map((e) => e.path),
    );
    // Text mutations: drop, duplicate or corrupt lines.
    const mutated = [...lines];
    for (let m = 1 + Math.floor(next() * 3); m > 0; m--) {
      const at = Math.floor(next() * mutated.length);
      const op = next();
      if (op < 0.33) mutated.splice(at, 1);
      else if (op < 0.66) mutated.splice(at, 0, mutated[at] ?? '');
      else
        mutated[at] = (mutated[at] ?? '').replace(
          /[a-z0-9]/,
          pick(['', ':', '-', '{', '[', '"', ' ', 'Z', '9']),
        );
    }
    try {
      const r = validateSpec(mutated.join('\n'), 'fuzz.yaml');
      assert.equal(typeof r.valid, 'boolean');
    } catch (err) {
      assert.ok(err instanceof SpecReadError, `case ${i}: ${(err as Error).stack}`);
    }
  }
});

test('a 1,000-node spec validates, and all of its problems are reported', () => {
  const text = initSpec({ nodes: { controlPlanes: 3, workers: 997 } });
  const report = validateSpec(text);
  assert.equal(report.valid, true, JSON.stringify(report.errors.slice(0, 3)));
  // All problems reported on a big spec stay linear too.
  const broken = validateSpec(text.replaceAll('vlan: 10', 'vlan: 11'));
  assert.equal(broken.errors.length, 1000);
});
