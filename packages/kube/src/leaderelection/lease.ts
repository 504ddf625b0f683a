// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics so that processes
// built on this runtime and Go controllers can contend for the same Lease.
//
// Expiry of another holder's lease is judged by the local monotonic time at which this process last
// saw the record change (client-go's observedTime), never by the remote renewTime: clocks of
// different machines may disagree, but the lease duration measured on one clock does not.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/meta.ts';
import { microTime } from '../api/time.ts';
import type { KubeClient } from '../client/client.ts';
import { isNotFound } from '../client/errors.ts';
import { builtin, resourcePath } from '../client/resources.ts';
import type { RuntimeMetrics } from '../metrics/registry.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  /** Name of the Lease, also the `name` label of `leader_election_master_status`. */
  name: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  identity: string;
  /** How long a standby waits after the last observed change before taking over (rounded up to seconds). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it gives up leadership. */
  renewDeadlineMs?: number;
  /** Interval between acquire attempts (jittered by up to 1.2x) and between renewals. */
  retryPeriodMs?: number;
  /** On cancel, clear the holder so that a standby takes over at once instead of after leaseDuration. */
  releaseOnCancel?: boolean;
  metrics?: RuntimeMetrics;
  /**
   * Runs while this process leads. `signal` aborts when leadership ends; on a graceful stop the Lease
   * is renewed until the returned promise settles and only released afterwards, so two leaders never
   * overlap. A rejection ends leadership and makes `run` reject with that error.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when leadership ends (lost, released, or not renewed on cancel); only after leading. */
  onStoppedLeading(): void | Promise<void>;
  /** Called with each new non-empty holder identity observed, including this process's own. */
  onNewLeader?(identity: string): void;
  /** Failed API calls and callback errors; election continues (default: a console warning). */
  onError?(err: Error): void;
}

/** `run` rejects with this when the Lease could not be renewed within renewDeadline. */
export class LeaderElectionLostError extends Error {
  constructor(namespace: string, name: string, identity: string) {
    super(`leader election lost: ${identity} could not renew lease ${namespace}/${name}`);
    this.name = 'LeaderElectionLostError';
  }
}

// client-go's JitterFactor: acquire attempts wait retryPeriod * (1 + random * 1.2).
const JITTER = 1.2;

const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

