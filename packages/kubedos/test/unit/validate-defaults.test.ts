import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import {
  DEFAULT_CEPH_RECOVERY,
  DEFAULT_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  defaultListenPort,
  withDefaults,
} from '../../src/api/defaults.ts';
import { validateSpec } from '../../src/validate/index.ts';

const seedText = readFileSync(new URL('../fixtures/seed-lab-01.yaml', import.meta.url), 'utf8');
const seed = () => parse(seedText) as ClusterSpec;

test('withDefaults fills the documented defaults and leaves the input alone', () => {
  const input = seed();
  const before = structuredClone(input);
  const out = withDefaults(input);
  assert.deepEqual(input, before, 'pure');
  assert.equal(out.spec.kubernetes.ha.enabled, true);
  assert.deepEqual(out.spec.kubernetes.networking, {
    podCidr: DEFAULT_POD_CIDR,
    serviceCidr: DEFAULT_SERVICE_CIDR,
  });
  assert.deepEqual(
    Object.fromEntries(Object.entries(out.spec.networking.planes).map(([k, p]) => [k, p.listenPort])),
    { wg1: 51821, wg2: 51822, wg3: 51823 },
  );
  assert.equal(defaultListenPort('wg12'), 51832);
  assert.equal(out.spec.storage.ceph.recovery, undefined, 'no Ceph, no recovery throttles');
  assert.equal(validateSpec(out).valid, true, 'the normalised spec is still valid');
  assert.deepEqual(withDefaults(out), out, 'idempotent');
});

test('schema defaults apply where a field is left out; given values win', () => {
  const input = seed() as unknown as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
  const spec = input.spec as Record<string, Record<string, Record<string, unknown>>>;
  delete spec.security?.enrollment?.joinWindowMinutes;
  delete spec.security?.ssh?.passwordAuth;
  delete spec.substrate?.proxmox?.tags;
  (spec.networking?.planes as Record<string, Record<string, unknown>>).wg2!.listenPort = 6000;
  const out = withDefaults(input as unknown as ClusterSpec);
  assert.equal(out.spec.security.enrollment.joinWindowMinutes, 30);
  assert.equal(out.spec.security.ssh.passwordAuth, false);
  assert.deepEqual(out.spec.substrate.proxmox?.tags, []);
  assert.equal(out.spec.networking.planes.wg2?.listenPort, 6000);
});

test('Ceph on: recovery throttles and each pool inherits size and minSize unless set', () => {
  const input = seed();
  input.spec.storage.ceph = {
    enabled: true,
    size: 3,
    minSize: 2,
    failureDomain: 'host',
    plane: 'wg3',
    pools: [{ name: 'rbd' }, { name: 'scratch', size: 2 }],
  };
  const ceph = withDefaults(input).spec.storage.ceph;
  assert.deepEqual(ceph.recovery, DEFAULT_CEPH_RECOVERY);
  assert.deepEqual(ceph.pools, [
    { name: 'rbd', size: 3, minSize: 2 },
    { name: 'scratch', size: 2, minSize: 2 },
  ]);
});

test('absent policy boundaries read as their safe values', () => {
  const input = seed();
  delete input.spec.substrate.allowDestroy;
  delete input.spec.kubernetes.allowReset;
  delete input.spec.orchestration.ansible.safety.allowWipe;
  delete input.spec.networking.policy.defaultInterPlane;
  const out = withDefaults(input);
  assert.equal(out.spec.substrate.allowDestroy, false);
  assert.equal(out.spec.kubernetes.allowReset, false);
  assert.equal(out.spec.orchestration.ansible.safety.allowWipe, false);
  assert.equal(out.spec.networking.policy.defaultInterPlane, 'deny');
});
