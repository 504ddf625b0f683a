import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
  defaultControllerRateLimiter,
} from '../../src/workqueue/index.ts';
import type { RateLimiter } from '../../src/workqueue/index.ts';

/** Fake setTimeout and Date; the queue reads the same fake time. */
function fakeTime(t: TestContext): { now: () => number; tick: (ms: number) => void } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  return { now: () => Date.now(), tick: (ms) => t.mock.timers.tick(ms) };
}

/** Takes every key that is ready right now, marking each done. */
async function drainReady(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = (await queue.get()) as string;
    keys.push(key);
    queue.done(key);
  }
  return keys;
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('WorkQueue', () => {
  it('hands keys out first-in first-out', async () => {
    const queue = new WorkQueue();
    for (const key of ['ns/c', 'ns/a', 'ns/b']) queue.add(key);
    assert.deepEqual(await drainReady(queue), ['ns/c', 'ns/a', 'ns/b']);
  });

  it('queues a key only once while it waits', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.len(), 2);
    assert.deepEqual(await drainReady(queue), ['a', 'b']);
  });

  it('re-queues a key added during processing exactly once, after done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const first = await queue.get();
    assert.equal(first, 'a');
    queue.add('a');
    queue.add('a');
    assert.equal(queue.len(), 0, 'not handed out while being processed');
    queue.done('a');
    assert.equal(queue.len(), 1);
    assert.deepEqual(await drainReady(queue), ['a']);
    assert.equal(queue.len(), 0);
  });

  it('never gives one key to two waiting workers', async () => {
    const queue = new WorkQueue();
    const handedOut: string[] = [];
    const worker1 = queue.get().then((key) => handedOut.push(`w1:${key}`));
    const worker2 = queue.get().then((key) => handedOut.push(`w2:${key}`));
    queue.add('a');
    await worker1;
    queue.add('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(handedOut, ['w1:a'], 'second worker still waits');
    queue.done('a');
    await worker2;
    assert.deepEqual(handedOut, ['w1:a', 'w2:a']);
    queue.done('a');
    assert.equal(queue.len(), 0);
  });

  it('ignores done for a key that is not being processed', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.done('a');
    assert.deepEqual(await drainReady(queue), ['a']);
  });

  it('addAfter keeps the earliest ready time', (t) => {
    const { now, tick } = fakeTime(t);
    const queue = new WorkQueue({ now });
    queue.addAfter('a', 100);
    queue.addAfter('a', 50);
    queue.addAfter('a', 200);
    tick(49);
    assert.equal(queue.len(), 0);
    tick(1);
    assert.equal(queue.len(), 1);
    tick(500);
    assert.equal(queue.len(), 1, 'later schedules were merged, not kept');
    queue.shutDown();
  });

  it('addAfter releases keys in ready-time order, and a zero delay adds at once', async (t) => {
    const { now, tick } = fakeTime(t);
    const queue = new WorkQueue({ now });
    queue.addAfter('late', 30);
    queue.addAfter('early', 10);
    queue.addAfter('same-time-1', 20);
    queue.addAfter('same-time-2', 20);
    queue.addAfter('now', 0);
    assert.deepEqual(await drainReady(queue), ['now']);
    tick(30);
    assert.deepEqual(await drainReady(queue), ['early', 'same-time-1', 'same-time-2', 'late']);
    queue.shutDown();
  });

  it('addAfter releases 50,000 scrambled delays in order', async (t) => {
    const { now, tick } = fakeTime(t);
    const queue = new WorkQueue({ now });
    const count = 50_000;
    // Delays in a scrambled order: i * 7919 mod count is a permutation of 0..count-1.
    for (let i = 0; i < count; i++) queue.addAfter(`k${i}`, 1 + ((i * 7919) % count));
    tick(count + 1);
    const keys = await drainReady(queue);
    assert.equal(keys.length, count);
    const delays = keys.map((key) => 1 + ((Number(key.slice(1)) * 7919) % count));
    for (let i = 1; i < delays.length; i++) assert.ok((delays[i - 1] as number) < (delays[i] as number));
    queue.shutDown();
  });

  it('addRateLimited backs off per key, and forget resets it', (t) => {
    const { now, tick } = fakeTime(t);
    const queue = new WorkQueue({ now, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    assert.equal(queue.numRequeues('a'), 2);
    tick(4);
    assert.equal(queue.len(), 0);
    tick(1);
    assert.equal(queue.len(), 1, 'earliest of 5 ms and 10 ms');
    queue.forget('a');
    assert.equal(queue.numRequeues('a'), 0);
    queue.shutDown();
  });

  it('shutDown wakes waiting getters with undefined', async () => {
    const queue = new WorkQueue();
    const getters = [queue.get(), queue.get()];
    queue.shutDown();
    assert.deepEqual(await Promise.all(getters), [undefined, undefined]);
    assert.equal(queue.shuttingDown(), true);
  });

  it('after shutDown still hands out queued keys, then undefined, and ignores adds', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.shutDown();
    queue.add('b');
    queue.addAfter('c', 10);
    queue.addRateLimited('d');
    assert.equal(queue.numRequeues('d'), 0);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), undefined);
  });

  it('shutDownWithDrain resolves once processing keys are done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    queue.done(key as string);
    await drain;
    assert.equal(drained, true);
    await queue.shutDownWithDrain();
  });

  it('keeps one timer for many delayed keys, and shutDown clears it', () => {
    const before = activeTimeouts();
    const queue = new WorkQueue();
    for (let i = 0; i < 50_000; i++) queue.addAfter(`k${i}`, 60_000 - i);
    assert.equal(activeTimeouts(), before + 1);
    queue.shutDown();
    assert.equal(activeTimeouts(), before);
  });

  it('fires delayed keys on real timers', async () => {
    const queue = new WorkQueue();
    const started = performance.now();
    queue.addAfter('a', 20);
    assert.equal(await queue.get(), 'a');
    assert.ok(performance.now() - started >= 19);
    queue.shutDown();
  });

  it('processes 50,000 keys, each once', async () => {
    const queue = new WorkQueue();
    const count = 50_000;
    for (let i = 0; i < count; i++) queue.add(`ns/obj-${i}`);
    for (let i = 0; i < count; i++) queue.add(`ns/obj-${i}`);
    assert.equal(queue.len(), count);
    let processed = 0;
    const worker = async (): Promise<void> => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        processed++;
        queue.done(key);
        if (queue.len() === 0) queue.shutDown();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.equal(processed, count);
  });
});

