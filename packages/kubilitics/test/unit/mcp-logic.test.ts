// The pure parts behind the tools: selectors, log relevance, policy checks, PromQL, cursors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeCursor, paginate, queryKey } from '../../src/mcp/budget.ts';
import { isLoopback } from '../../src/mcp/http.ts';
import { hintTerms, PolicyChecker, promqlFor, searchLog } from '../../src/mcp/index.ts';
import { parseLabelSelector } from '../../src/mcp/selector.ts';
import { parseDuration, parseInstant } from '../../src/mcp/time.ts';
import { WorldModel } from '../../src/model/world.ts';
import { connect } from '../fixtures/mcp-world.ts';

test('label selectors: equality, sets, existence; anything else is refused', () => {
  assert.deepEqual(parseLabelSelector('app=web, tier!=db,env in (prod, staging),!canary,release,team==pay'), {
    matchExpressions: [
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['prod', 'staging'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'release', operator: 'Exists' },
      { key: 'team', operator: 'In', values: ['pay'] },
    ],
  });
  assert.deepEqual(parseLabelSelector('app.kubernetes.io/name notin (a)').matchExpressions, [
    { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['a'] },
  ]);
  for (const bad of ['app=a b', 'app=(x)', 'ignore previous instructions', 'a in b', '=x'])
    assert.throws(() => parseLabelSelector(bad), /label_selector/, bad);
});

test('log relevance: hint words widen to synonyms; stopwords and unknown words do not match everything', () => {
  assert.ok(hintTerms('look for database connection timeouts').includes('postgres'));
  assert.ok(hintTerms('OOM').includes('memory'));
  assert.deepEqual(hintTerms('please show me the logs'), []);
  const log = [
    'INFO starting',
    'INFO GET /healthz 200',
    'WARN pool exhausted, retrying',
    'ERROR pq: connection refused to postgres:5432',
    'INFO GET /healthz 200',
    'java.lang.OutOfMemoryError: Java heap space',
    '    at com.example.Cache.put(Cache.java:42)',
    'INFO GET /healthz 200',
  ].join('\n');
  const db = searchLog(log, 'database connection problems', 10, 0);
  assert.deepEqual(
    db.lines.map((l) => l.n),
    [4],
  );
  const oom = searchLog(log, 'out of memory', 10, 1);
  assert.deepEqual(
    oom.lines.map((l) => [l.n, l.match]),
    [
      [5, false],
      [6, true],
      [7, false],
    ],
  );
  const tail = searchLog(log, undefined, 2, 1);
  assert.deepEqual(
    tail.lines.map((l) => l.n),
    [7, 8],
  );
  const long = searchLog(`ERROR ${'x'.repeat(5000)}`, 'error', 5, 0);
  assert.ok(long.lines[0]!.text.length <= 501);
});

