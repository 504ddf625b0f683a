// The temporal store: diffs, state at a time, the window, and the patch applier it relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPatchDiff, type KubeObject } from '@industriverse/kube';
import { applyPatch, TemporalStore } from '../../src/temporal/index.ts';

const ref = { kind: 'ConfigMap', namespace: 'ns', name: 'cm' };
const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns', ...extra },
  data,
});
const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 12, minute)).toISOString();
const t = (minute: number) => new Date(at(minute));
const dataOf = (o: KubeObject | undefined) => (o as { data?: Record<string, string> } | undefined)?.data;

test('every change is kept as a diff from the previous state', () => {
  const s = new TemporalStore();
  s.record({ time: at(0), type: 'ADDED', object: cm({ a: '1' }) });
  s.record({ time: at(5), type: 'MODIFIED', object: cm({ a: '2', b: 'x' }) });
  s.record({ time: at(9), type: 'DELETED', object: cm({ a: '2', b: 'x' }) });
  assert.deepEqual(s.changes(), [
    { time: at(0), type: 'ADDED', ref, diff: [] },
    {
      time: at(5),
      type: 'MODIFIED',
      ref,
      diff: [
        { op: 'replace', path: '/data/a', value: '2' },
        { op: 'add', path: '/data/b', value: 'x' },
      ],
    },
    { time: at(9), type: 'DELETED', ref, diff: [] },
  ]);
});

test('a MODIFIED that changes nothing is not a change', () => {
  const s = new TemporalStore();
  s.record({ time: at(0), type: 'ADDED', object: cm({ a: '1' }) });
  assert.equal(s.record({ time: at(1), type: 'MODIFIED', object: cm({ a: '1' }) }), undefined);
  assert.equal(s.size, 1);
});

test('stateAt before, between and after changes', () => {
  const s = new TemporalStore();
  s.record({ time: at(10), type: 'ADDED', object: cm({ a: '1' }) });
  s.record({ time: at(20), type: 'MODIFIED', object: cm({ a: '2' }) });
  s.record({ time: at(30), type: 'MODIFIED', object: cm({ a: '3' }) });
  s.record({ time: at(40), type: 'DELETED', object: cm({ a: '3' }) });
  s.record({ time: at(50), type: 'ADDED', object: cm({ a: 'new' }) });
  const data = (m: number) => dataOf(s.stateAt(ref, t(m)))?.a;
  assert.equal(data(5), undefined, 'before it was created');
  assert.equal(data(10), '1', 'at the change itself');
  assert.equal(data(15), '1');
  assert.equal(data(25), '2');
  assert.equal(data(35), '3');
  assert.equal(data(45), undefined, 'deleted');
  assert.equal(data(55), 'new', 'created again');
  assert.ok(s.tracks(ref));
  assert.ok(!s.tracks({ ...ref, name: 'other' }));
});

test('reconstruction crosses checkpoints', () => {
  const s = new TemporalStore({ checkpointEvery: 4 });
  s.record({ time: at(0), type: 'ADDED', object: cm({ n: '0' }) });
  for (let i = 1; i <= 20; i++) s.record({ time: at(i), type: 'MODIFIED', object: cm({ n: String(i) }) });
  for (let i = 0; i <= 20; i++) assert.equal(dataOf(s.stateAt(ref, t(i)))?.n, String(i), `minute ${i}`);
});

test('a resource first seen mid-life: its first known state stands in once it was created', () => {
  const s = new TemporalStore();
  s.record({ time: at(30), type: 'MODIFIED', object: cm({ a: '2' }, { creationTimestamp: at(10) }) });
  s.record({ time: at(40), type: 'MODIFIED', object: cm({ a: '3' }, { creationTimestamp: at(10) }) });
  assert.deepEqual(s.changes()[0]!.diff, [], 'no previous state, no diff');
  assert.equal(s.changes()[1]!.diff.length, 1);
  assert.equal(dataOf(s.stateAt(ref, t(20)))?.a, '2');
  assert.equal(s.stateAt(ref, t(5)), undefined);
});