const sameRecord = (a: LeaseSpec | undefined, b: LeaseSpec | undefined): boolean =>
  a?.holderIdentity === b?.holderIdentity &&
  a?.leaseDurationSeconds === b?.leaseDurationSeconds &&
  a?.acquireTime === b?.acquireTime &&
  a?.renewTime === b?.renewTime &&
  a?.leaseTransitions === b?.leaseTransitions;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #name: string;
  readonly #identity: string;
  readonly #leaseSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #opts: LeaderElectorOptions;
  readonly #path: string;

  /** The last Lease read or written, whose resourceVersion guards the next PUT. */
  #lease: Lease | undefined;
  /** Local monotonic time (performance.now) at which #lease's spec was last seen to change. */
  #observedTime = 0;
  #reportedLeader: string | undefined;
  #leading = false;
  #running = false;

  constructor(opts: LeaderElectorOptions) {
    const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    // The same constraints client-go enforces: the leader must give up before a standby may take over.
    if (leaseDurationMs <= renewDeadlineMs) {
      throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    }
    if (renewDeadlineMs <= JITTER * retryPeriodMs) {
      throw new Error('renewDeadlineMs must be greater than retryPeriodMs * 1.2');
    }
    if (retryPeriodMs <= 0) throw new Error('retryPeriodMs must be positive');
    if (!opts.identity) throw new Error('identity must not be empty');
    this.#client = opts.client;
    this.#namespace = opts.namespace;
    this.#name = opts.name;
    this.#identity = opts.identity;
    // Rounded up: a shorter lease than configured could expire while the leader still acts.
    this.#leaseSeconds = Math.ceil(leaseDurationMs / 1000);
    this.#renewDeadlineMs = renewDeadlineMs;
    this.#retryPeriodMs = retryPeriodMs;
    this.#releaseOnCancel = opts.releaseOnCancel ?? true;
    this.#opts = opts;
    this.#path = resourcePath(builtin.lease, opts.namespace, opts.name);
  }

  /** True from acquisition until leadership is lost or released. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder of the Lease as last observed, if any. */
  getLeader(): string | undefined {
    return this.#lease?.spec?.holderIdentity || undefined;
  }

  /**
   * Contends for the Lease until `signal` aborts, leads while holding it, then steps down.
   * Resolves when `signal` aborts (after releasing the Lease when `releaseOnCancel`); rejects with
   * {@link LeaderElectionLostError} when a renewal did not succeed within renewDeadline (the caller
   * should exit, as controller-runtime does), or with onStartedLeading's error.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`leader elector ${this.#identity} is already running`);
    this.#running = true;
    try {
      this.#setGauge(false);
      if (!(await this.#acquire(signal))) return;
      await this.#lead(signal);
    } finally {
      this.#running = false;
    }
  }

  async #lead(signal: AbortSignal): Promise<void> {
    this.#leading = true;
    this.#setGauge(true);
    const leading = new AbortController();
    const stopRenewing = new AbortController();
    let failure: { error: unknown } | undefined;
    const work = (async () => this.#opts.onStartedLeading(leading.signal))().catch((error: unknown) => {
      failure = { error };
      stopRenewing.abort();
    });
    const onCancel = () => {
      leading.abort(signal.reason);
      void work.finally(() => stopRenewing.abort());
    };
    if (signal.aborted) onCancel();
    else signal.addEventListener('abort', onCancel, { once: true });

    const lost = !(await this.#renew(stopRenewing.signal));
    signal.removeEventListener('abort', onCancel);
    this.#leading = false;
    this.#setGauge(false);
    const lostError = new LeaderElectionLostError(this.#namespace, this.#name, this.#identity);
    leading.abort(lost ? lostError : signal.reason);
    if (!lost && this.#releaseOnCancel) await this.#release();
    try {
      await this.#opts.onStoppedLeading();
    } catch (err) {
      this.#report(err);
    }
    if (failure) throw failure.error;
    // Losing the Lease while already shutting down is not worth failing the shutdown for.
    if (lost && !signal.aborted) throw lostError;
  }

  /** Tries every retryPeriod (jittered) until the Lease is ours; false if `signal` aborted first. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(this.#renewDeadlineMs)]);
      const acquired = await this.#tryAcquireOrRenew(attempt);
      this.#reportTransition();
      if (acquired) return true;
      await sleep(this.#retryPeriodMs * (1 + Math.random() * JITTER), signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod; each renewal retries for up to renewDeadline. Returns true when stopped
   * through `stop`, false when a renewal ran out of time (leadership lost). `stop` ends the loop only
   * between requests: a renewal cut off in flight could land unseen and leave the release a stale
   * resourceVersion.
   */
  async #renew(stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      const deadline = AbortSignal.timeout(this.#renewDeadlineMs);
      while (!(await this.#tryAcquireOrRenew(deadline))) {
        await sleep(this.#retryPeriodMs, AbortSignal.any([stop, deadline]));
        if (stop.aborted) return true;
        if (deadline.aborted) {
          this.#reportTransition();
          return false;
        }
      }
      this.#reportTransition();
      await sleep(this.#retryPeriodMs, stop);
    }
    return true;
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = new Date();
    // Fast path: while our own lease is valid, PUT over the copy we hold without reading it first.
    const ours = this.#lease?.spec;
    if (this.#leading && ours?.holderIdentity === this.#identity && this.#valid(performance.now())) {
      try {
        this.#observe(await this.#put({ ...ours, renewTime: microTime(now) }, signal));
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.#report(err);
      }
    }

    let current: Lease;
    try {
      current = await this.#client.request<Lease>('GET', this.#path, { signal });
    } catch (err) {
      if (!isNotFound(err)) return this.#failed(err, signal);
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: this.#meta(),
        spec: this.#record(now, 0),
      };
      try {
        const collection = resourcePath(builtin.lease, this.#namespace);
        this.#observe(await this.#client.request<Lease>('POST', collection, { body, signal }));
        return true;
      } catch (createErr) {
        return this.#failed(createErr, signal);
      }
    }

    this.#observe(current);
    const old = current.spec ?? {};
    const holder = old.holderIdentity;
    if (holder && holder !== this.#identity && this.#valid(performance.now())) return false;

    const transitions = old.leaseTransitions ?? 0;
    const record =
      holder === this.#identity
        ? this.#record(now, transitions, old.acquireTime)
        : this.#record(now, transitions + 1);
    try {
      this.#observe(await this.#put(record, signal));
      return true;
    } catch (err) {
      return this.#failed(err, signal);
    }
  }

  /** Hands the Lease over: no holder, and a one-second duration for standbys of older clients. */
  async #release(): Promise<void> {
    const spec = this.#lease?.spec;
    if (spec?.holderIdentity !== this.#identity) return;
    const now = microTime();
    try {
      const released = await this.#put(
        {
          leaseDurationSeconds: 1,
          leaseTransitions: spec.leaseTransitions ?? 0,
          acquireTime: now,
          renewTime: now,
        },
        AbortSignal.timeout(this.#renewDeadlineMs),
      );
      this.#observe(released);
    } catch (err) {
      this.#report(err);
    }
  }

  /** A record held by this process, renewed `now`; acquired now unless it already held the Lease. */
  #record(now: Date, transitions: number, acquireTime = microTime(now)): LeaseSpec {
    return {
      holderIdentity: this.#identity,
      leaseDurationSeconds: this.#leaseSeconds,
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    };
  }

  #meta() {
    return { name: this.#name, namespace: this.#namespace };
  }

  /** PUT guarded by the resourceVersion of the Lease last seen: a concurrent writer makes it fail. */
  #put(spec: LeaseSpec, signal: AbortSignal): Promise<Lease> {
    const lease = this.#lease;
    const body = { ...lease, metadata: { ...lease?.metadata, ...this.#meta() }, spec };
    return this.#client.request<Lease>('PUT', this.#path, { body, signal });
  }

  #observe(lease: Lease): void {
    if (!sameRecord(lease.spec, this.#lease?.spec)) this.#observedTime = performance.now();
    this.#lease = lease;
  }

  #valid(now: number): boolean {
    return this.#observedTime + (this.#lease?.spec?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  #reportTransition(): void {
    const holder = this.getLeader();
    if (!holder || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    const onNewLeader = this.#opts.onNewLeader;
    if (onNewLeader) {
      queueMicrotask(() => {
        try {
          onNewLeader(holder);
        } catch (err) {
          this.#report(err);
        }
      });
    }
  }

  #failed(err: unknown, signal: AbortSignal): false {
    if (!signal.aborted) this.#report(err);
    return false;
  }

  #report(err: unknown): void {
    const error = toError(err);
    if (this.#opts.onError) this.#opts.onError(error);
    else console.warn(`leader election ${this.#name} (${this.#identity}): ${error.message}`);
  }

  #setGauge(leading: boolean): void {
    this.#opts.metrics?.leaderElectionMasterStatus.labels(this.#name).set(leading ? 1 : 0);
  }
}
