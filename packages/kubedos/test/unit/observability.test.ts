import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { addressPlan } from '../../src/addressing.ts';
import type { ClusterSpec } from '../../src/api/clusterspec.ts';
import { contains, parseCidr, parseIpv4 } from '../../src/validate/ipv4.ts';
import { observabilityHost, renderObservability } from '../../src/render/observability.ts';
import { generatedSpec, seedSpec } from '../render-spec.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function rendered(spec: ClusterSpec): Map<string, string> {
  return new Map(renderObservability(spec).map((f) => [f.path, f.content]));
}

function scrapeJobs(spec: ClusterSpec): Map<string, Doc> {
  const config = parse(rendered(spec).get('observability/prometheus.yml')!) as Doc;
  return new Map((config.scrape_configs as Doc[]).map((j) => [j.job_name as string, j]));
}

function targets(job: Doc): string[] {
  return (job.static_configs as Doc[]).flatMap((s) => s.targets as string[]);
}

test('the seed renders every component on the observability host', () => {
  assert.deepEqual(
    [...rendered(seedSpec()).keys()],
    [
      'observability/prometheus.yml',
      'observability/default/prometheus',
      'observability/grafana/datasources.yaml',
      'observability/grafana/grafana.ini',
      'observability/loki.yaml',
    ],
  );
  assert.equal(observabilityHost(seedSpec()).name, 'w-1');
});

test('every scrape target is an address of the bind plane', () => {
  const spec = generatedSpec(12);
  const wg2 = parseCidr(spec.spec.networking.planes.wg2!.cidr)!;
  for (const [name, job] of scrapeJobs(spec))
    for (const t of targets(job)) assert.ok(contains(wg2, parseIpv4(t.split(':')[0]!)!), `${name}: ${t}`);
});

test('scrape jobs: node exporters everywhere, API servers, kubelets via the API server, Cilium, Hubble, the stack', () => {
  const spec = seedSpec();
  const plan = addressPlan(spec);
  const wg2 = (n: string) => plan.get(n)!.get('wg2')!;
  const config = parse(rendered(spec).get('observability/prometheus.yml')!) as Doc;
  assert.equal(config.global.scrape_interval, '30s');
  assert.deepEqual(config.global.external_labels, { cluster: 'lab-01' });
  const jobs = scrapeJobs(spec);
  assert.deepEqual(
    [...jobs.keys()],
    [
      'prometheus',
      'node-exporter',
      'kube-apiserver',
      'kubelet',
      'cadvisor',
      'cilium-agent',
      'hubble',
      'loki',
      'grafana',
    ],
  );
  const all = ['cp-1', 'cp-2', 'cp-3', 'w-1'];
  assert.deepEqual(
    targets(jobs.get('node-exporter')!),
    all.map((n) => `${wg2(n)}:9100`),
  );
  assert.deepEqual(
    targets(jobs.get('kube-apiserver')!),
    ['cp-1', 'cp-2', 'cp-3'].map((n) => `${wg2(n)}:6443`),
  );
  assert.equal(jobs.get('kube-apiserver')!.scheme, 'https');
  assert.deepEqual(jobs.get('kube-apiserver')!.tls_config, { ca_file: 'secrets/kubernetes-ca.crt' });
  const kubelet = jobs.get('kubelet')!.static_configs as Doc[];
  assert.deepEqual(
    kubelet.map((s) => s.labels.__metrics_path__),
    all.map((n) => `/api/v1/nodes/${n}/proxy/metrics`),
  );
  assert.deepEqual(
    targets(jobs.get('cilium-agent')!),
    all.map((n) => `${wg2(n)}:9962`),
  );
  assert.deepEqual(
    targets(jobs.get('hubble')!),
    all.map((n) => `${wg2(n)}:9965`),
  );
  assert.deepEqual(targets(jobs.get('loki')!), [`${wg2('w-1')}:3100`]);
  assert.deepEqual(targets(jobs.get('grafana')!), [`${wg2('w-1')}:3000`]);
  assert.deepEqual((jobs.get('node-exporter')!.static_configs as Doc[])[0]!.labels, {
    node: 'cp-1',
    role: 'control-plane',
    failure_domain: 'rack-a',
  });
});