test('a known previous state gives the first MODIFIED its diff', () => {
  const s = new TemporalStore();
  s.record({ time: at(30), type: 'MODIFIED', object: cm({ a: '2' }) }, cm({ a: '1' }));
  assert.deepEqual(s.changes()[0]!.diff, [{ op: 'replace', path: '/data/a', value: '2' }]);
  assert.equal(dataOf(s.stateAt(ref, t(20)))?.a, '1');
});

test('changes are filtered by resource and by [since, before)', () => {
  const s = new TemporalStore();
  s.record({ time: at(0), type: 'ADDED', object: cm({ a: '1' }) });
  s.record({
    time: at(1),
    type: 'ADDED',
    object: { ...cm({}), metadata: { name: 'other', namespace: 'ns' } },
  });
  s.record({ time: at(2), type: 'MODIFIED', object: cm({ a: '2' }) });
  s.record({ time: at(3), type: 'MODIFIED', object: cm({ a: '3' }) });
  assert.deepEqual(
    s.changes({ ref }).map((c) => c.time),
    [at(0), at(2), at(3)],
  );
  assert.deepEqual(
    s.changes({ since: t(1), before: t(3) }).map((c) => c.time),
    [at(1), at(2)],
  );
  assert.deepEqual(
    s.changes({ ref, before: t(2) }).map((c) => c.time),
    [at(0)],
  );
});

test('the window evicts changes older than the newest time minus its length, keeping stateAt right', () => {
  const s = new TemporalStore({ windowMs: 30 * 60_000, checkpointEvery: 3 });
  s.record({ time: at(0), type: 'ADDED', object: cm({ n: '0' }) });
  for (let i = 1; i <= 10; i++) s.record({ time: at(i * 5), type: 'MODIFIED', object: cm({ n: String(i) }) });
  // Newest is minute 50: the window starts at minute 20.
  assert.deepEqual(
    s.changes().map((c) => c.time),
    [at(20), at(25), at(30), at(35), at(40), at(45), at(50)],
  );
  assert.equal(dataOf(s.stateAt(ref, t(22)))?.n, '4');
  assert.equal(dataOf(s.stateAt(ref, t(47)))?.n, '9');
  // Before the window, the state folded from what was evicted.
  assert.equal(dataOf(s.stateAt(ref, t(18)))?.n, '3');
  s.advance(t(200));
  assert.equal(s.size, 0);
  assert.equal(dataOf(s.stateAt(ref, t(100)))?.n, '10');
  // A later change still has its diff.
  s.record({ time: at(201), type: 'MODIFIED', object: cm({ n: '11' }) });
  assert.deepEqual(s.changes()[0]!.diff, [{ op: 'replace', path: '/data/n', value: '11' }]);
});

test('a deleted resource leaves the store once its changes are evicted', () => {
  const s = new TemporalStore({ windowMs: 60_000 });
  s.record({ time: at(0), type: 'ADDED', object: cm({}) });
  s.record({ time: at(1), type: 'DELETED', object: cm({}) });
  s.advance(t(10));
  assert.ok(!s.tracks(ref));
});

test('applyPatch replays jsonPatchDiff exactly, without touching its input', () => {
  const a = {
    metadata: { labels: { 'a/b': '1', 'x~y': '2' } },
    spec: { list: [1, 2, 3, { k: 'v' }], gone: true },
  };
  const b = { metadata: { labels: { 'a/b': '2' } }, spec: { list: [1, 5], extra: [{ z: null }] } };
  const snapshot = structuredClone(a);
  assert.deepEqual(applyPatch(a, jsonPatchDiff(a, b) as never), b);
  assert.deepEqual(a, snapshot);
  assert.deepEqual(applyPatch(a, [{ op: 'replace', path: '', value: b }]), b);
});
