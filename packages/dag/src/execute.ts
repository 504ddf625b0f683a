// Runs a DAG: every node starts once all its dependencies succeeded, at most `concurrency` at a
// time, ready nodes in topological order. Node states move
//
//   pending -> running -> succeeded | failed | cancelled
//   pending -> skipped     (an ancestor failed)
//   pending -> cancelled   (the run was cancelled)
//
// and every move is an event carrying the run's progress. A failed attempt is retried after an
// exponential backoff (the node stays running; a `retry` event says when). A per-attempt timeout
// aborts the node's signal and counts as a failed attempt. Timeouts and cancellation do not wait
// for `run` to honour its signal: the node settles at once and whatever `run` returns later is ignored.
import type { Dag } from './dag.ts';
import { MinHeap } from './heap.ts';

export type NodeState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface Progress {
  total: number;
  /** Nodes in a final state (succeeded, failed, skipped, cancelled). */
  settled: number;
  counts: Record<NodeState, number>;
}

export type ExecutionEvent =
  | {
      type: 'state';
      id: string;
      from: NodeState;
      to: NodeState;
      /** Attempts started so far (0 for a node that never ran). */
      attempt: number;
      /** Why the node failed. */
      error?: unknown;
      /** For a skipped node: the failed ancestor that caused it. */
      cause?: string;
      progress: Progress;
    }
  | { type: 'retry'; id: string; attempt: number; delayMs: number; error: unknown; progress: Progress };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface ExecuteOptions {
  /** Nodes running at once; default unbounded. */
  concurrency?: number;
  /** Extra attempts after a failure; default 0. */
  retries?: number;
  /** Delay before attempt n+1 is min(maxMs, initialMs * factor^(n-1)); default 100 ms, 30 s, 2. */
  backoff?: Partial<BackoffOptions>;
  /** Per-attempt limit; default none. */
  timeoutMs?: number;
  /** Cancels the whole run: running nodes' signals abort, every unfinished node ends cancelled. */
  signal?: AbortSignal;
  /** Called synchronously for every event; if it throws, the run stops and `execute` rejects. */
  onEvent?: (event: ExecutionEvent) => void;
}

export type RunNode<T> = (id: string, data: T, signal: AbortSignal) => Promise<void> | void;

export interface NodeResult {
  state: NodeState;
  attempts: number;
  error?: unknown;
}

export interface ExecutionResult {
  /** Every node succeeded. */
  ok: boolean;
  cancelled: boolean;
  /** Per node, in topological order. */
  nodes: Record<string, NodeResult>;
}

export class NodeTimeoutError extends Error {
  readonly id: string;
  readonly timeoutMs: number;
  constructor(id: string, timeoutMs: number) {
    super(`node "${id}" timed out after ${timeoutMs} ms`);
    this.name = 'NodeTimeoutError';
    this.id = id;
    this.timeoutMs = timeoutMs;
  }
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, factor: 2 };

/** The delay after failed attempt `attempt` (1-based). */
export function backoffDelay(backoff: BackoffOptions, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (attempt - 1));
}

/** An attempt or a backoff wait in flight; settling checks it is still the current one. */
interface Slot {
  controller?: AbortController;
  timer?: ReturnType<typeof setTimeout>;
}

