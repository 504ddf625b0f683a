import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimeMetrics } from '../../src/metrics/registry.ts';
import { ItemExponentialFailureRateLimiter, WorkQueue } from '../../src/workqueue/index.ts';

/** The sample lines of the exposition text, without HELP/TYPE comments. */
function samples(text: string): Set<string> {
  return new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')));
}

function assertSample(text: string, line: string): void {
  assert.ok(samples(text).has(line), `missing sample: ${line}\n${text}`);
}

describe('RuntimeMetrics', () => {
  it("declares controller-runtime's metric names and types", async () => {
    const text = await new RuntimeMetrics().text();
    const declared = [
      'controller_runtime_reconcile_total counter',
      'controller_runtime_reconcile_errors_total counter',
      'controller_runtime_terminal_reconcile_errors_total counter',
      'controller_runtime_reconcile_time_seconds histogram',
      'controller_runtime_max_concurrent_reconciles gauge',
      'controller_runtime_active_workers gauge',
      'workqueue_depth gauge',
      'workqueue_adds_total counter',
      'workqueue_queue_duration_seconds histogram',
      'workqueue_work_duration_seconds histogram',
      'workqueue_unfinished_work_seconds gauge',
      'workqueue_longest_running_processor_seconds gauge',
      'workqueue_retries_total counter',
      'controller_runtime_webhook_latency_seconds histogram',
      'controller_runtime_webhook_requests_total counter',
      'controller_runtime_webhook_requests_in_flight gauge',
      'rest_client_requests_total counter',
      'leader_election_master_status gauge',
    ];
    for (const type of declared) assert.ok(text.includes(`# TYPE ${type}\n`), `missing ${type}`);
  });

  it('keeps each instance in its own registry', async () => {
    const a = new RuntimeMetrics();
    const b = new RuntimeMetrics();
    a.leaderElectionMasterStatus.labels('lock').set(1);
    assertSample(await a.text(), 'leader_election_master_status{name="lock"} 1');
    assert.ok(!(await b.text()).includes('name="lock"'));
  });

  it('initialises and counts per-controller reconcile metrics', async () => {
    const metrics = new RuntimeMetrics();
    const bound = metrics.forController('widget');
    assert.equal(metrics.forController('widget'), bound, 'children are cached');
    let text = await metrics.text();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      assertSample(text, `controller_runtime_reconcile_total{controller="widget",result="${result}"} 0`);
    }
    assertSample(text, 'controller_runtime_reconcile_errors_total{controller="widget"} 0');
    assertSample(text, 'controller_runtime_terminal_reconcile_errors_total{controller="widget"} 0');
    assertSample(text, 'controller_runtime_active_workers{controller="widget"} 0');

    bound.reconcileTotal.success.inc();
    bound.reconcileTotal.success.inc();
    bound.reconcileTotal.error.inc();
    bound.reconcileErrors.inc();
    bound.reconcileTime.observe(0.12);
    bound.maxConcurrentReconciles.set(4);
    bound.activeWorkers.inc();
    text = await metrics.text();
    assertSample(text, 'controller_runtime_reconcile_total{controller="widget",result="success"} 2');
    assertSample(text, 'controller_runtime_reconcile_total{controller="widget",result="error"} 1');
    assertSample(text, 'controller_runtime_reconcile_errors_total{controller="widget"} 1');
    assertSample(text, 'controller_runtime_reconcile_time_seconds_bucket{le="0.1",controller="widget"} 0');
    assertSample(text, 'controller_runtime_reconcile_time_seconds_bucket{le="0.15",controller="widget"} 1');
    assertSample(text, 'controller_runtime_reconcile_time_seconds_bucket{le="60",controller="widget"} 1');
    assertSample(text, 'controller_runtime_reconcile_time_seconds_count{controller="widget"} 1');
    assertSample(text, 'controller_runtime_max_concurrent_reconciles{controller="widget"} 4');
    assertSample(text, 'controller_runtime_active_workers{controller="widget"} 1');
  });

  it('records workqueue metrics labelled with name and controller', async () => {
    let now = 0;
    const metrics = new RuntimeMetrics();
    const queue = new WorkQueue({
      name: 'widget',
      metrics,
      now: () => now,
      rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000),
    });
    const labels = 'name="widget",controller="widget"';
    queue.add('a');
    queue.add('b');
    queue.add('a');
    now += 2000;
    const key = (await queue.get()) as string;
    now += 3000;
    let text = await metrics.text();
    assertSample(text, `workqueue_adds_total{${labels}} 2`);
    assertSample(text, `workqueue_depth{${labels}} 1`);
    assertSample(text, `workqueue_queue_duration_seconds_sum{${labels}} 2`);
    assertSample(text, `workqueue_queue_duration_seconds_bucket{le="1",${labels}} 0`);
    assertSample(text, `workqueue_queue_duration_seconds_bucket{le="10",${labels}} 1`);
    assertSample(text, `workqueue_queue_duration_seconds_bucket{le="1e-8",${labels}} 0`);
    assertSample(text, `workqueue_unfinished_work_seconds{${labels}} 3`);
    assertSample(text, `workqueue_longest_running_processor_seconds{${labels}} 3`);

    queue.done(key);
    queue.addRateLimited(key);
    queue.addAfter('c', 0);
    text = await metrics.text();
    assertSample(text, `workqueue_work_duration_seconds_sum{${labels}} 3`);
    assertSample(text, `workqueue_work_duration_seconds_count{${labels}} 1`);
    assertSample(text, `workqueue_unfinished_work_seconds{${labels}} 0`);
    assertSample(text, `workqueue_retries_total{${labels}} 2`);
    assertSample(text, `workqueue_adds_total{${labels}} 3`);
    assertSample(text, `workqueue_depth{${labels}} 2`);
    queue.shutDown();
  });

  it('leaves unnamed queues out of the metrics', async () => {
    const metrics = new RuntimeMetrics();
    const queue = new WorkQueue({ metrics });
    queue.add('a');
    assert.ok(!(await metrics.text()).includes('workqueue_adds_total{'));
  });

  it('binds webhook children per path and status code', async () => {
    const metrics = new RuntimeMetrics();
    const webhook = metrics.forWebhook('/validate-widget');
    assert.equal(webhook.requests(200), webhook.requests(200));
    webhook.inFlight.inc();
    webhook.requests(200).inc();
    webhook.requests(403).inc();
    webhook.latency.observe(0.03);
    const text = await metrics.text();
    assertSample(text, 'controller_runtime_webhook_requests_total{webhook="/validate-widget",code="200"} 1');
    assertSample(text, 'controller_runtime_webhook_requests_total{webhook="/validate-widget",code="403"} 1');
    assertSample(text, 'controller_runtime_webhook_requests_in_flight{webhook="/validate-widget"} 1');
    assertSample(
      text,
      'controller_runtime_webhook_latency_seconds_bucket{le="0.05",webhook="/validate-widget"} 1',
    );
  });

  it('counts REST client requests by code, method and host', async () => {
    const metrics = new RuntimeMetrics();
    metrics.restClientRequests.labels('200', 'GET', '127.0.0.1:6443').inc();
    assertSample(
      await metrics.text(),
      'rest_client_requests_total{code="200",method="GET",host="127.0.0.1:6443"} 1',
    );
  });

  it('optionally exports process metrics', async () => {
    assert.ok(!(await new RuntimeMetrics().text()).includes('process_resident_memory_bytes'));
    const text = await new RuntimeMetrics({ collectDefaultMetrics: true }).text();
    assert.ok(text.includes('# TYPE process_cpu_user_seconds_total counter'));
    assert.ok(text.includes('# TYPE process_resident_memory_bytes gauge'));
  });
});
