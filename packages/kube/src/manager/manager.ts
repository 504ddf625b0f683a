// Owns what controllers share: the client, the informer cache, metrics, probes and leader
// election. Caches run on every replica (a standby is warm when it takes over); controllers
// run only while this replica leads, as in controller-runtime.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { InformerCache } from '../cache/cache.ts';
import { KubeClient, type ClientOptions } from '../client/client.ts';
import { ControllerBuilder, type ControllerHost } from '../controller/builder.ts';
import type { Controller } from '../controller/controller.ts';
import { LeaderElector } from '../leaderelection/lease.ts';
import { createLogger, type Logger } from '../log.ts';
import { RuntimeMetrics } from '../metrics/registry.ts';
import { startProbeServer } from './server.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions extends ClientOptions {
  name?: string;
  client?: KubeClient;
  /** Kubeconfig path; default: $KUBECONFIG, ~/.kube/config, or in-cluster. */
  kubeconfig?: string;
  /** Watch only this namespace. */
  namespace?: string;
  leaderElection?: LeaderElectionOptions;
  /** `host:port` for /metrics, /healthz, /readyz; port 0 picks a free one; omit to serve nothing. */
  probeAddress?: string;
  log?: Logger;
}

/** Work that runs under the manager; `leaderOnly` work starts when this replica leads. */
export interface Runnable {
  start(signal: AbortSignal): Promise<void>;
  leaderOnly?: boolean;
}

export class Manager implements ControllerHost {
  readonly client: KubeClient;
  readonly cache: InformerCache;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  private readonly opts: ManagerOptions;
  private readonly runnables: Runnable[] = [];
  private leading = false;
  private synced = false;
  /** Port of the probe server once started. */
  probePort: number | undefined;

  private constructor(client: KubeClient, metrics: RuntimeMetrics, opts: ManagerOptions) {
    this.opts = opts;
    this.client = client;
    this.metrics = metrics;
    this.log = opts.log ?? createLogger({ name: opts.name ?? 'manager' });
    this.cache = new InformerCache({ client, namespace: opts.namespace, log: this.log });
  }

  static async create(opts: ManagerOptions = {}): Promise<Manager> {
    const metrics = new RuntimeMetrics({ collectDefaultMetrics: true });
    const client = opts.client ?? (await KubeClient.load(opts.kubeconfig, { ...opts, metrics }));
    return new Manager(client, metrics, opts);
  }

  controller(name: string): ControllerBuilder {
    return new ControllerBuilder(this, name);
  }

  addController(c: Controller): void {
    this.runnables.push({ start: (signal) => c.start(signal), leaderOnly: true });
  }

  add(r: Runnable): void {
    this.runnables.push(r);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Runs until `signal` aborts. Rejects with LeaderElectionLostError when leadership is lost:
   * the process should then exit, as a controller-runtime manager does.
   */
  async start(signal: AbortSignal): Promise<void> {
    const probes = this.opts.probeAddress ? await this.startProbes(this.opts.probeAddress) : undefined;
    try {
      this.cache.start(signal);
      const always = this.runnables.filter((r) => !r.leaderOnly).map((r) => r.start(signal));
      await this.cache.waitForSync();
      this.synced = true;
      const runLeaderWork = async (leaderSignal: AbortSignal) => {
        this.leading = true;
        try {
          await Promise.all(this.runnables.filter((r) => r.leaderOnly).map((r) => r.start(leaderSignal)));
        } finally {
          this.leading = false;
        }
      };
      const le = this.opts.leaderElection;
      if (!le) {
        await Promise.all([runLeaderWork(signal), ...always]);
      } else {
        let leaderWork: Promise<void> = Promise.resolve();
        const elector = new LeaderElector({
          client: this.client,
          namespace: le.namespace,
          name: le.name,
          identity: le.identity ?? `${hostname()}_${randomUUID()}`,
          leaseDurationMs: le.leaseDurationMs,
          renewDeadlineMs: le.renewDeadlineMs,
          retryPeriodMs: le.retryPeriodMs,
          metrics: this.metrics,
          // Returning the work keeps the Lease renewed on shutdown until reconciles in flight are done,
          // and only then released: the next leader never overlaps them.
          onStartedLeading: (leaderSignal) => {
            this.log.info({ lease: `${le.namespace}/${le.name}` }, 'became leader');
            leaderWork = runLeaderWork(leaderSignal);
            return leaderWork;
          },
          onStoppedLeading: () => this.log.info({ lease: `${le.namespace}/${le.name}` }, 'stopped leading'),
        });
        try {
          await elector.run(signal);
        } finally {
          await leaderWork;
        }
        await Promise.all(always);
      }
    } finally {
      await this.cache.stopped();
      await probes?.close();
    }
  }

  private async startProbes(address: string) {
    const i = address.lastIndexOf(':');
    const server = await startProbeServer({
      host: address.slice(0, i) || '127.0.0.1',
      port: Number(address.slice(i + 1)),
      metrics: this.metrics,
      ready: () => this.synced,
    });
    this.probePort = server.port;
    return server;
  }
}
