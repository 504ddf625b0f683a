import type { InFlightWork, RuntimeMetrics, WorkqueueMetrics } from '../metrics/registry.ts';
import { defaultControllerRateLimiter } from './ratelimiter.ts';
import type { Clock, RateLimiter } from './ratelimiter.ts';

export interface WorkQueueOptions {
  /** Names the queue in metrics (labels `name` and `controller`); unnamed queues report nothing. */
  name?: string;
  /** Defaults to {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter;
  metrics?: RuntimeMetrics;
  /** Milliseconds from a monotonic origin; defaults to `performance.now()`. */
  now?: Clock;
}

/** FIFO with O(1) amortised push and shift: a head index instead of `Array.shift()`. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Reclaim the consumed prefix once it is at least half the array, so the copy is amortised.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

interface Waiting {
  readonly key: string;
  readyAt: number;
  /** Insertion order, so keys due at the same time come out first-in first-out. */
  readonly seq: number;
  index: number;
}

function before(a: Waiting, b: Waiting): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}

/** Min-heap of delayed keys by ready time, at most one entry per key. */
class WaitingHeap {
  readonly #heap: Waiting[] = [];
  readonly #byKey = new Map<string, Waiting>();
  #seq = 0;

  peek(): Waiting | undefined {
    return this.#heap[0];
  }

  /** Schedules `key` at `readyAt`; a key already waiting keeps whichever time is earlier. */
  schedule(key: string, readyAt: number): void {
    const existing = this.#byKey.get(key);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.#up(existing.index);
      }
      return;
    }
    const entry: Waiting = { key, readyAt, seq: this.#seq++, index: this.#heap.length };
    this.#heap.push(entry);
    this.#byKey.set(key, entry);
    this.#up(entry.index);
  }

  pop(): Waiting | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (!top) return undefined;
    const last = heap.pop() as Waiting;
    this.#byKey.delete(top.key);
    if (last !== top) {
      heap[0] = last;
      last.index = 0;
      this.#down(0);
    }
    return top;
  }

  clear(): void {
    this.#heap.length = 0;
    this.#byKey.clear();
  }

  #up(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Waiting;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Waiting;
      if (!before(entry, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Waiting;
    for (;;) {
      let childIndex = 2 * index + 1;
      let child = heap[childIndex];
      if (!child) break;
      const right = heap[childIndex + 1];
      if (right && before(right, child)) {
        childIndex++;
        child = right;
      }
      if (!before(child, entry)) break;
      heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }
}

/**
 * Rate-limited, delaying, deduplicating queue of keys, with client-go workqueue semantics: a key is
 * queued at most once, is never handed to two workers at the same time, and a key added while being
 * processed is queued again when its worker calls {@link done}.
 */
export class WorkQueue {
  readonly #queue = new Fifo<string>();
  /** Keys that need processing: queued, or added again while being processed. */
  readonly #dirty = new Set<string>();
  /** Keys handed to a worker and not yet done, with when they were handed out. */
  readonly #processing = new Map<string, number>();
  readonly #getters = new Fifo<(key: string | undefined) => void>();
  readonly #waiting = new WaitingHeap();
  readonly #rateLimiter: RateLimiter;
  readonly #now: Clock;
  readonly #metrics: WorkqueueMetrics | undefined;
  /** When each dirty key was added, for queue_duration; kept only when metrics are on. */
  readonly #addedAt = new Map<string, number>();
  #drainWaiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(this.#now);
    this.#metrics =
      options.name !== undefined && options.metrics
        ? options.metrics.forWorkqueue(options.name, () => this.#inFlight())
        : undefined;
  }

  /** Queues `key` unless it is already queued; ignored once shutting down. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    const metrics = this.#metrics;
    if (metrics) {
      metrics.adds.inc();
      metrics.depth.inc();
      if (!this.#addedAt.has(key)) this.#addedAt.set(key, this.#now());
    }
    // A key being processed is queued again by done(), never handed to a second worker.
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /**
   * The next key, first-in first-out, waiting for one if the queue is empty. The caller must call
   * {@link done} with it when finished. Resolves `undefined` once shut down and drained.
   */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` finished; if it was added meanwhile it is queued again now. */
  done(key: string): void {
    const startedAt = this.#processing.get(key);
    if (startedAt === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.workDuration.observe((this.#now() - startedAt) / 1000);
    if (this.#dirty.has(key)) this.#enqueue(key);
    if (this.#processing.size === 0 && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Adds `key` after `delayMs`. While it waits, further calls keep the earliest ready time. Counted in
   * `workqueue_retries_total`, as client-go counts every delayed add.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retries.inc();
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    this.#waiting.schedule(key, this.#now() + delayMs);
    this.#arm();
  }

  /** Adds `key` after the delay the rate limiter assigns to it. */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets `key`'s failure count in the rate limiter; call after it was processed successfully. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /** Keys ready to be handed out (not counting those being processed or waiting on a delay). */
  len(): number {
    return this.#queue.length;
  }

  /**
   * Stops accepting keys and drops delayed ones. Keys already queued are still handed out; once none
   * are left, `get()` resolves `undefined`, including for workers waiting now.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#waiting.clear();
    // Waiting getters imply an empty queue, so there is nothing left for them.
    for (let resolve = this.#getters.shift(); resolve; resolve = this.#getters.shift()) resolve(undefined);
  }

  /** {@link shutDown}, then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Hands `key` straight to a waiting worker, or queues it. */
  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    if (getter) getter(this.#take(key));
    else this.#queue.push(key);
  }

  /** Moves a dequeued key into processing. */
  #take(key: string): string {
    const now = this.#now();
    const metrics = this.#metrics;
    if (metrics) {
      metrics.depth.dec();
      const addedAt = this.#addedAt.get(key);
      if (addedAt !== undefined) {
        metrics.queueDuration.observe((now - addedAt) / 1000);
        this.#addedAt.delete(key);
      }
    }
    this.#processing.set(key, now);
    this.#dirty.delete(key);
    return key;
  }

  /** Keeps one timer, due when the earliest delayed key is. */
  #arm(): void {
    const next = this.#waiting.peek();
    if (!next || next.readyAt >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = next.readyAt;
    this.#timer = setTimeout(this.#fire, Math.max(0, next.readyAt - this.#now()));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    for (let next = this.#waiting.peek(); next && next.readyAt <= now; next = this.#waiting.peek()) {
      this.#waiting.pop();
      this.add(next.key);
    }
    this.#arm();
  };

  #inFlight(): InFlightWork {
    const now = this.#now();
    let unfinished = 0;
    let longest = 0;
    for (const startedAt of this.#processing.values()) {
      const running = now - startedAt;
      unfinished += running;
      if (running > longest) longest = running;
    }
    return { unfinishedSeconds: unfinished / 1000, longestRunningSeconds: longest / 1000 };
  }
}
