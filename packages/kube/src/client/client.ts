// A dynamic REST client for the Kubernetes API. @kubernetes/client-node supplies kubeconfig
// loading and authentication; requests go through one undici connection pool per API server,
// which keeps the per-request cost low enough for controllers that reconcile thousands of
// objects a second.
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Pool, type Dispatcher } from 'undici';
import type { KubeObject } from '../api/meta.ts';
import type { RuntimeMetrics } from '../metrics/registry.ts';
import { BucketRateLimiter } from '../workqueue/ratelimiter.ts';
import { ApiError } from './errors.ts';
import { resourcePath, splitApiVersion, type ResourceRef } from './resources.ts';

export interface ClientOptions {
  /** Client-side rate limit; unset or <= 0 leaves flow control to the server (API Priority and Fairness). */
  qps?: number;
  burst?: number;
  userAgent?: string;
  metrics?: RuntimeMetrics;
  /** Maximum concurrent connections to the API server (watches each hold one). */
  connections?: number;
}

export interface RequestOpts {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface ListResult<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  subresource?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class KubeClient {
  readonly server: string;
  readonly kubeConfig: KubeConfig;
  private readonly pool: Pool;
  private headers: Record<string, string>;
  private readonly limiter: BucketRateLimiter | undefined;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly host: string;
  private readonly discovered = new Map<string, Promise<ResourceRef[]>>();

  private constructor(kc: KubeConfig, tls: RequestOptions, opts: ClientOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.kubeConfig = kc;
    this.server = cluster.server.replace(/\/$/, '');
    const url = new URL(this.server);
    this.host = url.host;
    this.pool = new Pool(url.origin, {
      connections: opts.connections ?? 64,
      connect: {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        servername: tls.servername,
      },
      keepAliveTimeout: 30_000,
    });
    this.headers = { 'user-agent': opts.userAgent ?? 'industriverse-kube', ...flatHeaders(tls.headers) };
    this.limiter =
      opts.qps && opts.qps > 0
        ? new BucketRateLimiter(opts.qps, opts.burst ?? Math.ceil(opts.qps))
        : undefined;
    this.metrics = opts.metrics;
  }

  static async fromKubeConfig(kc: KubeConfig, opts: ClientOptions = {}): Promise<KubeClient> {
    const tls: RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    return new KubeClient(kc, tls, opts);
  }

  /** Loads a kubeconfig file (or the default chain: $KUBECONFIG, ~/.kube/config, in-cluster). */
  static async load(path?: string, opts: ClientOptions = {}): Promise<KubeClient> {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    return KubeClient.fromKubeConfig(kc, opts);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async throttle(): Promise<void> {
    if (!this.limiter) return;
    const delay = this.limiter.when('');
    if (delay > 0) await sleep(delay);
  }

  private async send(method: Dispatcher.HttpMethod, path: string, opts: RequestOpts, stream: boolean) {
    await this.throttle();
    const headers: Record<string, string> = { ...this.headers, accept: opts.accept ?? 'application/json' };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const res = await this.pool.request({
      origin: this.server,
      method,
      path: path + queryString(opts.query),
      headers,
      body,
      signal: opts.signal,
      headersTimeout: opts.timeoutMs ?? 60_000,
      bodyTimeout: stream ? 0 : (opts.timeoutMs ?? 60_000),
    });
    this.metrics?.restClientRequests.labels(String(res.statusCode), method, this.host).inc();
    if (res.statusCode >= 400) {
      const text = await res.body.text();
      throw toApiError(res.statusCode, text, method, path);
    }
    return res;
  }

  /** One request; the JSON answer is returned parsed. */
  async request<T = unknown>(
    method: Dispatcher.HttpMethod,
    path: string,
    opts: RequestOpts = {},
  ): Promise<T> {
    const res = await this.send(method, path, opts, false);
    const text = await res.body.text();
    const json = String(res.headers['content-type'] ?? '').includes('json');
    return (json && text ? JSON.parse(text) : text) as T;
  }

  /** Finds the REST resource of a kind through discovery (answers cached per group/version). */
  async resource(apiVersion: string, kind: string): Promise<ResourceRef> {
    let pending = this.discovered.get(apiVersion);
    if (!pending) {
      const { group, version } = splitApiVersion(apiVersion);
      pending = this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
        'GET',
        group ? `/apis/${group}/${version}` : `/api/${version}`,
      ).then((list) =>
        list.resources
          .filter((r) => !r.name.includes('/'))
          .map((r) => ({ group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced })),
      );
      pending.catch(() => this.discovered.delete(apiVersion));
      this.discovered.set(apiVersion, pending);
    }
    const found = (await pending).find((r) => r.kind === kind);
    if (!found) throw new ApiError(404, 'NotFound', `the server has no kind ${kind} in ${apiVersion}`);
    return found;
  }

