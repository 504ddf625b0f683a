import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome label of `controller_runtime_reconcile_total`. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

const RECONCILE_RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue', 'requeue_after'];

// controller-runtime's reconcile_time_seconds buckets: fine-grained up to a minute.
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

// prometheus.ExponentialBuckets(10e-9, 10, 12), written out so the `le` labels print exactly.
const WORKQUEUE_DURATION_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

// Prometheus client_golang's DefBuckets, which the webhook latency histogram uses.
const WEBHOOK_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type QueueLabel = 'name' | 'controller';

/** Label-bound children for one controller's reconcile loop. */
export interface ControllerMetrics {
  readonly reconcileTotal: Readonly<Record<ReconcileResult, Counter.Internal>>;
  readonly reconcileErrors: Counter.Internal;
  readonly terminalReconcileErrors: Counter.Internal;
  readonly reconcileTime: Histogram.Internal<'controller'>;
  readonly maxConcurrentReconciles: Gauge.Internal<'controller'>;
  readonly activeWorkers: Gauge.Internal<'controller'>;
}

/** Label-bound children for one named workqueue. */
export interface WorkqueueMetrics {
  readonly depth: Gauge.Internal<QueueLabel>;
  readonly adds: Counter.Internal;
  readonly queueDuration: Histogram.Internal<QueueLabel>;
  readonly workDuration: Histogram.Internal<QueueLabel>;
  readonly retries: Counter.Internal;
}

/** Work a queue's workers have taken but not yet finished, sampled at scrape time. */
export interface InFlightWork {
  /** Sum of how long every in-progress item has been processing. */
  readonly unfinishedSeconds: number;
  /** How long the oldest in-progress item has been processing. */
  readonly longestRunningSeconds: number;
}

/** Label-bound children for one admission webhook path. */
export interface WebhookMetrics {
  readonly latency: Histogram.Internal<'webhook'>;
  readonly inFlight: Gauge.Internal<'webhook'>;
  /** The `requests_total` child for an HTTP status code. */
  requests(code: number): Counter.Internal;
}

export interface RuntimeMetricsOptions {
  /** Also export prom-client's process metrics (CPU, RSS, event loop lag, ...) on this registry. */
  collectDefaultMetrics?: boolean;
}