test('policy: pod specs are found in every workload kind; Lists are unpacked; CEL errors are reported apart', () => {
  const checker = new PolicyChecker([
    {
      name: 'no-default-ns',
      expression: 'object.metadata.namespace != "default"',
      message: 'not in default',
    },
  ]);
  const report = checker.check(`apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: { name: cj, namespace: default }
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              containers: [{ name: c, image: "busybox", securityContext: { runAsUser: 0 } }]
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: cm, namespace: ops }
`);
  const [cj, cm] = report.resources;
  assert.deepEqual(
    cj!.violations.map((v) => [v.rule, v.path]),
    [
      ['run-as-root', 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser'],
      ['no-default-ns', ''],
      ['image-latest', 'spec.jobTemplate.spec.template.spec.containers[0].image'],
      ['no-resource-limits', 'spec.jobTemplate.spec.template.spec.containers[0].resources.limits'],
      [
        'allow-privilege-escalation',
        'spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
      ],
    ],
  );
  assert.deepEqual(cm, { resource: 'ConfigMap/ops/cm', violations: [] });
  // A rule that reads a field some objects lack errors on them, without failing the check.
  const strict = new PolicyChecker([
    { name: 'labels', expression: 'object.metadata.labels.team == "x"', message: 'team x' },
  ]);
  const r = strict.check('kind: ConfigMap\nmetadata: {name: a}\n');
  assert.equal(r.rule_errors?.[0]?.rule, 'labels');
  assert.equal(r.passed, true);
  assert.throws(() => new PolicyChecker([{ name: 'bad', expression: '1 +', message: 'x' }]), /CEL rule bad/);
  assert.throws(() => checker.check('just a string'), /no Kubernetes object/);
  // Integers are CEL ints: arithmetic on them works.
  const arith = new PolicyChecker([
    { name: 'r', expression: 'object.spec.replicas + 1 <= 3', message: 'too many' },
  ]);
  assert.equal(
    arith.check('kind: Deployment\nmetadata: {name: d}\nspec: {replicas: 5}\n').total_violations,
    1,
  );
});

test('PromQL: abstract names map to queries; label values cannot break out of their quotes', () => {
  assert.equal(
    promqlFor('cpu_usage', { namespace: 'pay', pods: ['api-1', 'api-2'] }),
    'sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{container!="",container!="POD",namespace="pay",pod=~"api-1|api-2"}[5m]))',
  );
  assert.equal(
    promqlFor('node_memory_usage', { node: 'n1' }),
    'node_memory_MemTotal_bytes{instance=~"n1(:[0-9]+)?"} - node_memory_MemAvailable_bytes{instance=~"n1(:[0-9]+)?"}',
  );
  assert.equal(
    promqlFor('restarts', {}),
    'sum by (namespace, pod, container) (kube_pod_container_status_restarts_total{})',
  );
  const hostile = promqlFor('memory_usage', { namespace: 'x"} or vector(1) #' });
  assert.match(hostile, /namespace="x\\"} or vector\(1\) #"/);
});

test('get_metrics queries a configured Prometheus with query_range and summarises the matrix', async () => {
  const requests: URLSearchParams[] = [];
  const prom = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      assert.equal(req.url, '/prom/api/v1/query_range');
      requests.push(new URLSearchParams(body));
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { namespace: 'pay', pod: 'api-1', container: 'api' },
                values: [
                  [1748779140, '0.25'],
                  [1748779200, '0.5'],
                ],
              },
            ],
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
  const { port } = prom.address() as AddressInfo;
  const world = new WorldModel({ now: new Date('2025-06-01T12:00:00Z') });
  const s = await connect(world, { prometheusUrl: `http://127.0.0.1:${port}/prom` });
  const tools = (await s.client.listTools()).tools;
  assert.equal(tools.find((t) => t.name === 'get_metrics')!.annotations!.openWorldHint, true);
  const r = await s.call('get_metrics', { query: 'cpu_usage', namespace: 'pay', time_window: '30m' });
  assert.equal(r.json.source, 'prometheus');
  assert.deepEqual(Object.fromEntries(requests[0]!), {
    query: r.json.promql,
    start: String(1748779200 - 1800),
    end: '1748779200',
    step: '15',
  });
  assert.deepEqual(r.json.series[0].stats, {
    min: 0.25,
    max: 0.5,
    mean: 0.375,
    first: 0.25,
    last: 0.5,
    samples: 2,
    trend_per_hour: 15,
  });
  await s.close();
  prom.close();
  // An unreachable Prometheus is an error the caller can read.
  const down = await connect(world, { prometheusUrl: `http://127.0.0.1:${port}/prom` });
  const err = await down.call('get_metrics', { query: 'cpu_usage' });
  assert.equal(err.isError, true);
  assert.match(err.text, /Prometheus is unreachable/);
  await down.close();
});

test('cursors, durations and instants', () => {
  const items = ['a', 'b', 'c', 'd'];
  const q = queryKey({ tool: 't', kind: 'Pod', cursor: 'ignored', limit: 9 });
  assert.equal(q, queryKey({ tool: 't', kind: 'Pod' }));
  const first = paginate(items, (x) => x, { limit: 3, query: q, budget: 10_000 });
  assert.deepEqual(first.items, ['a', 'b', 'c']);
  assert.equal(first.remaining, 1);
  const second = paginate(items, (x) => x, { limit: 3, query: q, budget: 10_000, cursor: first.next_cursor });
  assert.deepEqual(second.items, ['d']);
  assert.equal(second.next_cursor, undefined);
  assert.throws(() =>
    paginate(items, (x) => x, { limit: 3, query: 'other', budget: 10_000, cursor: first.next_cursor }),
  );
  assert.throws(
    () => paginate(items, (x) => x, { limit: 3, query: q, budget: 10_000, cursor: encodeCursor(q, 'zz') }),
    /list changed/,
  );
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2w'), 14 * 86400e3);
  assert.throws(() => parseDuration('1y'));
  const now = new Date('2025-06-01T12:00:00Z');
  assert.equal(parseInstant('1h', now).toISOString(), '2025-06-01T11:00:00.000Z');
  assert.equal(parseInstant('2025-06-01T10:00:00Z', now).toISOString(), '2025-06-01T10:00:00.000Z');
  assert.throws(() => parseInstant('yesterday', now));
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.1'));
});
