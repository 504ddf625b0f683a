// The diagnosis engine on small in-memory clusters: scoring, folding symptoms into causes, the
// timeline check behind "a ConfigMap change preceded the crash", INCONCLUSIVE, ordering, and the
// parsers that read the kubelet's, scheduler's and applications' words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@industriverse/kube';
import { ANALYZERS, confidence, diagnose, WEIGHT } from '../../src/diagnose/index.ts';
import { parseMissing } from '../../src/diagnose/analyzers/missing-config.ts';
import { parseQuotaMessage } from '../../src/diagnose/analyzers/quota-exceeded.ts';
import { schedulerReasons } from '../../src/diagnose/analyzers/unschedulable.ts';
import { parseUnreachable } from '../../src/diagnose/analyzers/upstream-dependency.ts';
import { SyntheticCluster, type ContainerSpec, type Workload } from '../../src/diagnose/synthetic.ts';
import { WorldModel } from '../../src/model/world.ts';
import { nodeId, type World } from '../../src/model/types.ts';

const NOW = new Date('2026-06-15T10:00:00Z');

function worldOf(c: SyntheticCluster): World {
  const world = new WorldModel({
    now: c.now,
    metrics: c.metrics,
    logs: async (ns, pod, container) => c.logs.get(`${ns}/${pod}/${container}`),
  });
  for (const o of c.objects) world.upsert(o);
  for (const r of c.history) world.record(r);
  return world;
}

function cluster(): SyntheticCluster {
  const c = new SyntheticCluster(NOW);
  for (const n of ['worker-1', 'worker-2', 'worker-3']) c.node(n);
  c.namespace('shop');
  return c;
}

const app = (name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name,
  image: `registry.example.com/${name}:1.0.0`,
  ...extra,
});

function crashing(
  c: SyntheticCluster,
  w: Workload,
  n: number,
  node = 'worker-1',
  sinceMinutes = 20,
): KubeObject[] {
  return Array.from({ length: n }, (_, i) => {
    const pod = c.pod(w, i, {
      node,
      runs: [
        { state: 'crashloop', restarts: 5, last: { reason: 'Error', exitCode: 1, finishedMinutesAgo: 1 } },
      ],
    });
    c.event(pod, {
      reason: 'BackOff',
      message: `Back-off restarting failed container in pod ${pod.metadata.name}`,
      count: 9,
      firstMinutesAgo: sinceMinutes,
    });
    return pod;
  });
}

const keys = (r: {
  findings: { category: string; rootCause: { kind: string; namespace?: string; name: string } }[];
}) => r.findings.map((f) => `${f.category} ${nodeId(f.rootCause)}`).sort();

test('confidence is noisy-OR support times one minus noisy-OR doubt, two decimals', () => {
  const item = { kind: 'status' as const, detail: 'x' };
  assert.equal(confidence([]), 0);
  assert.equal(confidence([{ item, weight: 0.8, supports: true }]), 0.8);
  assert.equal(
    confidence([
      { item, weight: 0.8, supports: true },
      { item, weight: 0.6, supports: true },
    ]),
    0.92,
  );
  assert.equal(
    confidence([
      { item, weight: 0.8, supports: true },
      { item, weight: 0.5, supports: false },
    ]),
    0.4,
  );
  assert.ok(
    WEIGHT.decisive > WEIGHT.strong && WEIGHT.strong > WEIGHT.moderate && WEIGHT.moderate > WEIGHT.weak,
  );
});

test('one analyzer per category', () => {
  const categories = ANALYZERS.map((a) => a.category);
  assert.equal(new Set(categories).size, 12);
  assert.equal(categories.length, 12);
});

test('a healthy cluster: status OK and no findings', async () => {
  const c = cluster();
  const w = c.workload({ namespace: 'shop', name: 'web', containers: [app('web')] });
  c.endpoints(c.service('shop', 'web', { app: 'web' }), [
    c.pod(w, 0, { node: 'worker-1' }),
    c.pod(w, 1, { node: 'worker-2' }),
  ]);
  assert.deepEqual(await diagnose(worldOf(c)), { status: 'OK', findings: [], unexplained: [], rejected: [] });
});

test('pods failing on a NotReady node are one NodeFailure finding, their crash loops folded into it', async () => {
  const c = cluster();
  c.node('worker-9', { ready: 'Unknown', sinceMinutesAgo: 10 });
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    const w = c.workload({ namespace: 'shop', name, replicas: 6, containers: [app(name)] }, { ready: 0 });
    crashing(c, w, 6, 'worker-9', 9);
  }
  const report = await diagnose(worldOf(c));
  assert.deepEqual(keys(report), ['NodeFailure Node//worker-9']);
  assert.equal(report.status, 'OK');
  const [finding] = report.findings;
  assert.equal(finding!.severity, 'critical');
  const folded = finding!.explanation_trace.filter((t) => t.step === 'correlate');
  assert.equal(folded.length, 5);
  assert.match(folded[0]!.detail, /^folded CrashLoop of Deployment shop\/[a-e] /);
});