  /** Forgets discovery answers, e.g. after installing a CRD. */
  invalidateDiscovery(): void {
    this.discovered.clear();
  }

  get<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('GET', resourcePath(ref, namespace, name, subresource));
  }

  list<T = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    return this.request<ListResult<T>>('GET', resourcePath(ref, opts.namespace), {
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
        resourceVersionMatch: opts.resourceVersionMatch,
      },
    });
  }

  /** Lists every page; returns all items and the resourceVersion of the (first) list. */
  async listAll<T = KubeObject>(
    ref: ResourceRef,
    opts: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let page = await this.list<T>(ref, { limit: 500, ...opts });
    const resourceVersion = page.metadata.resourceVersion;
    for (;;) {
      for (const item of page.items) items.push(item);
      if (!page.metadata.continue) break;
      page = await this.list<T>(ref, {
        ...opts,
        limit: opts.limit ?? 500,
        resourceVersion: undefined,
        continue: page.metadata.continue,
      });
    }
    return { items, resourceVersion };
  }

  create<T extends KubeObject>(
    ref: ResourceRef,
    obj: T,
    opts: { fieldManager?: string; dryRun?: boolean } = {},
  ): Promise<T> {
    return this.request<T>('POST', resourcePath(ref, obj.metadata.namespace), {
      body: obj,
      query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /** PUT of the whole object (optimistic concurrency through metadata.resourceVersion). */
  update<T extends KubeObject>(ref: ResourceRef, obj: T, subresource?: string): Promise<T> {
    return this.request<T>('PUT', resourcePath(ref, obj.metadata.namespace, obj.metadata.name, subresource), {
      body: obj,
    });
  }

  patch<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: Exclude<PatchType, 'apply'> = 'merge',
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(ref, namespace, name, subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  /** Server-side apply: the fields in `obj` become owned by `fieldManager`. */
  apply<T extends KubeObject>(ref: ResourceRef, obj: KubeObject, opts: ApplyOptions): Promise<T> {
    return this.request<T>(
      'PATCH',
      resourcePath(ref, obj.metadata.namespace, obj.metadata.name, opts.subresource),
      {
        body: obj,
        contentType: PATCH_CONTENT_TYPES.apply,
        query: { fieldManager: opts.fieldManager, force: opts.force ? true : undefined },
      },
    );
  }

  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    opts: {
      propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
      uid?: string;
      gracePeriodSeconds?: number;
    } = {},
  ): Promise<unknown> {
    return this.request('DELETE', resourcePath(ref, namespace, name), {
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: opts.propagationPolicy,
        gracePeriodSeconds: opts.gracePeriodSeconds,
        preconditions: opts.uid ? { uid: opts.uid } : undefined,
      },
    });
  }

  /**
   * Opens a watch and yields its events as they arrive. Ends when the server closes the stream
   * (timeoutSeconds) or `signal` aborts; an `ERROR` event (such as 410 Gone) is yielded, not thrown.
   */
  async *watch<T = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const res = await this.send(
      'GET',
      resourcePath(ref, opts.namespace),
      {
        query: {
          watch: true,
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowWatchBookmarks ?? true,
          timeoutSeconds: opts.timeoutSeconds,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
        },
        signal: opts.signal,
      },
      true,
    );
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
  }
}

function queryString(query: RequestOpts['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function flatHeaders(h: RequestOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h || Array.isArray(h)) return out;
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

function toApiError(status: number, text: string, method: string, path: string): ApiError {
  try {
    const body = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (body.kind === 'Status') return new ApiError(status, body.reason ?? '', body.message ?? text, body);
  } catch {
    // not JSON: fall through to the raw text
  }
  return new ApiError(status, '', `${method} ${path}: HTTP ${status}: ${text.slice(0, 500)}`);
}

/** The cache and workqueue key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name}` : (name ?? '');
}
