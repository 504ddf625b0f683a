// Runs a reconciler over a workqueue with a bounded number of workers. The queue guarantees a
// key is never reconciled by two workers at once; errors requeue with per-key backoff.
import type { ControllerMetrics, RuntimeMetrics } from '../metrics/registry.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { RateLimiter } from '../workqueue/ratelimiter.ts';
import { WorkQueue } from '../workqueue/queue.ts';
import { parseKey, TerminalError, type Reconciler } from './reconcile.ts';

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  maxConcurrentReconciles?: number;
  rateLimiter?: RateLimiter;
  metrics?: RuntimeMetrics;
  log?: Logger;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly m: ControllerMetrics | undefined;
  private readonly log: Logger;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.reconciler = opts.reconciler;
    this.workers = Math.max(1, opts.maxConcurrentReconciles ?? 1);
    this.queue = new WorkQueue({ name: opts.name, rateLimiter: opts.rateLimiter, metrics: opts.metrics });
    this.m = opts.metrics?.forController(opts.name);
    this.m?.maxConcurrentReconciles.set(this.workers);
    this.log = (opts.log ?? silentLogger).child({ controller: opts.name });
  }

  /** Runs the workers until `signal` aborts, then lets in-flight reconciles finish. */
  async start(signal: AbortSignal): Promise<void> {
    const stop = () => this.queue.shutDown();
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    await Promise.all(Array.from({ length: this.workers }, () => this.worker(signal)));
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.reconcileKey(key, signal);
    }
  }

  private async reconcileKey(key: string, signal: AbortSignal): Promise<void> {
    const m = this.m;
    m?.activeWorkers.inc();
    const started = performance.now();
    try {
      const result = await this.reconciler(parseKey(key), { signal });
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        m?.reconcileTotal.requeue_after.inc();
      } else if (result?.requeue) {
        this.queue.addRateLimited(key);
        m?.reconcileTotal.requeue.inc();
      } else {
        this.queue.forget(key);
        m?.reconcileTotal.success.inc();
      }
    } catch (err) {
      m?.reconcileErrors.inc();
      m?.reconcileTotal.error.inc();
      if (err instanceof TerminalError) {
        m?.terminalReconcileErrors.inc();
        this.queue.forget(key);
        this.log.error({ key, err: err.message }, 'terminal reconcile error');
      } else {
        this.queue.addRateLimited(key);
        this.log.warn(
          { key, err: err instanceof Error ? err.message : String(err) },
          'reconcile failed; requeued',
        );
      }
    } finally {
      this.queue.done(key);
      m?.reconcileTime.observe((performance.now() - started) / 1000);
      m?.activeWorkers.dec();
    }
  }
}
