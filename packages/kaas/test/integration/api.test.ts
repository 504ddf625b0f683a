// The kaas CRDs on a real kube-apiserver: the seed's examples are accepted, defaults applied, and
// the schema's rules (CEL included) refuse what the controller could not act on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, installCrds, KubeClient } from '@industriverse/kube';
import { startControlPlane, type ControlPlane } from '@industriverse/testenv';
import {
  dacCapsules,
  kaasClusters,
  proofedDeployments,
  resources,
  type DACCapsule,
  type KaaSCluster,
  type ProofedDeployment,
} from '../../src/api/index.ts';

const digest = `sha256:${'ab'.repeat(32)}`;

/** Seed 000 §4, as written. */
const metalOptimize = (): ProofedDeployment => ({
  apiVersion: proofedDeployments.apiVersion,
  kind: proofedDeployments.kind,
  metadata: { name: 'metal-optimize', namespace: 'default' },
  spec: {
    template: {
      metadata: { labels: { capsule: 'm2n2-metal' } },
      spec: {
        containers: [
          {
            name: 'engine',
            image: 'registry.industriverse/m2n2:tag',
            resources: { limits: { 'nvidia.com/gpu': 1 } },
          },
        ],
      },
    },
    proofPolicy: { required: true, proofTypes: ['mathematical_proof', 'sim_alignment'] },
    utidBinding: { type: 'hardware-bound' },
    prewarm: true,
    autoscale: { minReplicas: 1, maxReplicas: 5, proofCostTarget: 0.05 },
  },
});

const capsule = (): DACCapsule => ({
  apiVersion: dacCapsules.apiVersion,
  kind: dacCapsules.kind,
  metadata: { name: 'm2n2-metal-0-1-0', namespace: 'default' },
  spec: {
    name: 'm2n2-metal',
    version: '0.1.0',
    digest,
    source: 'capsule://m2n2-metal:0.1.0',
    signature: { keyId: 'cd'.repeat(32), algorithm: 'ecdsa-p256' },
    manifest: {
      entrypoint: 'expansion/m2n2/runner.py',
      requirements: ['gpu:true', 'utid:hardware-bound'],
      proofPolicy: { required: true, proofTypes: ['mathematical_proof', 'sim_alignment'] },
      prewarm: true,
      billing: { unit: 'run', price: 5, currency: 'USD' },
    },
  },
});

const cluster = (): KaaSCluster => ({
  apiVersion: kaasClusters.apiVersion,
  kind: kaasClusters.kind,
  metadata: { name: 'tenant-a', namespace: 'default' },
  spec: {
    kubernetesVersion: 'v1.35.4',
    controlPlane: { replicas: 3 },
    nodePools: [
      { name: 'cpu', replicas: 3 },
      { name: 'gpu', replicas: 2, gpusPerNode: 8, edgeTags: ['edcoc:plant-7'] },
    ],
  },
});

describe('kaas CRDs on a real kube-apiserver', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;

  before(async () => {
    cp = await startControlPlane({ nodes: 0 });
    client = await KubeClient.fromKubeConfig(cp.kubeConfig);
    await installCrds(client, resources, { fieldManager: 'kaas-test' });
  });

  after(async () => {
    await client?.close();
    await cp?.stop();
  });

  async function refused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
    const err = await promise.then(
      () => assert.fail('the apiserver accepted the object'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 422);
    assert.match(err.message, pattern);
  }

  it('installing again is a no-op', async () => {
    await installCrds(client, resources, { fieldManager: 'kaas-test' });
  });

  it('accepts the seed ProofedDeployment and keeps its pod template', async () => {
    const pd = metalOptimize();
    assert.deepEqual(proofedDeployments.validate(pd), { ok: true });
    const created = await client.create<ProofedDeployment>(proofedDeployments, pd);
    assert.deepEqual(created.spec.template.spec, pd.spec.template.spec);
    assert.equal(created.spec.autoscale?.proofCostTarget, 0.05);
  });

  it('refuses a required proof policy without proof types, and an inverted autoscale range', async () => {
    const pd = metalOptimize();
    pd.metadata.name = 'bad-policy';
    pd.spec.proofPolicy = { required: true };
    await refused(client.create(proofedDeployments, pd), /proofTypes must name at least one proof type/);
    const inverted = metalOptimize();
    inverted.metadata.name = 'bad-range';
    inverted.spec.autoscale = { minReplicas: 4, maxReplicas: 2 };
    await refused(client.create(proofedDeployments, inverted), /minReplicas must not exceed maxReplicas/);
    const unknownProof = metalOptimize();
    unknownProof.metadata.name = 'bad-type';
    (unknownProof.spec.proofPolicy!.proofTypes as string[]) = ['vibes'];
    await refused(client.create(proofedDeployments, unknownProof), /spec\.proofPolicy\.proofTypes\[0\]/);
  });

  it('accepts a DACCapsule, applies defaults and takes a status', async () => {
    const dac = capsule();
    delete dac.spec.manifest.billing!.currency;
    const created = await client.create<DACCapsule>(dacCapsules, dac);
    assert.equal(created.spec.manifest.billing?.currency, 'USD');
    const withStatus = await client.update<DACCapsule>(
      dacCapsules,
      { ...created, status: { phase: 'Proven', proofId: digest, proofIds: [digest] } },
      'status',
    );
    assert.equal(withStatus.status?.phase, 'Proven');
  });

  it('refuses a DACCapsule whose digest is not sha256:<hex>', async () => {
    const dac = capsule();
    dac.metadata.name = 'bad-digest';
    dac.spec.digest = 'md5:1234';
    await refused(client.create(dacCapsules, dac), /spec\.digest/);
  });

  it('accepts a KaaSCluster and refuses duplicate node pools and even control planes', async () => {
    const created = await client.create<KaaSCluster>(kaasClusters, cluster());
    assert.equal(created.spec.nodePools[0]?.gpusPerNode, 0);
    const dup = cluster();
    dup.metadata.name = 'dup';
    dup.spec.nodePools.push({ name: 'cpu', replicas: 1 });
    await refused(client.create(kaasClusters, dup), /spec\.nodePools\[2\]: Duplicate value/);
    const even = cluster();
    even.metadata.name = 'even';
    (even.spec.controlPlane as { replicas: number }).replicas = 2;
    await refused(client.create(kaasClusters, even), /spec\.controlPlane\.replicas/);
  });
});
