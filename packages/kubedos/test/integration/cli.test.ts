// The kubedos CLI as a user runs it: commands, JSON shapes and exit codes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { plan, recordApply, type ClusterSpec } from '../../src/index.ts';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const seed = new URL('../fixtures/seed-lab-01.yaml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kubedos-cli-'));
const kubedos = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

after(() => rmSync(dir, { recursive: true, force: true }));

function treeHash(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${relative(root, p)}\0${statSync(p).mode & 0o777}\0`).update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

test('init writes a spec that validates clean', () => {
  const out = join(dir, 'starter.yaml');
  assert.equal(kubedos('init', '--name', 'starter', '--out', out).status, 0);
  const r = kubedos('validate', out, '--json');
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(JSON.parse(r.stdout), { valid: true, errors: [], warnings: [] });
  assert.equal(kubedos('init', '--out', out).status, 2, 'refuses to overwrite without --force');
});

test('validate: exit 1 with every error as JSON pointers, exit 2 when unreadable', () => {
  const bad = join(dir, 'bad.yaml');
  const spec = parse(readFileSync(seed, 'utf8')) as ClusterSpec;
  spec.spec.kubernetes.ha.controlPlaneReplicas = 2;
  delete (spec.spec.networking.policy as { defaultInterPlane?: string }).defaultInterPlane;
  (spec.spec as unknown as Record<string, unknown>).surprise = true;
  writeFileSync(bad, JSON.stringify(spec));
  const r = kubedos('validate', bad, '--json');
  assert.equal(r.status, 1);
  const report = JSON.parse(r.stdout) as { valid: boolean; errors: { rule: string; path: string }[] };
  assert.equal(report.valid, false);
  const found = report.errors.map((e) => `${e.rule} ${e.path}`);
  for (const want of [
    'ha-quorum /spec/kubernetes/ha/controlPlaneReplicas',
    'inter-plane-default /spec/networking/policy/defaultInterPlane',
    'schema /spec/surprise',
  ]) {
    assert.ok(found.includes(want), `${want} in ${found.join(', ')}`);
  }
  assert.equal(kubedos('validate', join(dir, 'missing.yaml')).status, 2);
  writeFileSync(join(dir, 'broken.yaml'), 'spec: [unclosed');
  const broken = kubedos('validate', join(dir, 'broken.yaml'));
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /broken\.yaml:\d+:\d+/);
  assert.equal(kubedos('validate', seed, '--bogus').status, 2);
});

test('explain documents a field and rejects an unknown one', () => {
  const r = kubedos('explain', 'spec.substrate.allowDestroy');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /destructive-flag-explicit/);
  assert.equal(kubedos('explain', 'spec.nothing').status, 2);
});

test('plan: JSON shape, dot, and an empty plan after an apply of the same spec', async () => {
  const r = kubedos('plan', seed, '--json');
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    cluster: string;
    stages: { id: number; steps: unknown[] }[];
    blocked: unknown[];
    summary: { steps: number };
  };
  assert.equal(doc.cluster, 'lab-01');
  assert.deepEqual(
    doc.stages.map((s) => s.id),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(doc.summary.steps > 0);
  assert.match(kubedos('plan', seed, '--dot').stdout, /^digraph/);
  const state = join(dir, 'state');
  await recordApply(plan(parse(readFileSync(seed, 'utf8')) as ClusterSpec), state);
  const again = JSON.parse(kubedos('plan', seed, '--json', '--state', state).stdout) as {
    summary: { steps: number };
  };
  assert.equal(again.summary.steps, 0);
  assert.equal(kubedos('plan', seed, '--json', '--dot').status, 2);
});

test('render is deterministic and keeps secrets private', () => {
  const out = join(dir, 'render');
  const first = kubedos('render', seed, '--out', out, '--json');
  assert.equal(first.status, 0, first.stderr);
  const listed = JSON.parse(first.stdout) as { out: string; files: string[]; secrets: number };
  assert.ok(listed.files.includes('ansible/inventory.yml'));
  assert.ok(listed.files.includes('kubeadm/init.yaml'));
  assert.ok(listed.secrets > 0);
  const before = treeHash(out);
  assert.equal(kubedos('render', seed, '--out', out).status, 0);
  assert.equal(treeHash(out), before, 'a second render into the same folder is byte-identical');
  for (const f of readdirSync(join(out, 'secrets', 'wireguard', 'cp-1'))) {
    if (f.endsWith('.key'))
      assert.equal(statSync(join(out, 'secrets', 'wireguard', 'cp-1', f)).mode & 0o777, 0o600);
  }
  for (const f of listed.files) assert.doesNotMatch(readFileSync(join(out, f), 'utf8'), /PrivateKey\s*=/);
});