function configChangeCluster(changeMinutesAgo: number, crashSinceMinutes: number): SyntheticCluster {
  const c = cluster();
  const cm = c.configMap('shop', 'web-config', { MODE: 'strict' });
  const old = structuredClone(cm);
  old.data = { MODE: 'lenient' };
  c.record('ADDED', old, 5 * 24 * 60);
  c.record('MODIFIED', cm, changeMinutesAgo);
  const w = c.workload(
    {
      namespace: 'shop',
      name: 'web',
      containers: [app('web', { envFrom: [{ configMapRef: { name: 'web-config' } }] })],
    },
    { ready: 0 },
  );
  crashing(c, w, 2, 'worker-1', crashSinceMinutes);
  return c;
}

test('a crash loop that began after a ConfigMap change is rooted at the ConfigMap', async () => {
  const report = await diagnose(worldOf(configChangeCluster(30, 25)));
  assert.deepEqual(keys(report), ['CrashLoop ConfigMap/shop/web-config']);
  const f = report.findings[0]!;
  assert.deepEqual(f.subject, { kind: 'Deployment', namespace: 'shop', name: 'web' });
  const change = f.evidence.find((e) => e.kind === 'change');
  assert.match(change!.detail, /changed 5 min before the crashes began: replace data\.MODE = "strict"/);
});

test('a ConfigMap change after the crashes began is not their cause', async () => {
  assert.deepEqual(keys(await diagnose(worldOf(configChangeCluster(10, 25)))), [
    'CrashLoop Deployment/shop/web',
  ]);
});

test('a ConfigMap change older than the window is not their cause', async () => {
  const report = await diagnose(worldOf(configChangeCluster(100, 25)));
  assert.deepEqual(keys(report), ['CrashLoop Deployment/shop/web']);
});

test('trouble that contradicts every hypothesis is INCONCLUSIVE, with what was ruled out', async () => {
  const c = cluster();
  const w = c.workload(
    {
      namespace: 'shop',
      name: 'sync',
      containers: [app('sync', { readinessProbe: { exec: { command: ['/ready'] } } })],
    },
    { ready: 0 },
  );
  for (let i = 0; i < 2; i++)
    c.pod(w, i, {
      node: 'worker-1',
      runs: [{ state: 'running', ready: false, startedMinutesAgo: 20 }],
      createdMinutesAgo: 20,
    });
  const report = await diagnose(worldOf(c));
  assert.equal(report.status, 'INCONCLUSIVE');
  assert.deepEqual(report.findings, []);
  assert.equal(report.unexplained.length, 2);
  assert.deepEqual(
    report.rejected.map((r) => r.category),
    ['ProbeFailure'],
  );
  assert.deepEqual(report.rejected[0]!.against, ['no probe failure recorded within the window']);
});

test('findings: severity first, then confidence, then subject; the finding shape of the contract', async () => {
  const c = cluster();
  c.node('worker-9', { ready: 'False', sinceMinutesAgo: 5 });
  const lost = c.workload(
    { namespace: 'shop', name: 'lost', replicas: 1, containers: [app('lost')] },
    { ready: 0 },
  );
  c.pod(lost, 0, { node: 'worker-9', nodeLost: true });
  c.endpoints(c.service('shop', 'nothing', { app: 'nothing' }), []);
  const image = 'registry.example.com/x:nope';
  const x = c.workload(
    { namespace: 'shop', name: 'x', replicas: 2, containers: [app('x', { image })] },
    { ready: 1 },
  );
  c.pod(x, 0, { node: 'worker-1' });
  c.pod(x, 1, {
    node: 'worker-2',
    runs: [{ state: 'waiting', reason: 'ErrImagePull', message: `failed to pull "${image}": not found` }],
  });
  const report = await diagnose(worldOf(c));
  assert.deepEqual(
    report.findings.map((f) => [f.severity, f.category]),
    [
      ['critical', 'NodeFailure'],
      ['high', 'NoEndpoints'],
      ['medium', 'ImagePull'],
    ],
  );
  for (const f of report.findings) {
    assert.deepEqual(Object.keys(f).slice(0, 5), [
      'category',
      'subject',
      'rootCause',
      'summary',
      'confidence',
    ]);
    assert.ok(f.confidence >= 0.5 && f.confidence <= 1);
    assert.ok(f.evidence.length > 0);
    const steps = f.explanation_trace.map((t) => t.step);
    assert.equal(steps[0], 'observe');
    assert.equal(steps.at(-1), 'conclude');
    assert.ok(steps.includes('hypothesise') && steps.includes('test'));
  }
  assert.deepEqual(await diagnose(worldOf(c)), report, 'deterministic');
});

