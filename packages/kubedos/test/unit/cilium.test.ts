// The Cilium chart's values.schema.json cannot be fetched here (no network), so the key paths the
// renderer writes are checked against the types that schema gives them, transcribed below. A new key
// fails the first test until its schema type is added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { addressPlan } from '../../src/addressing.ts';
import { ciliumValues, renderCilium } from '../../src/render/cilium.ts';
import { seedSpec } from '../render-spec.ts';

type JsonType = 'string' | 'integer' | 'boolean' | 'array' | 'null' | 'object';

/** Types from the chart's values.schema.json; `devices` is documented by the chart but commented out of its values. */
const SCHEMA_TYPES: Record<string, JsonType[]> = {
  'cluster.name': ['string'],
  kubeProxyReplacement: ['string', 'boolean'],
  k8sServiceHost: ['string'],
  k8sServicePort: ['string', 'integer'],
  devices: ['string', 'array'],
  routingMode: ['string'],
  tunnelProtocol: ['string'],
  'ipv4.enabled': ['boolean'],
  'ipv6.enabled': ['boolean'],
  'ipam.mode': ['string'],
  'ipam.operator.clusterPoolIPv4PodCIDRList': ['array', 'string'],
  'ipam.operator.clusterPoolIPv4MaskSize': ['integer'],
  policyEnforcementMode: ['string'],
  'prometheus.enabled': ['boolean'],
  'prometheus.port': ['integer'],
  'operator.replicas': ['integer'],
  'operator.prometheus.enabled': ['boolean'],
  'operator.prometheus.port': ['integer'],
  'hubble.enabled': ['boolean'],
  'hubble.relay.enabled': ['boolean'],
  'hubble.ui.enabled': ['boolean'],
  'hubble.metrics.enabled': ['null', 'array'],
  'hubble.metrics.port': ['integer'],
};

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v as JsonType;
}

/** Leaf paths (dot-joined) of a values tree; arrays are leaves. */
function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function values(mutate: (spec: ReturnType<typeof seedSpec>) => void = () => {}) {
  const spec = seedSpec();
  mutate(spec);
  return parse(renderCilium(spec)[0]!.content) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('every key written has the type the chart schema gives it', () => {
  for (const hubble of [true, false]) {
    const written = leaves(
      values((s) => {
        s.spec.kubernetes.cni.hubble = hubble;
      }),
    );
    for (const [key, value] of written) {
      assert.ok(SCHEMA_TYPES[key], `${key} is not in the transcribed chart schema`);
      assert.ok(SCHEMA_TYPES[key].includes(jsonType(value)), `${key}: ${jsonType(value)}`);
    }
  }
});

test('kube-proxy replacement at the control-plane endpoint, devices on wg3, cluster-pool IPAM', () => {
  const spec = seedSpec();
  const wg3 = addressPlan(spec).get('cp-1')!.get('wg3');
  const v = values();
  assert.equal(v.kubeProxyReplacement, true);
  assert.equal(v.k8sServiceHost, wg3);
  assert.equal(v.k8sServicePort, 6443);
  assert.deepEqual(v.devices, ['wg3']);
  assert.deepEqual(v.ipam, {
    mode: 'cluster-pool',
    operator: { clusterPoolIPv4PodCIDRList: ['10.244.0.0/16'], clusterPoolIPv4MaskSize: 24 },
  });
  assert.equal(v.routingMode, 'tunnel');
  assert.equal(v.prometheus.enabled, true);
  assert.equal(v.operator.prometheus.enabled, true);
  const explicit = values((s) => {
    s.spec.kubernetes.ha.controlPlaneEndpoint = 'api.lab-01.internal:8443';
  });
  assert.equal(explicit.k8sServiceHost, 'api.lab-01.internal');
  assert.equal(explicit.k8sServicePort, 8443);
});

test('Hubble, relay and UI follow cni.hubble', () => {
  const on = values();
  assert.equal(on.hubble.enabled, true);
  assert.equal(on.hubble.relay.enabled, true);
  assert.equal(on.hubble.ui.enabled, true);
  assert.ok(on.hubble.metrics.enabled.includes('flow'));
  const off = values((s) => {
    s.spec.kubernetes.cni.hubble = false;
  });
  assert.deepEqual(off.hubble, {
    enabled: false,
    relay: { enabled: false },
    ui: { enabled: false },
    metrics: { enabled: null },
  });
});

test('policyDefault deny enforces always, allow uses the default mode', () => {
  assert.equal(values().policyEnforcementMode, 'always');
  assert.equal(
    values((s) => {
      s.spec.kubernetes.cni.policyDefault = 'allow';
    }).policyEnforcementMode,
    'default',
  );
});

test('one file, deterministic; nothing with Kubernetes off', () => {
  const spec = seedSpec();
  const out = renderCilium(spec);
  assert.deepEqual(
    out.map((f) => f.path),
    ['cilium/values.yaml'],
  );
  assert.deepEqual(renderCilium(spec), out);
  assert.deepEqual(ciliumValues(spec, addressPlan(spec)), parse(out[0]!.content));
  spec.spec.kubernetes.enabled = false;
  assert.deepEqual(renderCilium(spec), []);
});