describe('rate limiters', () => {
  it('ItemExponentialFailureRateLimiter doubles from base and caps at max', () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1000 * 1000);
    const delays = Array.from({ length: 20 }, () => limiter.when('a'));
    assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000);
    assert.equal(delays[19], 1_000_000);
    assert.equal(limiter.numRequeues('a'), 20);
    assert.equal(limiter.when('b'), 5, 'keys back off independently');
    for (let i = 0; i < 2000; i++) limiter.when('c');
    assert.equal(limiter.when('c'), 1_000_000, 'no overflow after many failures');
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });

  it('BucketRateLimiter allows a burst, then spaces by 1/qps', () => {
    let now = 0;
    const limiter = new BucketRateLimiter(10, 100, () => now);
    for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 0);
    assert.equal(limiter.when('x'), 100);
    assert.equal(limiter.when('y'), 200);
    now += 1000;
    // 10 tokens refilled, 2 owed: 8 left.
    for (let i = 0; i < 8; i++) assert.equal(limiter.when(`r${i}`), 0);
    assert.equal(limiter.when('z'), 100);
    now += 60_000;
    for (let i = 0; i < 100; i++) assert.equal(limiter.when(`s${i}`), 0, 'refill stops at burst');
    assert.equal(limiter.when('t'), 100);
    assert.equal(limiter.numRequeues('t'), 0);
  });

  it('MaxOfRateLimiter takes the longest delay and the most requeues', () => {
    const fixed = (delay: number, requeues: number): RateLimiter & { forgotten: string[] } => ({
      forgotten: [],
      when: () => delay,
      forget(key) {
        this.forgotten.push(key);
      },
      numRequeues: () => requeues,
    });
    const a = fixed(10, 1);
    const b = fixed(30, 4);
    const limiter = new MaxOfRateLimiter(a, b);
    assert.equal(limiter.when('k'), 30);
    assert.equal(limiter.numRequeues('k'), 4);
    limiter.forget('k');
    assert.deepEqual([a.forgotten, b.forgotten], [['k'], ['k']]);
  });

  it('defaultControllerRateLimiter is max(5 ms..1000 s exponential, 10 qps burst 100)', () => {
    const now = 0;
    const limiter = defaultControllerRateLimiter(() => now);
    assert.deepEqual([limiter.when('a'), limiter.when('a'), limiter.when('a')], [5, 10, 20]);
    for (let i = 0; i < 97; i++) assert.equal(limiter.when(`k${i}`), 5);
    assert.equal(limiter.when('b'), 100, 'bucket exhausted');
    assert.equal(limiter.numRequeues('a'), 3);
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
  });
});