test('a CapacityExhaustion forecast carries timeToExhaustionSeconds; a flat series gives none', async () => {
  const c = cluster();
  const w = c.workload({
    namespace: 'shop',
    name: 'cache',
    replicas: 2,
    containers: [app('cache', { limits: { memory: '1Gi' } })],
  });
  const [leaky, flat] = [c.pod(w, 0, { node: 'worker-1' }), c.pod(w, 1, { node: 'worker-2' })];
  const mib = 2 ** 20;
  const labels = (pod: KubeObject) => ({
    __name__: 'container_memory_working_set_bytes',
    namespace: 'shop',
    pod: pod.metadata.name!,
    container: 'cache',
  });
  // 524 MiB now, +100 MiB an hour: 1 GiB in 5 h.
  c.series(labels(leaky!), 120, 60, (m) => 524 * mib - (m / 60) * 100 * mib);
  c.series(labels(flat!), 120, 60, () => 1000 * mib);
  const report = await diagnose(worldOf(c));
  assert.deepEqual(keys(report), ['CapacityExhaustion Deployment/shop/cache']);
  const seconds = report.findings[0]!.timeToExhaustionSeconds!;
  assert.ok(Math.abs(seconds - 5 * 3600) < 120, String(seconds));
});

test('the scheduler, kubelet and quota messages', () => {
  assert.deepEqual(
    schedulerReasons(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    ),
    [
      '1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
      '3 Insufficient cpu',
      '3 Insufficient memory',
    ],
  );
  assert.deepEqual(parseMissing('configmap "app-settings" not found'), {
    kind: 'ConfigMap',
    name: 'app-settings',
  });
  assert.deepEqual(parseMissing('Error: secret "db" not found'), { kind: 'Secret', name: 'db' });
  assert.deepEqual(parseMissing("couldn't find key password in Secret shop/db"), {
    kind: 'Secret',
    name: 'db',
    key: 'password',
  });
  assert.deepEqual(parseMissing('MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found'), {
    kind: 'ConfigMap',
    name: 'cfg',
  });
  assert.equal(parseMissing('Back-off pulling image "x"'), undefined);
  assert.deepEqual(
    parseQuotaMessage(
      'Error creating: pods "w-1" is forbidden: exceeded quota: compute, requested: requests.cpu=500m,requests.memory=1Gi, used: requests.cpu=2, limited: requests.cpu=2',
    ),
    { quota: 'compute', resources: ['requests.cpu', 'requests.memory'] },
  );
  assert.deepEqual(
    parseQuotaMessage('pods "w-1" is forbidden: failed quota: compute: must specify limits.cpu for: app'),
    {
      quota: 'compute',
      resources: ['limits.cpu for: app'],
    },
  );
});

test('log lines name the peer that cannot be reached, not the resolver', () => {
  assert.deepEqual(parseUnreachable('dial tcp: lookup redis.cache on 10.96.0.10:53: no such host'), [
    { what: 'no such host', host: 'redis.cache' },
  ]);
  assert.deepEqual(parseUnreachable('Error: connect ECONNREFUSED 10.96.12.7:6379'), [
    { what: 'connection refused', host: '10.96.12.7' },
  ]);
  assert.deepEqual(parseUnreachable('getaddrinfo ENOTFOUND payments.shop.svc.cluster.local'), [
    { what: 'no such host', host: 'payments.shop.svc.cluster.local' },
  ]);
  assert.deepEqual(
    parseUnreachable('could not translate host name "postgres" to address: Name or service not known'),
    [{ what: 'no such host', host: 'postgres' }],
  );
  assert.deepEqual(parseUnreachable('ERROR connection refused to redis'), [
    { what: 'connection refused', host: 'redis', loose: true },
  ]);
  assert.deepEqual(parseUnreachable('INFO listening on :8080'), []);
});

test('an unreachable Service that does not exist is the root cause named by the logs', async () => {
  const c = cluster();
  const w = c.workload(
    { namespace: 'shop', name: 'orders', replicas: 2, containers: [app('orders')] },
    { ready: 0 },
  );
  for (const pod of crashing(c, w, 2))
    c.log('shop', pod.metadata.name!, 'orders', [
      'FATAL dial tcp: lookup inventory on 10.96.0.10:53: no such host',
    ]);
  assert.deepEqual(keys(await diagnose(worldOf(c))), ['UpstreamDependency Service/shop/inventory']);
});
