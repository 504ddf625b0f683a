import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION } from '@industriverse/testenv/versions';
import { addressPlan } from '../../src/addressing.ts';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { writeRendered } from '../../src/render/files.ts';
import {
  kubeadmApiVersion,
  kubeadmSecretsFromDir,
  KUBEADM_SECRETS_FILE,
  parseKubeadmSecrets,
  podCidrMaskSize,
  renderKubeadm,
  resolveKubernetesVersion,
  type KubeadmSecrets,
} from '../../src/render/kubeadm.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

const SECRETS: KubeadmSecrets = { token: 'abcdef.0123456789abcdef', certificateKey: 'a'.repeat(64) };
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function files(spec: ClusterSpec) {
  return new Map(renderKubeadm(spec, { secrets: SECRETS }).map((f) => [f.path, f]));
}

function docs(text: string): Doc[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Doc);
}

function pinnedMinor(): string {
  return KUBERNETES_VERSION.replace(/\.[0-9]+$/, '.x');
}

test('v1.N.x resolves to the pinned release when the minor matches, else to v1.N.0', () => {
  assert.equal(resolveKubernetesVersion('v1.35.x', 'v1.35.4'), 'v1.35.4');
  assert.equal(resolveKubernetesVersion('v1.30.x', 'v1.35.4'), 'v1.30.0');
  assert.equal(resolveKubernetesVersion('v1.3.x', 'v1.35.4'), 'v1.3.0');
  assert.equal(resolveKubernetesVersion('v1.31.2', 'v1.35.4'), 'v1.31.2');
  assert.equal(resolveKubernetesVersion(pinnedMinor()), KUBERNETES_VERSION);
});

test('kubeadm.k8s.io/v1beta4 from Kubernetes 1.31, v1beta3 before', () => {
  assert.equal(kubeadmApiVersion('v1.30.9'), 'kubeadm.k8s.io/v1beta3');
  assert.equal(kubeadmApiVersion('v1.31.0'), 'kubeadm.k8s.io/v1beta4');
  assert.equal(kubeadmApiVersion('v1.35.4'), 'kubeadm.k8s.io/v1beta4');
});

test('the seed renders init for the first control plane, joins for the others and the secrets file', () => {
  const out = renderKubeadm(seedSpec(), { secrets: SECRETS });
  assert.deepEqual(
    out.map((f) => f.path),
    [
      'kubeadm/init.yaml',
      'kubeadm/join-control-plane-cp-2.yaml',
      'kubeadm/join-control-plane-cp-3.yaml',
      'kubeadm/join-w-1.yaml',
      KUBEADM_SECRETS_FILE,
    ],
  );
  const secret = out.find((f) => f.path === KUBEADM_SECRETS_FILE)!;
  assert.equal(secret.secret, true);
  assert.equal(secret.mode, 0o600);
  assert.deepEqual(parseKubeadmSecrets(secret.content), SECRETS);
});

test('init: wg3 addresses, endpoint, SANs, networks, stacked etcd, no kube-proxy (seed, v1beta3)', () => {
  const spec = seedSpec();
  const plan = addressPlan(spec);
  const wg3 = (n: string) => plan.get(n)!.get('wg3')!;
  const wg2 = (n: string) => plan.get(n)!.get('wg2')!;
  const [init, cluster] = docs(files(spec).get('kubeadm/init.yaml')!.content);
  assert.equal(init!.apiVersion, 'kubeadm.k8s.io/v1beta3');
  assert.equal(init!.kind, 'InitConfiguration');
  assert.deepEqual(init!.localAPIEndpoint, { advertiseAddress: wg3('cp-1'), bindPort: 6443 });
  assert.equal(init!.nodeRegistration.name, 'cp-1');
  assert.deepEqual(init!.nodeRegistration.kubeletExtraArgs, { 'node-ip': wg3('cp-1') });
  assert.ok(
    init!.nodeRegistration.taints.some((t: Doc) => t.key === 'node-role.kubernetes.io/control-plane'),
  );
  assert.deepEqual(init!.skipPhases, ['addon/kube-proxy']);
  assert.equal(init!.bootstrapTokens[0].token, '${KUBEADM_TOKEN}');
  assert.equal(init!.bootstrapTokens[0].ttl, '30m0s');
  assert.equal(init!.certificateKey, '${KUBEADM_CERTIFICATE_KEY}');
  assert.equal(cluster!.kind, 'ClusterConfiguration');
  assert.equal(cluster!.kubernetesVersion, 'v1.30.0');
  assert.equal(cluster!.controlPlaneEndpoint, `${wg3('cp-1')}:6443`);
  assert.deepEqual(cluster!.networking, {
    dnsDomain: 'cluster.local',
    podSubnet: '10.244.0.0/16',
    serviceSubnet: '10.96.0.0/16',
  });
  // Endpoint, every control plane on wg3, and on wg2 where Prometheus scrapes them.
  assert.deepEqual(cluster!.apiServer.certSANs, [
    wg3('cp-1'),
    wg3('cp-2'),
    wg3('cp-3'),
    wg2('cp-1'),
    wg2('cp-2'),
    wg2('cp-3'),
  ]);
  assert.deepEqual(cluster!.etcd, { local: { dataDir: '/var/lib/etcd' } });
});

