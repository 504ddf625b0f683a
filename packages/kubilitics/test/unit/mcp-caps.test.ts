// Output caps: no answer passes the budget, lists page through everything, and what cannot be paged
// asks to narrow the query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_OUTPUT_CHARS } from '../../src/mcp/index.ts';
import { WorldModel } from '../../src/model/world.ts';
import { bigWorld, connect } from '../fixtures/mcp-world.ts';

const world = bigWorld(10_000);

test('list_resources over 10,000 pods: every page fits the budget and the pages cover every pod once', async () => {
  const s = await connect(world);
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = await s.call('list_resources', { kind: 'Pod', limit: 500, ...(cursor ? { cursor } : {}) });
    assert.equal(r.isError, false, r.text.slice(0, 200));
    assert.ok(r.text.length <= DEFAULT_MAX_OUTPUT_CHARS, `page ${pages}: ${r.text.length} chars`);
    assert.equal(r.json.total, 10_000);
    for (const item of r.json.items) {
      const key = `${item.namespace}/${item.name}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
    }
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(seen.size, 10_000);
  assert.ok(pages > 20, `${pages} pages: the budget, not the limit, cut them`);
  await s.close();
});

test('a page stops at the limit or the budget, whichever comes first', async () => {
  const s = await connect(world);
  const small = await s.call('list_resources', { kind: 'Pod', limit: 5 });
  assert.equal(small.json.returned, 5);
  assert.equal(small.json.cut_by_budget, undefined);
  assert.match(small.json.note, /9995 more: pass next_cursor/);
  const big = await s.call('list_resources', { kind: 'Pod', limit: 500 });
  assert.equal(big.json.cut_by_budget, true);
  assert.ok(big.json.returned < 500);
  // A cursor belongs to its query.
  const other = await s.call('list_resources', {
    kind: 'Pod',
    namespace: 'team-1',
    cursor: small.json.next_cursor,
  });
  assert.equal(other.isError, true);
  assert.match(other.text, /different query/);
  const forged = await s.call('list_resources', { kind: 'Pod', cursor: 'not-a-cursor' });
  assert.equal(forged.isError, true);
  await s.close();
});

test('summary and narrowed queries stay small over 10,000 pods', async () => {
  const s = await connect(world);
  const summary = await s.call('list_resources', { kind: 'Pod', summary: true });
  assert.ok(summary.text.length < 1000);
  assert.deepEqual(summary.json.by_status, { Pending: 100, Running: 9900 });
  assert.equal(summary.json.by_namespace['team-3'], 1000);
  const narrowed = await s.call('list_resources', {
    kind: 'Pod',
    namespace: 'team-3',
    label_selector: 'shard=2,team.example.com/owner=owner-3',
  });
  assert.equal(narrowed.json.total, 143);
  const all = await s.call('list_resources', { kind: '*' });
  assert.equal(all.json.by_kind.Pod, 10_000);
  await s.close();
});

test('simulate_impact and get_events over 10,000 pods answer within the budget', async () => {
  const s = await connect(world);
  const drain = await s.call('simulate_impact', { action: 'drain', resource: 'Node/node-7' });
  assert.equal(drain.json.affected_pods.total, 200);
  assert.equal(drain.json.affected_pods.sample.length, 20);
  const ns = await s.call('simulate_impact', { action: 'delete', resource: 'Namespace/team-1' });
  assert.equal(ns.json.affected_pods.total, 1000);
  for (const r of [drain, ns]) assert.ok(r.text.length <= DEFAULT_MAX_OUTPUT_CHARS);
  await s.close();
});

test('a huge object asks to narrow with path; huge logs come back trimmed to the budget', async () => {
  const w = new WorldModel({
    now: new Date('2025-06-01T12:00:00Z'),
    logs: async () =>
      Array.from({ length: 50_000 }, (_, i) =>
        i % 10 === 0
          ? `ERROR request ${i} failed: ${'x'.repeat(400)} unique-${i}-${'abcdefgh'[i % 8]}`
          : `INFO ok ${i}`,
      ).join('\n'),
  });
  w.upsert({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'ns' },
    data: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key-${i}`, 'v'.repeat(500)])),
  });
  w.upsert({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'c' }] },
  });
  const s = await connect(w);
  const yaml = await s.call('get_resource_yaml', { kind: 'ConfigMap', name: 'big', namespace: 'ns' });
  assert.equal(yaml.isError, true);
  assert.match(
    yaml.text,
    /over this server's 20000-character budget: narrow your query\. Pass path= one part: .*data \(\d+ chars\)/,
  );
  const one = await s.call('get_resource_yaml', {
    kind: 'ConfigMap',
    name: 'big',
    namespace: 'ns',
    path: 'data.key-7',
  });
  assert.equal(one.text.trim(), 'v'.repeat(500));
  const logs = await s.call('get_logs', { pod: 'p', hint: 'errors', max_lines: 200, context: 5 });
  assert.equal(logs.isError, false);
  assert.ok(logs.text.length <= DEFAULT_MAX_OUTPUT_CHARS, `${logs.text.length}`);
  assert.equal(logs.json.pods[0].total_lines, 50_000);
  assert.ok(logs.json.pods[0].lines.length > 5);
  await s.close();
});

test('the budget is configurable', async () => {
  const s = await connect(world, { maxOutputChars: 4000 });
  const r = await s.call('list_resources', { kind: 'Pod' });
  assert.ok(r.text.length <= 4000);
  assert.ok(r.json.next_cursor);
  await s.close();
});
