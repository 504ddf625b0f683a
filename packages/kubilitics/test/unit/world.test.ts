// The World combining graph, temporal store and the Event index, as the live feed drives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@industriverse/kube';
import { eventTime, redactSecret, WorldModel } from '../../src/model/world.ts';

const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 12, minute)).toISOString();
const pod = (name: string, nodeName = 'n1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', creationTimestamp: at(0) },
  spec: { nodeName },
});
const coreEvent = (name: string, involved: Record<string, string>, last: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'ns' },
  involvedObject: involved,
  reason: name,
  lastTimestamp: last,
});

test('watch events drive the graph and the recorded changes', () => {
  let now = new Date(at(0));
  const w = new WorldModel({ now: () => now });
  w.apply({ time: at(1), type: 'ADDED', object: pod('p') });
  w.apply({ time: at(2), type: 'MODIFIED', object: pod('p', 'n2') });
  assert.deepEqual(
    w.graph.outgoing('Pod/ns/p').map((e) => e.to),
    ['Node//n2'],
  );
  now = new Date(at(3));
  assert.equal(w.now.toISOString(), at(3));
  const before = w.stateAt({ kind: 'Pod', namespace: 'ns', name: 'p' }, new Date(at(1)));
  assert.deepEqual(before?.spec, { nodeName: 'n1' });
  w.apply({ time: at(4), type: 'DELETED', object: pod('p', 'n2') });
  assert.equal(w.get({ kind: 'Pod', namespace: 'ns', name: 'p' }), undefined);
  assert.deepEqual(
    w.changes().map((c) => c.type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  // The window follows the clock.
  now = new Date(at(120));
  assert.deepEqual(w.changes(), []);
});

test('stateAt: now is the graph; a resource without history exists from its creation', () => {
  const w = new WorldModel({ now: new Date(at(30)) });
  w.upsert(pod('p'));
  const ref = { kind: 'Pod', namespace: 'ns', name: 'p' };
  assert.equal(w.stateAt(ref, new Date(at(30))), w.get(ref));
  assert.equal(w.stateAt(ref, new Date(at(10))), w.get(ref));
  assert.equal(w.stateAt(ref, new Date(Date.UTC(2025, 2, 1, 11))), undefined);
});

test('events are indexed by the object they are about, oldest first', () => {
  const w = new WorldModel({ now: new Date(at(30)) });
  w.upsert(pod('p'));
  w.upsert(coreEvent('late', { kind: 'Pod', namespace: 'ns', name: 'p' }, at(20)));
  w.upsert(coreEvent('early', { kind: 'Pod', namespace: 'ns', name: 'p' }, at(5)));
  w.upsert({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'modern', namespace: 'ns' },
    regarding: { kind: 'Pod', namespace: 'ns', name: 'p' },
    reason: 'modern',
    eventTime: at(10),
  });
  // Node events carry no namespace in involvedObject, or one the Node does not have.
  w.upsert(coreEvent('node', { kind: 'Node', name: 'n1', namespace: 'default' }, at(1)));
  const ref = { kind: 'Pod', namespace: 'ns', name: 'p' };
  assert.deepEqual(
    w.eventsFor(ref).map((e) => e.reason),
    ['early', 'modern', 'late'],
  );
  assert.deepEqual(
    w.eventsFor({ kind: 'Node', name: 'n1' }).map((e) => e.reason),
    ['node'],
  );
  // An Event updated to be about something else moves; a deleted one goes.
  w.upsert(coreEvent('late', { kind: 'Pod', namespace: 'ns', name: 'q' }, at(21)));
  w.remove({ kind: 'Event', namespace: 'ns', name: 'early' });
  assert.deepEqual(
    w.eventsFor(ref).map((e) => e.reason),
    ['modern'],
  );
  assert.equal(w.eventsFor({ kind: 'Pod', namespace: 'ns', name: 'q' }).length, 1);
  assert.equal(w.objects('Event').length, 3);
});

test('eventTime reads every Event shape', () => {
  const base = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', creationTimestamp: at(0) } };
  assert.equal(eventTime({ ...base, lastTimestamp: at(3), eventTime: at(2) }), at(3));
  assert.equal(eventTime({ ...base, series: { lastObservedTime: at(4) }, eventTime: at(2) }), at(4));
  assert.equal(eventTime({ ...base, eventTime: at(2) }), at(2));
  assert.equal(eventTime(base), at(0));
});

test('Secrets lose their values, in the graph and in recorded history', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'ns',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"dmFsdWU="}}',
        keep: 'me',
      },
    },
    data: { k: 'dmFsdWU=' },
    stringData: { other: 'value' },
  };
  assert.deepEqual(redactSecret(secret), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns', annotations: { keep: 'me' } },
    data: { k: '' },
  });
  assert.equal(
    secret.data && (secret.data as Record<string, string>).k,
    'dMFsdWU='.replace('M', 'm'),
    'input untouched',
  );
  const w = new WorldModel({ now: new Date(at(10)) });
  w.apply({ time: at(1), type: 'ADDED', object: secret });
  w.apply({ time: at(2), type: 'MODIFIED', object: { ...secret, data: { k: 'bmV3' } } });
  const everything = JSON.stringify([
    w.objects(),
    w.changes(),
    w.stateAt({ kind: 'Secret', namespace: 'ns', name: 's' }, new Date(at(1))),
  ]);
  assert.ok(
    !everything.includes('dmFsdWU=') && !everything.includes('bmV3') && !everything.includes('value'),
  );
  assert.equal(redactSecret(pod('p')).kind, 'Pod');
});

test('logs come from the configured source', async () => {
  assert.equal(await new WorldModel({ now: new Date() }).logs('ns', 'p'), undefined);
  const w = new WorldModel({ now: new Date(), logs: async (ns, p, c) => `${ns}/${p}/${c ?? '-'}` });
  assert.equal(await w.logs('ns', 'p', 'c'), 'ns/p/c');
});