export function execute<T>(
  dag: Dag<T>,
  run: RunNode<T>,
  opts: ExecuteOptions = {},
): Promise<ExecutionResult> {
  const concurrency = opts.concurrency ?? Infinity;
  const retries = opts.retries ?? 0;
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0`);
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const order = dag.topoOrder();
  const rank = new Map(order.map((id, i) => [id, i]));
  const results = new Map<string, NodeResult>(order.map((id) => [id, { state: 'pending', attempts: 0 }]));
  const waiting = new Map(order.map((id) => [id, dag.predecessors(id).length]));
  const counts: Record<NodeState, number> = {
    pending: order.length,
    running: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  const ready = new MinHeap();
  for (const id of order) if (waiting.get(id) === 0) ready.push(rank.get(id)!);
  const active = new Map<string, Slot>();
  let running = 0;
  let done = false;
  let cancelled = false;

  return new Promise<ExecutionResult>((resolve, reject) => {
    const progress = (): Progress => ({
      total: order.length,
      settled: order.length - counts.pending - counts.running,
      counts: { ...counts },
    });

    const emit = (event: ExecutionEvent) => {
      if (done || !opts.onEvent) return;
      try {
        opts.onEvent(event);
      } catch (error) {
        stop();
        reject(error);
      }
    };

    const transition = (id: string, to: NodeState, extra: { error?: unknown; cause?: string } = {}) => {
      const result = results.get(id)!;
      const from = result.state;
      result.state = to;
      counts[from]--;
      counts[to]++;
      emit({ type: 'state', id, from, to, attempt: result.attempts, ...extra, progress: progress() });
    };

    const stop = () => {
      done = true;
      for (const slot of active.values()) clearTimeout(slot.timer);
      active.clear();
      opts.signal?.removeEventListener('abort', onAbort);
    };

    const finish = () => {
      if (done) return;
      stop();
      resolve({
        ok: counts.succeeded === order.length,
        cancelled,
        nodes: Object.fromEntries(results),
      });
    };

    const pump = () => {
      while (!done && running < concurrency && ready.size > 0) {
        const id = order[ready.pop()!]!;
        running++;
        results.get(id)!.attempts = 1;
        transition(id, 'running');
        attempt(id);
      }
      if (running === 0 && ready.size === 0) finish();
    };

    const attempt = (id: string) => {
      if (done) return;
      const slot: Slot = { controller: new AbortController() };
      active.set(id, slot);
      const signal = slot.controller!.signal;
      const outcome = new Promise<void>((ok, fail) => {
        if (opts.timeoutMs !== undefined) {
          const timeoutMs = opts.timeoutMs;
          slot.timer = setTimeout(() => {
            const error = new NodeTimeoutError(id, timeoutMs);
            slot.controller!.abort(error);
            fail(error);
          }, timeoutMs);
        }
        Promise.resolve()
          .then(() => {
            // Cancelled between scheduling and starting: never call run.
            if (signal.aborted) throw signal.reason;
            return run(id, dag.get(id), signal);
          })
          .then(() => ok(), fail);
      });
      outcome.then(
        () => settle(id, slot, true, undefined),
        (error: unknown) => settle(id, slot, false, error),
      );
    };

    const settle = (id: string, slot: Slot, succeeded: boolean, error: unknown) => {
      if (done || active.get(id) !== slot) return;
      clearTimeout(slot.timer);
      active.delete(id);
      const result = results.get(id)!;
      if (succeeded) {
        running--;
        transition(id, 'succeeded');
        for (const next of dag.successors(id)) {
          const n = waiting.get(next)! - 1;
          waiting.set(next, n);
          if (n === 0 && results.get(next)!.state === 'pending') ready.push(rank.get(next)!);
        }
        pump();
        return;
      }
      if (result.attempts <= retries) {
        const delayMs = backoffDelay(backoff, result.attempts);
        emit({ type: 'retry', id, attempt: result.attempts, delayMs, error, progress: progress() });
        if (done) return;
        const wait: Slot = {};
        wait.timer = setTimeout(() => {
          if (done || active.get(id) !== wait) return;
          result.attempts++;
          attempt(id);
        }, delayMs);
        active.set(id, wait);
        return;
      }
      running--;
      result.error = error;
      transition(id, 'failed', { error });
      for (const d of dag.descendants(id)) {
        if (results.get(d)!.state === 'pending') transition(d, 'skipped', { cause: id });
      }
      pump();
    };

    function onAbort() {
      if (done) return;
      cancelled = true;
      const reason: unknown = opts.signal!.reason;
      for (const slot of active.values()) {
        clearTimeout(slot.timer);
        slot.controller?.abort(reason);
      }
      active.clear();
      for (const id of order) {
        const state = results.get(id)!.state;
        if (state === 'pending' || state === 'running') transition(id, 'cancelled');
      }
      running = 0;
      finish();
    }

    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    pump();
  });
}
