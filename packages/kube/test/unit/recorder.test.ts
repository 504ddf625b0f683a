// The EventRecorder's queueing, against a stub client: writes never block or throw into the caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import type { KubeClient } from '../../src/client/client.ts';
import { EventRecorder, type KubeEvent } from '../../src/events/index.ts';

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
});

/** A client whose writes wait until `release()`, recording what was sent. */
function stubClient(fail?: Error) {
  const gate = Promise.withResolvers<void>();
  const created: KubeEvent[] = [];
  const patched: unknown[] = [];
  const client = {
    async create(_ref: unknown, body: KubeEvent) {
      await gate.promise;
      if (fail) throw fail;
      created.push(body);
      return body;
    },
    async patch(_ref: unknown, _ns: string, _name: string, body: unknown) {
      await gate.promise;
      patched.push(body);
      return body;
    },
  } as unknown as KubeClient;
  return { client, created, patched, release: () => gate.resolve() };
}

describe('EventRecorder', () => {
  it('coalesces repeats queued behind the first write into one series', async () => {
    const stub = stubClient();
    const recorder = new EventRecorder({
      client: stub.client,
      reportingController: 'x.io/c',
      reportingInstance: 'i',
    });
    for (let i = 0; i < 3; i++) recorder.event(pod('a'), { type: 'Normal', reason: 'R', action: 'A' });
    stub.release();
    await recorder.flush();
    assert.equal(stub.created.length, 1);
    assert.equal(stub.created[0]!.series?.count, 3);
    assert.equal(stub.created[0]!.metadata.namespace, 'ns');
    assert.deepEqual(stub.patched, []);
  });

  it('keeps distinct objects, reasons and notes apart', async () => {
    const stub = stubClient();
    stub.release();
    const recorder = new EventRecorder({
      client: stub.client,
      reportingController: 'x.io/c',
      reportingInstance: 'i',
    });
    recorder.event(pod('a'), { type: 'Normal', reason: 'R', action: 'A', note: 'one' });
    recorder.event(pod('a'), { type: 'Normal', reason: 'R', action: 'A', note: 'two' });
    recorder.event(pod('a'), { type: 'Normal', reason: 'S', action: 'A', note: 'one' });
    recorder.event(pod('b'), { type: 'Normal', reason: 'R', action: 'A', note: 'one' });
    await recorder.close();
    assert.equal(stub.created.length, 4);
    assert.equal(new Set(stub.created.map((e) => e.metadata.name)).size, 4);
  });

  it('drops beyond maxQueued and reports it, without throwing into the caller', async () => {
    const stub = stubClient();
    const errors: string[] = [];
    const recorder = new EventRecorder({
      client: stub.client,
      reportingController: 'x.io/c',
      reportingInstance: 'i',
      maxQueued: 2,
      onError: (err) => {
        errors.push(err.message);
        throw new Error('a throwing handler changes nothing');
      },
    });
    for (const name of ['a', 'b', 'c', 'd'])
      recorder.event(pod(name), { type: 'Warning', reason: 'R', action: 'A' });
    stub.release();
    await recorder.flush();
    assert.deepEqual(
      stub.created.map((e) => e.regarding.name),
      ['a', 'b'],
    );
    assert.deepEqual(errors, ['event queue full (2)', 'event queue full (2)']);
  });

  it('reports failed writes and carries on', async () => {
    const stub = stubClient(new Error('apiserver down'));
    const errors: string[] = [];
    const recorder = new EventRecorder({
      client: stub.client,
      reportingController: 'x.io/c',
      reportingInstance: 'i',
      onError: (err, event) => errors.push(`${event.regarding.name}: ${err.message}`),
    });
    recorder.event(pod('a'), { type: 'Normal', reason: 'R', action: 'A' });
    recorder.event(pod('b'), { type: 'Normal', reason: 'R', action: 'A' });
    stub.release();
    await recorder.close();
    assert.deepEqual(errors, ['a: apiserver down', 'b: apiserver down']);
  });

  it('truncates the note to 1 KiB of UTF-8 without splitting a character', async () => {
    const stub = stubClient();
    stub.release();
    const recorder = new EventRecorder({
      client: stub.client,
      reportingController: 'x.io/c',
      reportingInstance: 'i',
    });
    recorder.event(pod('a'), { type: 'Normal', reason: 'R', action: 'A', note: 'é'.repeat(600) });
    await recorder.close();
    const note = stub.created[0]!.note!;
    assert.equal(Buffer.byteLength(note), 1024);
    assert.equal(note, 'é'.repeat(512));
  });
});
