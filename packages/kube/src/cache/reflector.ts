// List-then-watch into a sink, the way client-go's Reflector and kube-rs's watcher do it:
// paginated LIST, WATCH from the list's resourceVersion with bookmarks and a randomized server
// timeout, an inactivity deadline for silently dead connections, full-jitter backoff on errors,
// and a fresh LIST when the server answers 410 Gone.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../client/client.ts';
import { isGone } from '../client/errors.ts';
import { apiVersionOf, type ResourceRef } from '../client/resources.ts';
import { silentLogger, type Logger } from '../log.ts';

export interface ReflectorSink<T> {
  /** The full state after a LIST. */
  replace(items: T[], resourceVersion: string): void;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void;
}

export interface ReflectorOptions {
  client: KubeClient;
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout is drawn from [min, 2·min) so that reconnects of many watchers spread out. */
  minWatchTimeoutSeconds?: number;
  /** A watch that delivers nothing (not even a bookmark) for this long is restarted. */
  inactivityMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  log?: Logger;
}

export class Reflector<T extends KubeObject = KubeObject> {
  private readonly opts: Required<Omit<ReflectorOptions, 'namespace' | 'labelSelector' | 'fieldSelector'>> &
    ReflectorOptions;
  private readonly sink: ReflectorSink<T>;
  private resourceVersion = '';
  private synced = false;
  private failures = 0;
  /** Number of LISTs done, for tests and metrics. */
  lists = 0;

  constructor(opts: ReflectorOptions, sink: ReflectorSink<T>) {
    this.opts = {
      pageSize: 500,
      minWatchTimeoutSeconds: 300,
      inactivityMs: 70_000,
      backoffInitialMs: 800,
      backoffMaxMs: 30_000,
      log: silentLogger,
      ...opts,
    };
    this.sink = sink;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Runs until `signal` aborts. A reflector run again resumes watching from where it stopped. */
  async run(signal: AbortSignal): Promise<void> {
    let needList = !this.resourceVersion;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        needList = await this.watch(signal);
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          needList = true;
          continue;
        }
        const delay = this.backoff();
        this.opts.log.warn(
          { err: String(err), resource: this.opts.resource.plural, retryMs: delay },
          'list/watch failed',
        );
        await sleep(delay, signal);
      }
    }
  }

  private backoff(): number {
    const cap = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** this.failures++);
    return Math.random() * cap;
  }

  private async list(): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector, pageSize } = this.opts;
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await client.list<T>(resource, {
        namespace,
        labelSelector,
        fieldSelector,
        limit: pageSize,
        continue: cont,
      });
      if (!cont) rv = page.metadata.resourceVersion;
      for (const item of page.items) items.push(item);
      cont = page.metadata.continue || undefined;
    } while (cont);
    // LIST items carry no apiVersion/kind; watch events do. Fill them so handlers see one shape.
    const apiVersion = apiVersionOf(resource);
    for (const item of items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= resource.kind;
    }
    this.lists++;
    this.resourceVersion = rv;
    this.sink.replace(items, rv);
    this.synced = true;
    this.failures = 0;
  }

  /** Watches from the last resourceVersion; returns true when a fresh LIST is needed. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const {
      client,
      resource,
      namespace,
      labelSelector,
      fieldSelector,
      minWatchTimeoutSeconds,
      inactivityMs,
    } = this.opts;
    // Aborted by the caller, or by the inactivity deadline below.
    const inactive = new AbortController();
    const abort = AbortSignal.any([signal, inactive.signal]);
    let timer = setTimeout(() => inactive.abort(), inactivityMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => inactive.abort(), inactivityMs);
    };
    try {
      const events = client.watch<T>(resource, {
        namespace,
        labelSelector,
        fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(minWatchTimeoutSeconds * (1 + Math.random())),
        signal: abort,
      });
      for await (const ev of events) {
        touch();
        this.failures = 0;
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
            this.sink.apply(ev.type, ev.object);
            break;
          case 'BOOKMARK':
            this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
            break;
          case 'ERROR': {
            const status = ev.object as unknown as { code?: number; message?: string };
            if (status.code === 410) return true;
            throw new Error(`watch error ${status.code}: ${status.message}`);
          }
        }
      }
      return false;
    } catch (err) {
      // An inactivity abort is not a failure: watch again from where we were.
      if (inactive.signal.aborted && !signal.aborted) return false;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
