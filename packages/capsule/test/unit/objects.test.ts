import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dacCapsules, proofedDeployments } from '@industriverse/kaas/api';
import type { CapsuleManifest } from '../../src/manifest.ts';
import {
  capsuleImage,
  dacCapsuleObject,
  objectProblems,
  proofedDeploymentObject,
  warmPoolObject,
  type CapsuleObjectsInput,
} from '../../src/loader/objects.ts';
import { manifestRequirements } from '../../src/loader/requirements.ts';

const manifest: CapsuleManifest = {
  name: 'm2n2-metal',
  version: '0.1.0',
  entrypoint: 'expansion/m2n2/runner.py',
  requirements: ['gpu:true', 'utid:hardware-bound', 'cpu:2', 'memory:4Gi'],
  proof_policy: { required: true, types: ['mathematical_proof', 'sim_alignment'] },
  prewarm: true,
  billing: { unit: 'run', price: 5, currency: 'USD' },
};

const input: CapsuleObjectsInput = {
  manifest,
  requirements: manifestRequirements(manifest.requirements),
  digest: 'sha256:' + 'd'.repeat(64),
  keyId: 'e'.repeat(64),
  algorithm: 'ecdsa-p256',
  namespace: 'ml',
  source: 'capsule://m2n2-metal:0.1.0',
};

type Pod = {
  containers: {
    image: string;
    resources: { limits?: Record<string, string>; requests?: Record<string, string> };
  }[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string }[];
};

it('fills the DACCapsule from the manifest, valid under the kaas schema', () => {
  const dac = dacCapsuleObject(input);
  assert.deepEqual(dacCapsules.validate(dac), { ok: true });
  assert.equal(dac.metadata.name, 'm2n2-metal');
  assert.deepEqual(dac.spec.manifest.proofPolicy, {
    required: true,
    proofTypes: ['mathematical_proof', 'sim_alignment'],
  });
  assert.deepEqual(dac.spec.manifest.billing, { unit: 'run', price: 5, currency: 'USD' });
  assert.equal(dac.spec.image, 'registry.industriverse/capsules/m2n2-metal:0.1.0');
  assert.equal(dac.spec.signature.keyId, 'e'.repeat(64));
});

it('fills the ProofedDeployment with proof policy, UTID binding, prewarm and scheduling', () => {
  const pd = proofedDeploymentObject(input);
  assert.deepEqual(proofedDeployments.validate(pd), { ok: true });
  assert.equal(pd.spec.utidBinding?.type, 'hardware-bound');
  assert.equal(pd.spec.prewarm, true);
  assert.deepEqual(pd.spec.capsuleRef, { name: 'm2n2-metal', digest: input.digest });
  assert.equal(pd.spec.template.metadata?.labels?.['capsule'], 'm2n2-metal');
  const pod = pd.spec.template.spec as Pod;
  assert.deepEqual(pod.containers[0]!.resources, {
    requests: { cpu: '2', memory: '4Gi' },
    limits: { 'nvidia.com/gpu': '1' },
  });
  assert.deepEqual(pod.nodeSelector, { 'utid.industriverse.ai/attested': 'true' });
  assert.deepEqual(
    pod.tolerations?.map((t) => t.key),
    ['nvidia.com/gpu', 'utid.industriverse.ai/attested'],
  );
});

it('builds a warm pool of placeholder pods with the same image and scheduling', () => {
  const pool = warmPoolObject({
    ...input,
    warmReplicas: 2,
    image: 'example.org/m2n2@sha256:' + 'f'.repeat(64),
  });
  const spec = pool['spec'] as {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: Pod };
  };
  assert.equal(pool.metadata.name, 'm2n2-metal-warm');
  assert.equal(spec.replicas, 2);
  for (const [k, v] of Object.entries(spec.selector.matchLabels))
    assert.equal(spec.template.metadata.labels[k], v);
  assert.equal(spec.template.spec.containers[0]!.image, 'example.org/m2n2@sha256:' + 'f'.repeat(64));
  assert.equal(spec.template.spec.containers[0]!.resources.limits?.['nvidia.com/gpu'], '1');
});

it('leaves out what the manifest does not ask for', () => {
  const plain: CapsuleManifest = { name: 'plain', version: '1.0.0', entrypoint: 'run.sh' };
  const pd = proofedDeploymentObject({ ...input, manifest: plain, requirements: [] });
  assert.deepEqual(proofedDeployments.validate(pd), { ok: true });
  const pod = pd.spec.template.spec as Pod;
  assert.deepEqual(pod.containers[0]!.resources, {});
  assert.equal(pod.nodeSelector, undefined);
  assert.deepEqual(pd.spec.proofPolicy, { required: false });
  assert.equal(pd.spec.utidBinding?.type, 'soft');
  assert.deepEqual(dacCapsules.validate(dacCapsuleObject({ ...input, manifest: plain, requirements: [] })), {
    ok: true,
  });
  assert.equal(capsuleImage(plain), 'registry.industriverse/capsules/plain:1.0.0');
});

it('names what the kaas API would reject before anything is applied', () => {
  assert.deepEqual(objectProblems(input), []);
  // semver allows any length of pre-release; the API keeps versions to 128 characters.
  const odd: CapsuleManifest = { ...manifest, version: `1.0.0-${'a'.repeat(130)}` };
  const problems = objectProblems({ ...input, manifest: odd });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^DACCapsule \/spec\/version: /);
});
