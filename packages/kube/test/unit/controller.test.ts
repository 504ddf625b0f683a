import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Controller,
  generationChanged,
  labelSelector,
  matchesLabels,
  parseKey,
  requestKey,
  TerminalError,
  type KubeObject,
} from '../../src/index.ts';
import { ItemExponentialFailureRateLimiter } from '../../src/workqueue/ratelimiter.ts';
import { RuntimeMetrics } from '../../src/metrics/registry.ts';

const meta = (generation: number, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'X',
  metadata: { name: 'n', generation, labels },
});

test('request keys round-trip for namespaced and cluster-scoped objects', () => {
  assert.deepEqual(parseKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(parseKey('node-1'), { name: 'node-1' });
  assert.equal(requestKey({ namespace: 'ns', name: 'a' }), 'ns/a');
});

test('predicates: generationChanged and label selectors', () => {
  assert.equal(generationChanged.update!(meta(1), meta(1)), false);
  assert.equal(generationChanged.update!(meta(1), meta(2)), true);
  const p = labelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
  });
  assert.equal(p.create!(meta(1, { app: 'web' })), true);
  assert.equal(p.create!(meta(1, { app: 'web', tier: 'db' })), false);
  assert.equal(matchesLabels({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }), true);
  assert.equal(
    matchesLabels({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }),
    false,
  );
});

test('controller: one reconcile per key at a time, errors retried with backoff, terminal errors not retried', async () => {
  const metrics = new RuntimeMetrics();
  const inFlight = new Set<string>();
  let overlap = false;
  const calls = new Map<string, number>();
  const c = new Controller({
    name: 'unit',
    maxConcurrentReconciles: 4,
    metrics,
    rateLimiter: new ItemExponentialFailureRateLimiter(1, 10),
    reconciler: async (req) => {
      const key = requestKey(req);
      if (inFlight.has(key)) overlap = true;
      inFlight.add(key);
      calls.set(key, (calls.get(key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 2));
      inFlight.delete(key);
      if (req.name === 'flaky' && calls.get(key)! < 3) throw new Error('not yet');
      if (req.name === 'fatal') throw new TerminalError('never');
    },
  });
  const ctl = new AbortController();
  const running = c.start(ctl.signal);
  for (let i = 0; i < 20; i++) c.queue.add('ns/same');
  c.queue.add('ns/flaky');
  c.queue.add('ns/fatal');
  await new Promise((r) => setTimeout(r, 200));
  ctl.abort();
  await running;
  assert.equal(overlap, false);
  assert.ok(calls.get('ns/same')! <= 2, `same key coalesced, got ${calls.get('ns/same')}`);
  assert.equal(calls.get('ns/flaky'), 3);
  assert.equal(calls.get('ns/fatal'), 1);
  const text = await metrics.text();
  assert.match(text, /controller_runtime_reconcile_total\{controller="unit",result="error"\} 3/);
  assert.match(text, /controller_runtime_terminal_reconcile_errors_total\{controller="unit"\} 1/);
  assert.match(text, /controller_runtime_max_concurrent_reconciles\{controller="unit"\} 4/);
});