test('Grafana datasources (provisioning apiVersion 1) and server bound to the plane, nothing phones home', () => {
  const spec = seedSpec();
  const host = addressPlan(spec).get('w-1')!.get('wg2')!;
  const files = rendered(spec);
  const ds = parse(files.get('observability/grafana/datasources.yaml')!) as Doc;
  assert.equal(ds.apiVersion, 1);
  assert.deepEqual(
    (ds.datasources as Doc[]).map((d) => [d.name, d.type, d.url, d.isDefault]),
    [
      ['Prometheus', 'prometheus', `http://${host}:9090`, true],
      ['Loki', 'loki', `http://${host}:3100`, false],
    ],
  );
  const ini = files.get('observability/grafana/grafana.ini')!;
  assert.match(ini, new RegExp(`^http_addr = ${host.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(ini, /^reporting_enabled = false$/m);
  assert.match(
    files.get('observability/default/prometheus')!,
    new RegExp(`--web.listen-address=${host}:9090"`),
  );
});

test('Loki single binary listens on the plane address only, with the expected keys', () => {
  const spec = seedSpec();
  const host = addressPlan(spec).get('w-1')!.get('wg2')!;
  const loki = parse(rendered(spec).get('observability/loki.yaml')!) as Doc;
  assert.deepEqual(Object.keys(loki), ['auth_enabled', 'server', 'common', 'schema_config', 'analytics']);
  assert.equal(loki.server.http_listen_address, host);
  assert.equal(loki.server.grpc_listen_address, host);
  assert.equal(loki.server.http_listen_port, 3100);
  assert.equal(loki.common.instance_addr, host);
  assert.equal(loki.common.ring.kvstore.store, 'inmemory');
  assert.equal(loki.schema_config.configs[0].schema, 'v13');
  assert.equal(loki.schema_config.configs[0].from, '2024-01-01');
  assert.equal(loki.analytics.reporting_enabled, false);
});

test('the stack switches: each component and its jobs/datasources only when on', () => {
  const spec = seedSpec();
  spec.spec.kubernetes.observability.stack.loki = false;
  const files = rendered(spec);
  assert.ok(!files.has('observability/loki.yaml'));
  assert.ok(!scrapeJobs(spec).has('loki'));
  const ds = parse(files.get('observability/grafana/datasources.yaml')!) as Doc;
  assert.deepEqual(
    (ds.datasources as Doc[]).map((d) => d.name),
    ['Prometheus'],
  );
  spec.spec.kubernetes.observability.stack.prometheus = false;
  assert.ok(!rendered(spec).has('observability/prometheus.yml'));
  spec.spec.kubernetes.observability.enabled = false;
  assert.deepEqual(renderObservability(spec), []);
});

test('bindPlane chooses the plane; an unknown plane names the field', () => {
  const spec = seedSpec();
  spec.spec.kubernetes.observability.bindPlane = 'wg1';
  const host = addressPlan(spec).get('w-1')!.get('wg1')!;
  assert.equal(
    (parse(rendered(spec).get('observability/loki.yaml')!) as Doc).server.http_listen_address,
    host,
  );
  spec.spec.kubernetes.observability.bindPlane = 'wg9';
  assert.throws(() => renderObservability(spec), /\/spec\/kubernetes\/observability\/bindPlane/);
});

test('without workers the first control-plane node hosts the stack', () => {
  const spec = seedSpec();
  spec.spec.nodes.inventory = spec.spec.nodes.inventory.filter((n) => n.role === 'control-plane');
  assert.equal(observabilityHost(spec).name, 'cp-1');
});
