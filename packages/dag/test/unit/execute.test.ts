import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Dag, DagValidationError, NodeTimeoutError, backoffDelay, execute } from '../../src/index.ts';
import type { ExecutionEvent } from '../../src/index.ts';

/** a -> b -> d, a -> c -> d, e alone. */
function diamond(): Dag<number> {
  const dag = new Dag<number>();
  ['a', 'b', 'c', 'd', 'e'].forEach((id, i) => dag.addNode(id, i));
  return dag.addEdge('a', 'b').addEdge('a', 'c').addEdge('b', 'd').addEdge('c', 'd');
}

function transitions(events: ExecutionEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'state' ? [`${e.id}:${e.to}`] : [`${e.id}:retry${e.attempt}`]));
}

describe('execute', () => {
  it('runs every node after its dependencies, one at a time in topological order', async () => {
    const events: ExecutionEvent[] = [];
    const ran: Array<[string, number]> = [];
    const result = await execute(diamond(), async (id, data) => void ran.push([id, data]), {
      concurrency: 1,
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.ok, true);
    assert.equal(result.cancelled, false);
    assert.deepEqual(
      ran.map(([id]) => id),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.deepEqual(ran[3], ['d', 3]);
    assert.deepEqual(transitions(events), [
      'a:running',
      'a:succeeded',
      'b:running',
      'b:succeeded',
      'c:running',
      'c:succeeded',
      'd:running',
      'd:succeeded',
      'e:running',
      'e:succeeded',
    ]);
    assert.deepEqual(Object.keys(result.nodes), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(result.nodes.d, { state: 'succeeded', attempts: 1 });
    const last = events.at(-1)!;
    assert.deepEqual(last.progress, {
      total: 5,
      settled: 5,
      counts: { pending: 0, running: 0, succeeded: 5, failed: 0, skipped: 0, cancelled: 0 },
    });
    assert.equal(events[0]!.type === 'state' && events[0]!.from, 'pending');
  });

  it('never runs more than `concurrency` nodes at once, and uses all of it', async () => {
    const dag = new Dag<null>();
    for (let i = 0; i < 12; i++) dag.addNode(`n${i}`, null);
    let running = 0;
    let peak = 0;
    const result = await execute(
      dag,
      async () => {
        peak = Math.max(peak, ++running);
        await sleep(2);
        running--;
      },
      { concurrency: 3 },
    );
    assert.equal(result.ok, true);
    assert.equal(peak, 3);
  });

  it('runs independent nodes in parallel by default', async () => {
    const start = Date.now();
    const dag = new Dag<null>();
    for (let i = 0; i < 20; i++) dag.addNode(`n${i}`, null);
    await execute(dag, () => sleep(20));
    assert.ok(Date.now() - start < 200);
  });

  it('skips every dependent of a failed node and keeps running the rest', async () => {
    const events: ExecutionEvent[] = [];
    const boom = new Error('boom');
    const result = await execute(
      diamond(),
      async (id) => {
        if (id === 'b') throw boom;
      },
      { concurrency: 1, onEvent: (e) => events.push(e) },
    );
    assert.equal(result.ok, false);
    assert.deepEqual(result.nodes.b, { state: 'failed', attempts: 1, error: boom });
    assert.equal(result.nodes.c!.state, 'succeeded');
    assert.deepEqual(result.nodes.d, { state: 'skipped', attempts: 0 });
    assert.equal(result.nodes.e!.state, 'succeeded');
    assert.deepEqual(transitions(events), [
      'a:running',
      'a:succeeded',
      'b:running',
      'b:failed',
      'd:skipped',
      'c:running',
      'c:succeeded',
      'e:running',
      'e:succeeded',
    ]);
    const failed = events.find((e) => e.type === 'state' && e.to === 'failed');
    assert.equal(failed!.type === 'state' && failed!.error, boom);
    const skipped = events.find((e) => e.type === 'state' && e.to === 'skipped');
    assert.equal(skipped!.type === 'state' && skipped!.cause, 'b');
  });

  it('a node that throws synchronously fails like one that rejects', async () => {
    const dag = new Dag<null>().addNode('a', null);
    const result = await execute(dag, () => {
      throw new Error('sync');
    });
    assert.equal(result.nodes.a!.state, 'failed');
  });

  it('retries with exponential backoff capped at maxMs', async () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay({ initialMs: 10, maxMs: 50, factor: 2 }, n)),
      [10, 20, 40, 50, 50],
    );
    const events: ExecutionEvent[] = [];
    let calls = 0;
    const started: number[] = [];
    const result = await execute(
      new Dag<null>().addNode('flaky', null),
      async () => {
        started.push(Date.now());
        if (++calls < 4) throw new Error(`attempt ${calls}`);
      },
      { retries: 3, backoff: { initialMs: 5, maxMs: 12, factor: 2 }, onEvent: (e) => events.push(e) },
    );
    assert.equal(result.ok, true);
    assert.equal(result.nodes.flaky!.attempts, 4);
    assert.deepEqual(transitions(events), [
      'flaky:running',
      'flaky:retry1',
      'flaky:retry2',
      'flaky:retry3',
      'flaky:succeeded',
    ]);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : [])),
      [5, 10, 12],
    );
    const retry = events[1]!;
    assert.equal(retry.type === 'retry' && (retry.error as Error).message, 'attempt 1');
    // Each attempt starts no earlier than its backoff (timers may fire a millisecond early).
    assert.ok(started[3]! - started[0]! >= 5 + 10 + 12 - 3);
  });

  it('fails after the last retry', async () => {
    const result = await execute(
      new Dag<null>().addNode('a', null).addNode('b', null).addEdge('a', 'b'),
      async () => {
        throw new Error('always');
      },
      { retries: 2, backoff: { initialMs: 1 } },
    );
    assert.deepEqual(
      [result.nodes.a!.state, result.nodes.a!.attempts, result.nodes.b!.state],
      ['failed', 3, 'skipped'],
    );
  });

  it('times out an attempt by aborting its signal', async () => {
    let reason: unknown;
    const result = await execute(
      new Dag<null>().addNode('slow', null),
      (_id, _data, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
      { timeoutMs: 10 },
    );
    assert.equal(result.nodes.slow!.state, 'failed');
    assert.ok(result.nodes.slow!.error instanceof NodeTimeoutError);
    assert.equal(reason, result.nodes.slow!.error);
    assert.match(String(reason), /node "slow" timed out after 10 ms/);
  });

  it('settles a timed-out node even if it ignores its signal, then retries it', async () => {
    let calls = 0;
    const result = await execute(
      new Dag<null>().addNode('stuck-once', null),
      async () => {
        if (++calls === 1) await sleep(60);
      },
      { timeoutMs: 10, retries: 1, backoff: { initialMs: 1 } },
    );
    assert.equal(result.nodes['stuck-once']!.state, 'succeeded');
    assert.equal(result.nodes['stuck-once']!.attempts, 2);
  });

  it('cancels the whole run: running nodes abort, pending ones never start', async () => {
    const controller = new AbortController();
    const events: ExecutionEvent[] = [];
    const aborted: string[] = [];
    const started: string[] = [];
    const result = await execute(
      diamond(),
      (id, _data, signal) => {
        started.push(id);
        if (id === 'a' || id === 'e') return;
        signal.addEventListener('abort', () => aborted.push(`${id}: ${(signal.reason as Error).message}`));
        if (id === 'b') setTimeout(() => controller.abort(new Error('operator stop')), 5);
        return new Promise<void>(() => undefined); // never settles by itself
      },
      { concurrency: 2, signal: controller.signal, onEvent: (e) => events.push(e) },
    );
    assert.equal(result.cancelled, true);
    assert.equal(result.ok, false);
    assert.deepEqual(started, ['a', 'e', 'b', 'c']);
    assert.deepEqual(aborted, ['b: operator stop', 'c: operator stop']);
    assert.deepEqual(Object.fromEntries(Object.entries(result.nodes).map(([id, r]) => [id, r.state])), {
      a: 'succeeded',
      b: 'cancelled',
      c: 'cancelled',
      d: 'cancelled',
      e: 'succeeded',
    });
    assert.deepEqual(transitions(events).slice(-3), ['b:cancelled', 'c:cancelled', 'd:cancelled']);
    assert.equal(events.at(-1)!.progress.settled, 5);
  });

  it('does not start a node whose run was cancelled before it got going', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const dag = new Dag<null>().addNode('a', null).addNode('b', null);
    const result = await execute(
      dag,
      (id) => {
        started.push(id);
        controller.abort();
        return sleep(5);
      },
      { signal: controller.signal },
    );
    assert.deepEqual(started, ['a']);
    assert.equal(result.nodes.b!.state, 'cancelled');
  });

  it('cancels during a backoff wait', async () => {
    const controller = new AbortController();
    const result = await execute(
      new Dag<null>().addNode('a', null),
      async () => {
        setTimeout(() => controller.abort(), 5);
        throw new Error('fail');
      },
      { retries: 5, backoff: { initialMs: 10_000 }, signal: controller.signal },
    );
    assert.equal(result.nodes.a!.state, 'cancelled');
    assert.equal(result.nodes.a!.attempts, 1);
  });

  it('an already aborted signal cancels everything without running', async () => {
    let ran = 0;
    const result = await execute(diamond(), () => void ran++, { signal: AbortSignal.abort() });
    assert.equal(ran, 0);
    assert.equal(result.cancelled, true);
    assert.ok(Object.values(result.nodes).every((r) => r.state === 'cancelled' && r.attempts === 0));
  });

  it('rejects an invalid graph and bad options before running anything', async () => {
    const cyclic = new Dag<null>().addNode('a', null).addNode('b', null).addEdge('a', 'b').addEdge('b', 'a');
    assert.throws(() => execute(cyclic, () => undefined), DagValidationError);
    assert.throws(() => execute(diamond(), () => undefined, { concurrency: 0 }), RangeError);
    assert.throws(() => execute(diamond(), () => undefined, { retries: -1 }), RangeError);
  });

  it('stops and rejects when the event listener throws', async () => {
    const listenerError = new Error('listener');
    let ran = 0;
    await assert.rejects(
      execute(diamond(), () => void ran++, {
        concurrency: 1,
        onEvent: (e) => {
          if (e.type === 'state' && e.id === 'b' && e.to === 'running') throw listenerError;
        },
      }),
      listenerError,
    );
    assert.equal(ran, 1);
  });

  it('an empty graph succeeds at once', async () => {
    assert.deepEqual(await execute(new Dag<null>(), () => undefined), {
      ok: true,
      cancelled: false,
      nodes: {},
    });
  });
});
