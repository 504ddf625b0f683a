import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapsuleError } from '../../src/errors.ts';
import { parseManifest, parseRequirements, validateManifest } from '../../src/manifest.ts';

const seed = {
  name: 'm2n2-metal',
  version: '0.1.0',
  entrypoint: 'expansion/m2n2/runner.py',
  requirements: ['gpu:true', 'utid:hardware-bound'],
  proof_policy: { required: true, types: ['mathematical_proof', 'sim_alignment'] },
  prewarm: true,
  billing: { unit: 'run', price: 5.0 },
};

function pointerOf(value: unknown): string {
  try {
    validateManifest(value);
  } catch (err) {
    assert.ok(err instanceof CapsuleError);
    assert.equal(err.code, 'MANIFEST_INVALID');
    assert.equal(err.path, 'capsule.json');
    return /capsule\.json (\S+):/.exec(err.message)![1]!;
  }
  assert.fail('expected MANIFEST_INVALID');
}

test('the seed manifest is valid; currency defaults to USD', () => {
  const m = validateManifest(seed);
  assert.equal(m.billing?.currency, 'USD');
  assert.equal(
    validateManifest({ ...seed, billing: { unit: 'run', price: 1, currency: 'EUR' } }).billing?.currency,
    'EUR',
  );
});

test('errors name the JSON pointer of the problem', () => {
  assert.equal(pointerOf({ ...seed, unknown: 1 }), '/unknown');
  assert.equal(pointerOf({ ...seed, billing: { ...seed.billing, tax: 1 } }), '/billing/tax');
  assert.equal(pointerOf({ ...seed, name: 'M2N2' }), '/name');
  assert.equal(pointerOf({ ...seed, name: 'a'.repeat(64) }), '/name');
  assert.equal(pointerOf({ ...seed, version: '1.0' }), '/version');
  assert.equal(pointerOf({ ...seed, version: 'v1.0.0' }), '/version');
  assert.equal(pointerOf({ ...seed, entrypoint: '/abs/run.py' }), '/entrypoint');
  assert.equal(pointerOf({ ...seed, entrypoint: '../run.py' }), '/entrypoint');
  assert.equal(pointerOf({ ...seed, requirements: ['gpu:yes'] }), '/requirements/0');
  assert.equal(pointerOf({ ...seed, requirements: ['gpu:true', 'gpu:false'] }), '/requirements/1');
  assert.equal(
    pointerOf({ ...seed, proof_policy: { required: true, types: ['vibes'] } }),
    '/proof_policy/types/0',
  );
  assert.equal(pointerOf({ ...seed, proof_policy: { required: true, types: [] } }), '/proof_policy/types');
  assert.equal(pointerOf({ ...seed, prewarm: 'yes' }), '/prewarm');
  assert.equal(pointerOf({ ...seed, billing: { unit: 'run', price: -1 } }), '/billing/price');
  assert.equal(
    pointerOf({ ...seed, billing: { unit: 'run', price: 1, currency: 'XYZ' } }),
    '/billing/currency',
  );
  assert.equal(pointerOf({ version: '1.0.0', entrypoint: 'x' }), '/name');
});

test('parseManifest reports JSON syntax errors as MANIFEST_INVALID', () => {
  assert.throws(
    () => parseManifest('{'),
    (e: CapsuleError) => e.code === 'MANIFEST_INVALID',
  );
});

test('requirements parse into values', () => {
  assert.deepEqual(parseRequirements(['gpu:true', 'utid:soft', 'cpu:500m', 'memory:1.5Gi']), {
    gpu: true,
    utid: 'soft',
    cpuMillis: 500,
    memoryBytes: 1.5 * 2 ** 30,
  });
  assert.deepEqual(parseRequirements(['cpu:2', 'memory:1e3']), {
    gpu: false,
    cpuMillis: 2000,
    memoryBytes: 1000,
  });
  assert.throws(() => parseRequirements(['disk:1']));
  validateManifest({ ...seed, requirements: ['cpu:4', 'memory:512Mi', 'gpu:false', 'utid:soft'] });
  assert.throws(
    () => validateManifest({ ...seed, requirements: ['memory:12Q'] }),
    /\/requirements\/0: "12Q" is not a Kubernetes quantity/,
  );
  assert.throws(
    () => validateManifest({ ...seed, requirements: ['cpu:0'] }),
    /\/requirements\/0: cpu must be more than zero/,
  );
});
