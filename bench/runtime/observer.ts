// The harness's own watch on the Widgets of one namespace: when it saw each object's ADDED event
// and the reconciledAtMs of the first status it saw on it. Both clocks are this machine's unix time,
// so their difference is the event-to-reconcile latency.
import type { KubeClient } from '@industriverse/kube';
import type { Widget } from './widget.ts';
import { widgets } from './widget.ts';

/** Unix time in milliseconds with sub-millisecond resolution, monotonic within this process. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export class WidgetObserver {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly stop = new AbortController();
  /** When the ADDED event of each object arrived. */
  private readonly addedAt = new Map<string, number>();
  /** status.reconciledAtMs of each object, from the first event that carried a status. */
  private readonly reconciledAtMs = new Map<string, number>();
  private lastStatusSeenAt = 0;
  private failure: unknown;
  private loop: Promise<void> | undefined;

  constructor(client: KubeClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  get added(): number {
    return this.addedAt.size;
  }

  get reconciled(): number {
    return this.reconciledAtMs.size;
  }

  /** Resolves once the watch's starting point is fixed: every later change is seen. */
  async start(): Promise<void> {
    const list = await this.client.list<Widget>(widgets, { namespace: this.namespace, limit: 1 });
    this.loop = this.watch(list.metadata.resourceVersion).catch((err) => {
      if (!this.stop.signal.aborted) this.failure = err;
    });
  }

  private async watch(from: string): Promise<void> {
    let resourceVersion = from;
    // The server ends a watch after its timeout; carry on from the last version seen.
    while (!this.stop.signal.aborted) {
      const events = this.client.watch<Widget>(widgets, {
        namespace: this.namespace,
        resourceVersion,
        timeoutSeconds: 3600,
        signal: this.stop.signal,
      });
      for await (const ev of events) {
        if (ev.type === 'ERROR') throw new Error(`watch of widgets failed: ${JSON.stringify(ev.object)}`);
        resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
        if (ev.type === 'BOOKMARK') continue;
        this.record(ev.object);
      }
    }
  }

  private record(w: Widget): void {
    const name = w.metadata.name!;
    if (!this.addedAt.has(name)) this.addedAt.set(name, nowMs());
    const reconciledAtMs = w.status?.reconciledAtMs;
    if (reconciledAtMs !== undefined && !this.reconciledAtMs.has(name)) {
      this.reconciledAtMs.set(name, reconciledAtMs);
      this.lastStatusSeenAt = nowMs();
    }
  }

  /**
   * Waits until `count` objects have a status, and returns when the last of them was seen. Fails on a
   * watch error or after `timeoutMs`; `tick` is called about every five seconds meanwhile.
   */
  async waitForReconciled(count: number, timeoutMs: number, tick: () => void): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let nextTick = performance.now() + 5000;
    while (this.reconciledAtMs.size < count) {
      if (this.failure) throw this.failure;
      if (performance.now() > deadline) {
        throw new Error(
          `timed out after ${Math.round(timeoutMs / 1000)} s: ${this.reconciledAtMs.size} of ${count} Widgets ` +
            `in ${this.namespace} have a status (${this.addedAt.size} seen created)`,
        );
      }
      if (performance.now() >= nextTick) {
        tick();
        nextTick += 5000;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.lastStatusSeenAt;
  }

  /** Event-to-reconcile latency in milliseconds of each object with both times, in `names`. */
  latencies(names: Iterable<string>): number[] {
    const out: number[] = [];
    for (const name of names) {
      const added = this.addedAt.get(name);
      const reconciled = this.reconciledAtMs.get(name);
      if (added !== undefined && reconciled !== undefined) out.push(reconciled - added);
    }
    return out;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }
}