test('joins: control planes advertise their wg3 address and carry the certificate key; workers do not', () => {
  const spec = seedSpec();
  const plan = addressPlan(spec);
  const byPath = files(spec);
  const [cp2] = docs(byPath.get('kubeadm/join-control-plane-cp-2.yaml')!.content);
  const [w1] = docs(byPath.get('kubeadm/join-w-1.yaml')!.content);
  const endpoint = `${plan.get('cp-1')!.get('wg3')}:6443`;
  for (const join of [cp2!, w1!]) {
    assert.equal(join.kind, 'JoinConfiguration');
    assert.deepEqual(join.discovery.bootstrapToken, {
      apiServerEndpoint: endpoint,
      token: '${KUBEADM_TOKEN}',
      caCertHashes: ['${KUBEADM_CA_CERT_HASH}'],
    });
  }
  assert.deepEqual(cp2!.controlPlane, {
    localAPIEndpoint: { advertiseAddress: plan.get('cp-2')!.get('wg3'), bindPort: 6443 },
    certificateKey: '${KUBEADM_CERTIFICATE_KEY}',
  });
  assert.equal(w1!.controlPlane, undefined);
  assert.equal(w1!.nodeRegistration.kubeletExtraArgs['node-ip'], plan.get('w-1')!.get('wg3'));
  assert.ok(!w1!.nodeRegistration.taints.some((t: Doc) => t.key === 'node-role.kubernetes.io/control-plane'));
});

test('Kubernetes 1.31+ writes v1beta4 with argument lists and the pinned patch release', () => {
  const spec = seedSpec();
  spec.spec.kubernetes.version = pinnedMinor();
  const [init, cluster] = docs(files(spec).get('kubeadm/init.yaml')!.content);
  assert.equal(init!.apiVersion, 'kubeadm.k8s.io/v1beta4');
  assert.equal(cluster!.apiVersion, 'kubeadm.k8s.io/v1beta4');
  assert.equal(cluster!.kubernetesVersion, KUBERNETES_VERSION);
  assert.deepEqual(init!.nodeRegistration.kubeletExtraArgs, [
    { name: 'node-ip', value: addressPlan(spec).get('cp-1')!.get('wg3') },
  ]);
  assert.deepEqual(cluster!.controllerManager.extraArgs, [{ name: 'node-cidr-mask-size', value: '24' }]);
});

test('an explicit controlPlaneEndpoint is used everywhere and is a SAN; the API server still binds 6443', () => {
  const spec = seedSpec();
  spec.spec.kubernetes.ha.controlPlaneEndpoint = 'api.lab-01.internal:8443';
  const byPath = files(spec);
  const [init, cluster] = docs(byPath.get('kubeadm/init.yaml')!.content);
  assert.equal(cluster!.controlPlaneEndpoint, 'api.lab-01.internal:8443');
  assert.equal(cluster!.apiServer.certSANs[0], 'api.lab-01.internal');
  assert.equal(init!.localAPIEndpoint.bindPort, 6443);
  const [join] = docs(byPath.get('kubeadm/join-w-1.yaml')!.content);
  assert.equal(join!.discovery.bootstrapToken.apiServerEndpoint, 'api.lab-01.internal:8443');
  spec.spec.kubernetes.ha.controlPlaneEndpoint = 'not a host';
  assert.throws(() => renderKubeadm(spec), /\/spec\/kubernetes\/ha\/controlPlaneEndpoint/);
});

