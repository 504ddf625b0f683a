// Records events.k8s.io/v1 Events about objects, the way client-go's events recorder does: the
// first occurrence creates an Event, repeats within a window patch its `series` ({count,
// lastObservedTime}) instead of creating new ones. Recording never throws and never waits on the API:
// writes run in the background from a bounded queue and failures are reported, then dropped.
import { hostname } from 'node:os';
import type { KubeObject } from '../api/meta.ts';
import { microTime } from '../api/time.ts';
import type { KubeClient } from '../client/client.ts';
import { isNotFound } from '../client/errors.ts';
import { builtin } from '../client/resources.ts';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventSeries {
  count: number;
  lastObservedTime: string;
}

/** The wire shape of an events.k8s.io/v1 Event. */
export interface KubeEvent extends KubeObject {
  eventTime: string;
  series?: EventSeries;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  regarding: ObjectReference;
  related?: ObjectReference;
  note?: string;
  type: EventType;
}

export interface EventInput {
  type: EventType;
  /** Why the action was taken, UpperCamelCase, e.g. `ScaledUp` (at most 128 characters). */
  reason: string;
  /** What was done or failed, e.g. `Scale` (at most 128 characters). */
  action: string;
  /** Human-readable detail; truncated to 1 KiB. */
  note?: string;
  /** A second object the event is about, e.g. the Pod created for `regarding`. */
  related?: KubeObject;
}

export interface EventRecorderOptions {
  client: KubeClient;
  /** Qualified name of the controller, e.g. `kaas.industriverse.io/cluster-controller`. */
  reportingController: string;
  /** This replica, e.g. the pod name (default: the host name; at most 128 characters). */
  reportingInstance?: string;
  /** Repeats closer together than this join the same series (default 6 minutes, as client-go). */
  seriesWindowMs?: number;
  /** Minimum interval between two series updates of one Event; repeats in between are counted (default 10 s). */
  seriesUpdateIntervalMs?: number;
  /** Writes waiting beyond this are dropped (default 1000). */
  maxQueued?: number;
  /** Distinct events remembered for aggregation (default 4096, least recently seen forgotten first). */
  maxTracked?: number;
  /** Failed or dropped writes (default: a console warning). */
  onError?(err: Error, event: KubeEvent): void;
}

const NOTE_LIMIT = 1024;

/** One aggregated event: the Event as created plus the repeats counted since. */
interface Tracked {
  event: KubeEvent;
  count: number;
  lastObserved: Date;
  /** Whether the Event exists on the server (creation done). */
  created: boolean;
  /** The count last written to the server. */
  written: number;
  lastWrite: number;
  queued: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #controller: string;
  readonly #instance: string;
  readonly #windowMs: number;
  readonly #intervalMs: number;
  readonly #maxQueued: number;
  readonly #maxTracked: number;
  readonly #onError: (err: Error, event: KubeEvent) => void;
  readonly #tracked = new Map<string, Tracked>();
  readonly #queue: Tracked[] = [];
  #draining: Promise<void> | undefined;
  #sequence = 0;
  #closed = false;

  constructor(opts: EventRecorderOptions) {
    this.#client = opts.client;
    this.#controller = opts.reportingController;
    this.#instance = (opts.reportingInstance ?? hostname()).slice(0, 128);
    this.#windowMs = opts.seriesWindowMs ?? 6 * 60_000;
    this.#intervalMs = opts.seriesUpdateIntervalMs ?? 10_000;
    this.#maxQueued = opts.maxQueued ?? 1000;
    this.#maxTracked = opts.maxTracked ?? 4096;
    this.#onError =
      opts.onError ??
      ((err, event) =>
        console.warn(`event ${event.reason} about ${describe(event.regarding)} dropped: ${err.message}`));
  }