/**
 * The operator runtime's metrics, named as controller-runtime names them so existing dashboards and
 * alerts work unchanged. Each instance owns its own registry, so several managers can share a process.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();

  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;

  readonly workqueueDepth: Gauge<QueueLabel>;
  readonly workqueueAdds: Counter<QueueLabel>;
  readonly workqueueQueueDuration: Histogram<QueueLabel>;
  readonly workqueueWorkDuration: Histogram<QueueLabel>;
  readonly workqueueUnfinishedWork: Gauge<QueueLabel>;
  readonly workqueueLongestRunningProcessor: Gauge<QueueLabel>;
  readonly workqueueRetries: Counter<QueueLabel>;

  readonly webhookLatency: Histogram<'webhook'>;
  readonly webhookRequests: Counter<'webhook' | 'code'>;
  readonly webhookRequestsInFlight: Gauge<'webhook'>;

  readonly restClientRequests: Counter<'code' | 'method' | 'host'>;
  readonly leaderElectionMasterStatus: Gauge<'name'>;

  readonly #controllers = new Map<string, ControllerMetrics>();
  readonly #workqueues = new Map<string, WorkqueueMetrics>();
  readonly #inFlight = new Map<string, () => InFlightWork>();
  readonly #webhooks = new Map<string, WebhookMetrics>();

  constructor(options: RuntimeMetricsOptions = {}) {
    const registers = [this.registry];
    const controller = ['controller'] as const;
    const queue = ['name', 'controller'] as const;

    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: controller,
      registers,
    });
    this.terminalReconcileErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: controller,
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: controller,
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: controller,
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: controller,
      registers,
    });

    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: queue,
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: queue,
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: queue,
      buckets: WORKQUEUE_DURATION_BUCKETS,
      registers,
    });
    this.workqueueWorkDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: queue,
      buckets: WORKQUEUE_DURATION_BUCKETS,
      registers,
    });
    // The two in-flight gauges are sampled at scrape time instead of by a periodic timer.
    const inFlight = this.#inFlight;
    this.workqueueUnfinishedWork = new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        "How many seconds of work has been done that is in progress and hasn't been observed by " +
        'work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads ' +
        'by observing the rate at which this increases.',
      labelNames: queue,
      registers,
      collect() {
        for (const [name, sample] of inFlight) this.labels(name, name).set(sample().unfinishedSeconds);
      },
    });
    this.workqueueLongestRunningProcessor = new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: queue,
      registers,
      collect() {
        for (const [name, sample] of inFlight) this.labels(name, name).set(sample().longestRunningSeconds);
      },
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: queue,
      registers,
    });

    this.webhookLatency = new Histogram({
      name: 'controller_runtime_webhook_latency_seconds',
      help: 'Histogram of the latency of processing admission requests',
      labelNames: ['webhook'],
      buckets: WEBHOOK_LATENCY_BUCKETS,
      registers,
    });
    this.webhookRequests = new Counter({
      name: 'controller_runtime_webhook_requests_total',
      help: 'Total number of admission requests by HTTP status code.',
      labelNames: ['webhook', 'code'],
      registers,
    });
    this.webhookRequestsInFlight = new Gauge({
      name: 'controller_runtime_webhook_requests_in_flight',
      help: 'Current number of admission requests being served.',
      labelNames: ['webhook'],
      registers,
    });

    this.restClientRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'],
      registers,
    });
    this.leaderElectionMasterStatus = new Gauge({
      name: 'leader_election_master_status',
      help:
        'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates ' +
        "master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    });

    if (options.collectDefaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Content-Type header value for {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** All metrics in the Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Bound children for a controller, created once and cached. Like controller-runtime, the counters and
   * the active worker gauge start at 0 so they are exported before the first reconcile; the controller
   * sets `maxConcurrentReconciles` itself.
   */
  forController(name: string): ControllerMetrics {
    const cached = this.#controllers.get(name);
    if (cached) return cached;
    const reconcileTotal = {} as Record<ReconcileResult, Counter.Internal>;
    for (const result of RECONCILE_RESULTS) {
      reconcileTotal[result] = this.reconcileTotal.labels(name, result);
      reconcileTotal[result].inc(0);
    }
    const bound: ControllerMetrics = {
      reconcileTotal,
      reconcileErrors: this.reconcileErrors.labels(name),
      terminalReconcileErrors: this.terminalReconcileErrors.labels(name),
      reconcileTime: this.reconcileTime.labels(name),
      maxConcurrentReconciles: this.maxConcurrentReconciles.labels(name),
      activeWorkers: this.activeWorkers.labels(name),
    };
    bound.reconcileErrors.inc(0);
    bound.terminalReconcileErrors.inc(0);
    bound.activeWorkers.set(0);
    this.#controllers.set(name, bound);
    return bound;
  }

  /**
   * Bound children for the workqueue called `name` (labelled `name` and `controller`, both that name, as
   * controller-runtime does). `inFlight` is sampled on every scrape; a later queue of the same name
   * replaces an earlier one's sampler.
   */
  forWorkqueue(name: string, inFlight: () => InFlightWork): WorkqueueMetrics {
    this.#inFlight.set(name, inFlight);
    const cached = this.#workqueues.get(name);
    if (cached) return cached;
    const bound: WorkqueueMetrics = {
      depth: this.workqueueDepth.labels(name, name),
      adds: this.workqueueAdds.labels(name, name),
      queueDuration: this.workqueueQueueDuration.labels(name, name),
      workDuration: this.workqueueWorkDuration.labels(name, name),
      retries: this.workqueueRetries.labels(name, name),
    };
    this.#workqueues.set(name, bound);
    return bound;
  }

  /** Bound children for an admission webhook, keyed by its path. */
  forWebhook(path: string): WebhookMetrics {
    const cached = this.#webhooks.get(path);
    if (cached) return cached;
    const byCode = new Map<number, Counter.Internal>();
    const requests = this.webhookRequests;
    const bound: WebhookMetrics = {
      latency: this.webhookLatency.labels(path),
      inFlight: this.webhookRequestsInFlight.labels(path),
      requests(code) {
        let child = byCode.get(code);
        if (!child) byCode.set(code, (child = requests.labels(path, String(code))));
        return child;
      },
    };
    this.#webhooks.set(path, bound);
    return bound;
  }
}
