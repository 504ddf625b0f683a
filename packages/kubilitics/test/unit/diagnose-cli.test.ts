// `kubilitics diagnose`: its JSON, its report and its exit codes, run in a child process as the CLI runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const command = new URL('../../src/cli/diagnose.ts', import.meta.url).href;
const scenario = (name: string) => new URL(`../scenarios/${name}`, import.meta.url).pathname;

function run(opts: Record<string, unknown>) {
  const script = `import { diagnoseCommand } from ${JSON.stringify(command)};
process.exitCode = await diagnoseCommand(${JSON.stringify(opts)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('--json prints exactly {"status", "findings"} and exits 0', () => {
  const r = run({ snapshot: scenario('noisy-cluster-four-faults'), json: true });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { status: string; findings: { category: string }[] };
  assert.deepEqual(Object.keys(out), ['status', 'findings']);
  assert.equal(out.status, 'OK');
  assert.deepEqual(out.findings.map((f) => f.category).sort(), [
    'ImagePull',
    'NoEndpoints',
    'QuotaExceeded',
    'VolumePending',
  ]);
});

test('the readable report names root causes, and says INCONCLUSIVE when it is', () => {
  const ok = run({ snapshot: scenario('quota-exceeded') });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^status: OK/);
  assert.match(ok.stdout, /QuotaExceeded: ResourceQuota batch\/compute-quota/);
  const unsure = run({ snapshot: scenario('inconclusive-pods-not-ready') });
  assert.equal(unsure.status, 0, unsure.stderr);
  assert.match(unsure.stdout, /INCONCLUSIVE/);
  assert.match(unsure.stdout, /ruled out ProbeFailure/);
  const healthy = run({ snapshot: scenario('healthy-cluster'), json: true });
  assert.deepEqual(JSON.parse(healthy.stdout), { status: 'OK', findings: [] });
});

test('bad usage and unreadable input exit 2; an unreachable cluster exits 1', () => {
  for (const opts of [{}, { snapshot: scenario('healthy-cluster'), kubeconfig: '/dev/null' }]) {
    const r = run(opts);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /exactly one of --snapshot DIR or --kubeconfig FILE/);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubilitics-diagnose-'));
  assert.equal(run({ snapshot: join(dir, 'missing') }).status, 2);
  assert.equal(run({ snapshot: dir }).status, 2, 'no resources.yaml');
  writeFileSync(join(dir, 'resources.yaml'), 'kind: Pod\nmetadata: [unclosed\n');
  assert.equal(run({ snapshot: dir, json: true }).status, 2);
  assert.equal(run({ kubeconfig: join(dir, 'nope') }).status, 2);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
    ].join('\n'),
  );
  const r = run({ kubeconfig });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: /);
});
