import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../../src/versions.ts';

const goMod = readFileSync(new URL('../../../../tools/k8s/go.mod', import.meta.url), 'utf8');

test('tools/k8s/go.mod pins the Kubernetes release that versions.ts names', () => {
  assert.match(
    goMod,
    new RegExp(`^\\s*(require )?k8s\\.io/kubernetes ${KUBERNETES_VERSION.replace(/\./g, '\\.')}\\b`, 'm'),
  );
});

test('every staging module is replaced by the matching v0.X.Y release', () => {
  const staging = KUBERNETES_VERSION.replace(/^v1\./, 'v0.');
  const replaces = [...goMod.matchAll(/^\s+(k8s\.io\/\S+) => (k8s\.io\/\S+) (v\S+)$/gm)];
  assert.ok(replaces.length >= 25, `expected the staging replace lines, found ${replaces.length}`);
  for (const [, from, to, version] of replaces) {
    assert.equal(from, to);
    assert.equal(version, staging, `${from} is pinned to ${version}`);
  }
});

test('etcd comes at the version the Kubernetes release requires', () => {
  assert.match(goMod, new RegExp(`go\\.etcd\\.io/etcd/server/v3 ${ETCD_VERSION.replace(/\./g, '\\.')}`));
});