  /** Records an event about `regarding`; returns at once. */
  event(regarding: KubeObject, input: EventInput): void {
    if (this.#closed) return;
    const now = new Date();
    const event = this.#build(regarding, input, now);
    const key = aggregationKey(event);
    const tracked = this.#tracked.get(key);
    if (tracked && now.getTime() - tracked.lastObserved.getTime() < this.#windowMs) {
      tracked.count++;
      tracked.lastObserved = now;
      this.#touch(key, tracked);
      this.#schedule(tracked);
      return;
    }
    if (tracked) this.#forget(key, tracked);
    const fresh: Tracked = {
      event,
      count: 1,
      lastObserved: now,
      created: false,
      written: 0,
      lastWrite: 0,
      queued: false,
      timer: undefined,
    };
    this.#touch(key, fresh);
    this.#enqueue(fresh);
  }

  /** Writes every pending repeat now and waits until the queue is empty. */
  async flush(): Promise<void> {
    for (const tracked of this.#tracked.values()) {
      if (tracked.timer) {
        clearTimeout(tracked.timer);
        tracked.timer = undefined;
        this.#enqueue(tracked);
      }
    }
    while (this.#draining) await this.#draining;
  }

  /** Flushes, then ignores further events. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  #build(regarding: KubeObject, input: EventInput, now: Date): KubeEvent {
    const ref = reference(regarding);
    // Events of cluster-scoped objects live in `default`, as the apiserver expects.
    const namespace = ref.namespace || 'default';
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16);
    const event: KubeEvent = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${ref.name.slice(0, 253 - suffix.length - 1)}.${suffix}`, namespace },
      eventTime: microTime(now),
      reportingController: this.#controller,
      reportingInstance: this.#instance,
      action: input.action,
      reason: input.reason,
      regarding: ref,
      type: input.type,
    };
    if (input.related) event.related = reference(input.related);
    if (input.note) event.note = truncateUtf8(input.note, NOTE_LIMIT);
    return event;
  }

  /** Queues a series update now, or once seriesUpdateInterval has passed since the last write. */
  #schedule(tracked: Tracked): void {
    if (tracked.queued || tracked.timer) return;
    const wait = tracked.lastWrite + this.#intervalMs - Date.now();
    // The first repeat is written at once (count 2), as client-go does; later ones, and retries of a
    // failed write, wait for the interval.
    if (wait <= 0 || (tracked.written === 1 && tracked.count === 2)) {
      this.#enqueue(tracked);
      return;
    }
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      this.#enqueue(tracked);
    }, wait);
    tracked.timer.unref();
  }

  #enqueue(tracked: Tracked): void {
    if (tracked.queued) return;
    if (this.#queue.length >= this.#maxQueued) {
      this.#report(new Error(`event queue full (${this.#maxQueued})`), tracked.event);
      return;
    }
    tracked.queued = true;
    this.#queue.push(tracked);
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // Yield first, so that #draining is assigned before the loop can finish and clear it.
    await null;
    try {
      for (let tracked; (tracked = this.#queue.shift());) {
        tracked.queued = false;
        try {
          await this.#write(tracked);
        } catch (err) {
          this.#report(err, tracked.event);
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  #report(err: unknown, event: KubeEvent): void {
    try {
      this.#onError(err instanceof Error ? err : new Error(String(err)), event);
    } catch {
      // A throwing error handler must not stop the writer: the event is dropped either way.
    }
  }

  async #write(tracked: Tracked): Promise<void> {
    const count = tracked.count;
    if (count === tracked.written) return;
    const series: EventSeries | undefined =
      count > 1 ? { count, lastObservedTime: microTime(tracked.lastObserved) } : undefined;
    const { namespace, name } = tracked.event.metadata;
    tracked.lastWrite = Date.now();
    if (tracked.created && series) {
      try {
        await this.#client.patch(builtin.event, namespace, name!, { series }, 'merge');
        tracked.written = count;
        return;
      } catch (err) {
        // Events expire (the apiserver's event TTL): start the series over as a new Event.
        if (!isNotFound(err)) throw err;
      }
    }
    const body: KubeEvent = series ? { ...tracked.event, series } : tracked.event;
    await this.#client.create(builtin.event, body);
    tracked.created = true;
    tracked.written = count;
  }

  /** Marks `key` most recently seen, forgetting the least recently seen beyond maxTracked. */
  #touch(key: string, tracked: Tracked): void {
    this.#tracked.delete(key);
    this.#tracked.set(key, tracked);
    for (const [oldest, entry] of this.#tracked) {
      if (this.#tracked.size <= this.#maxTracked) break;
      this.#forget(oldest, entry);
    }
  }

  #forget(key: string, tracked: Tracked): void {
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
    this.#tracked.delete(key);
  }
}

function reference(obj: KubeObject): ObjectReference {
  const { name = '', namespace, uid, resourceVersion } = obj.metadata;
  const ref: ObjectReference = { apiVersion: obj.apiVersion, kind: obj.kind, name };
  if (namespace) ref.namespace = namespace;
  if (uid) ref.uid = uid;
  if (resourceVersion) ref.resourceVersion = resourceVersion;
  return ref;
}

// Unlike client-go, the object's resourceVersion is left out: a reconcile that updates the object
// would otherwise never see a repeat. The note is in, so distinct messages stay distinct Events.
function aggregationKey(event: KubeEvent): string {
  const { apiVersion, kind, namespace, name, uid } = event.regarding;
  const related = event.related;
  return JSON.stringify([
    apiVersion,
    kind,
    namespace,
    name,
    uid,
    related && [related.apiVersion, related.kind, related.namespace, related.name, related.uid],
    event.type,
    event.reason,
    event.action,
    event.reportingController,
    event.note,
  ]);
}

function describe(ref: ObjectReference): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** Cuts `text` to at most `limit` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
