// The rendered kubeadm files pass the real `kubeadm config validate` of the pinned release, once
// stage 6's placeholder substitution has filled them from the rendered secrets file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryPaths } from '@industriverse/testenv';
import { KUBERNETES_VERSION } from '@industriverse/testenv/versions';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { writeRendered } from '../../src/render/files.ts';
import { KUBEADM_SECRETS_FILE, renderKubeadm } from '../../src/render/kubeadm.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'kubedos-kubeadm-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The discovery pin of a CA: sha256 of its public key (SubjectPublicKeyInfo), as kubeadm computes it. */
const caCertHash =
  'sha256:' +
  createHash('sha256')
    .update(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
    )
    .digest('hex');

async function validate(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(binaryPaths().kubeadm, ['config', 'validate', '--config', file]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Renders `spec` into a fresh folder and returns each kubeadm file with its placeholders filled. */
async function renderFilled(name: string, spec: ClusterSpec): Promise<Map<string, string>> {
  const dir = path.join(root, name);
  await writeRendered(dir, renderKubeadm(spec));
  const values = new Map<string, string>([['KUBEADM_CA_CERT_HASH', caCertHash]]);
  for (const line of readFileSync(path.join(dir, KUBEADM_SECRETS_FILE), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.+)$/.exec(line);
    if (m) values.set(m[1]!, m[2]!);
  }
  const out = new Map<string, string>();
  for (const file of renderKubeadm(spec).filter((f) => f.path.startsWith('kubeadm/'))) {
    const text = readFileSync(path.join(dir, file.path), 'utf8').replace(
      /\$\{([A-Z_]+)\}/g,
      (whole, v: string) => {
        const value = values.get(v);
        assert.ok(value, `${file.path}: no value for ${whole}`);
        return value;
      },
    );
    const filled = path.join(dir, file.path.replace(/\.yaml$/, '.filled.yaml'));
    writeFileSync(filled, text);
    out.set(file.path, filled);
  }
  return out;
}

async function assertAllValid(files: Map<string, string>): Promise<void> {
  for (const [name, file] of files) {
    const result = await validate(file);
    assert.ok(result.ok, `${name}: ${result.output}`);
  }
}

function pinned(spec: ClusterSpec): ClusterSpec {
  spec.spec.kubernetes.version = KUBERNETES_VERSION.replace(/\.[0-9]+$/, '.x');
  return spec;
}

test('seed at the pinned Kubernetes minor (v1beta4): init and every join validate', async () => {
  const files = await renderFilled('seed-pinned', pinned(seedSpec()));
  assert.equal(files.size, 4);
  await assertAllValid(files);
});

test('external etcd and an explicit endpoint validate', async () => {
  const spec = pinned(seedSpec());
  spec.spec.kubernetes.ha.etcd = 'external';
  spec.spec.kubernetes.ha.externalEtcd = {
    endpoints: ['https://10.103.0.201:2379', 'https://10.103.0.202:2379'],
  };
  spec.spec.kubernetes.ha.controlPlaneEndpoint = 'api.lab-01.internal:8443';
  await assertAllValid(await renderFilled('external', spec));
});

test('a 5-control-plane, 25-node cluster validates', async () => {
  const spec = pinned(generatedSpec(25));
  const cps = spec.spec.nodes.inventory.slice(3, 5);
  for (const n of cps) n.role = 'control-plane';
  spec.spec.kubernetes.ha.controlPlaneReplicas = 5;
  const files = await renderFilled('five-cp', spec);
  assert.equal([...files.keys()].filter((f) => f.includes('join-control-plane-')).length, 4);
  await assertAllValid(files);
});

test('placeholders must be filled: the raw init file is rejected for its token', async () => {
  const spec = pinned(seedSpec());
  const dir = path.join(root, 'raw');
  await writeRendered(dir, renderKubeadm(spec));
  const result = await validate(path.join(dir, 'kubeadm/init.yaml'));
  assert.equal(result.ok, false);
  assert.match(result.output, /KUBEADM_TOKEN/);
});

test('the seed as written (v1.30.x, v1beta3): joins validate; init is refused only for its version', async () => {
  const files = await renderFilled('seed', seedSpec());
  for (const [name, file] of files) {
    const result = await validate(file);
    if (name !== 'kubeadm/init.yaml') {
      assert.ok(result.ok, `${name}: ${result.output}`);
      continue;
    }
    // The pinned kubeadm deploys control planes of its own minor and the one before only.
    assert.equal(result.ok, false);
    assert.match(result.output, /control plane version >= 1\.[0-9]+\.0\. Current version: v1\.30\.0/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^kubernetesVersion: v1\.30\.0$/m);
    writeFileSync(
      file,
      text.replace(/^kubernetesVersion: v1\.30\.0$/m, `kubernetesVersion: ${KUBERNETES_VERSION}`),
    );
    const retry = await validate(file);
    assert.ok(retry.ok, `${name} with the pinned version: ${retry.output}`);
  }
});