test('external etcd: endpoints and client certificate paths; missing endpoints name the field', () => {
  const spec = seedSpec();
  spec.spec.kubernetes.ha.etcd = 'external';
  assert.throws(() => renderKubeadm(spec), /\/spec\/kubernetes\/ha\/externalEtcd/);
  spec.spec.kubernetes.ha.externalEtcd = { endpoints: ['https://10.103.0.200:2379'] };
  const [, cluster] = docs(files(spec).get('kubeadm/init.yaml')!.content);
  assert.deepEqual(cluster!.etcd, {
    external: {
      endpoints: ['https://10.103.0.200:2379'],
      caFile: '/etc/kubernetes/pki/etcd/ca.crt',
      certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
      keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
    },
  });
});

test('no secret is written outside the secrets file', () => {
  const out = renderKubeadm(seedSpec(), { secrets: SECRETS });
  for (const f of out.filter((f) => f.path !== KUBEADM_SECRETS_FILE)) {
    assert.ok(!f.content.includes(SECRETS.token), f.path);
    assert.ok(!f.content.includes(SECRETS.certificateKey), f.path);
    assert.equal(f.secret, undefined, f.path);
  }
});

test('fresh secrets have the kubeadm formats; a render with given secrets is byte-identical', () => {
  const fresh = renderKubeadm(seedSpec()).find((f) => f.path === KUBEADM_SECRETS_FILE)!;
  const parsed = parseKubeadmSecrets(fresh.content);
  assert.match(parsed.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.match(parsed.certificateKey, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    renderKubeadm(seedSpec(), { secrets: parsed }),
    renderKubeadm(seedSpec(), { secrets: parsed }),
  );
  assert.throws(() => parseKubeadmSecrets('KUBEADM_TOKEN=short\n', 'x.env'), /x.env: KUBEADM_TOKEN/);
});

test('secrets of an earlier render are read back from the output directory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubedos-kubeadm-'));
  try {
    assert.equal(kubeadmSecretsFromDir(dir), undefined);
    await writeRendered(dir, renderKubeadm(seedSpec(), { secrets: SECRETS }));
    assert.deepEqual(kubeadmSecretsFromDir(dir), SECRETS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('storage nodes do not join Kubernetes; nothing is rendered with Kubernetes off', () => {
  const spec = seedSpec();
  spec.spec.nodes.inventory.push({
    ...structuredClone(spec.spec.nodes.inventory[3]!),
    name: 's-1',
    role: 'storage',
  });
  assert.ok(![...files(spec).keys()].some((p) => p.includes('s-1')));
  spec.spec.kubernetes.enabled = false;
  assert.deepEqual(renderKubeadm(spec), []);
});

test('per-node pod blocks narrow from /24 so the pod CIDR holds every node, and refuse beyond /26', () => {
  assert.equal(podCidrMaskSize(seedSpec()), 24);
  assert.equal(podCidrMaskSize(generatedSpec(256)), 24);
  assert.equal(podCidrMaskSize(generatedSpec(257)), 25);
  assert.equal(podCidrMaskSize(generatedSpec(1000)), 26);
  const spec = generatedSpec(1025);
  assert.throws(() => podCidrMaskSize(spec), /\/spec\/kubernetes\/networking\/podCidr/);
  spec.spec.kubernetes.networking = { podCidr: '10.128.0.0/12', serviceCidr: '10.96.0.0/16' };
  assert.equal(podCidrMaskSize(spec), 24);
});

test('the output is plain YAML with no anchors', () => {
  for (const f of renderKubeadm(generatedSpec(20), { secrets: SECRETS }))
    if (f.path.endsWith('.yaml')) {
      assert.doesNotMatch(f.content, /[&*]a[0-9]/, f.path);
      for (const d of parseAllDocuments(f.content)) assert.deepEqual(d.errors, [], f.path);
    }
});
