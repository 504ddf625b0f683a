// The live feed: informers over the kinds diagnosis reads plus every established CRD's instances,
// each watch event applied to the graph and recorded in the temporal store. The initial LIST only
// builds the present; changes are recorded from then on. Secrets are redacted before they are cached.
import {
  builtin,
  InformerCache,
  KubeClient,
  silentLogger,
  stripManagedFields,
  type Informer,
  type KubeObject,
  type Logger,
  type ResourceRef,
} from '@industriverse/kube';
import { WorldModel, redactSecret } from '../model/world.ts';

/** A kind to watch, as the API names it. */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
}

/** The built-in kinds the diagnosis reads. */
export const LIVE_KINDS: readonly WatchedKind[] = [
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'v1', kind: 'Node' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'Endpoints' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'PersistentVolume' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'v1', kind: 'Event' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
];

export interface LiveOptions {
  /** A kubeconfig file (default chain when neither this nor `client` is given). */
  kubeconfig?: string;
  /** An existing client; it stays open after close(). */
  client?: KubeClient;
  /** The built-in kinds to watch (default LIVE_KINDS); kinds the server does not serve are skipped. */
  kinds?: readonly WatchedKind[];
  /** Watch the instances of every established CRD (default true). */
  crds?: boolean;
  windowMs?: number;
  /** Lines of log returned by logs() (default 5,000). */
  logTailLines?: number;
  /** How long to wait for the initial LISTs before serving what arrived (default 60 s). */
  syncTimeoutMs?: number;
  log?: Logger;
}

interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; plural: string };
    versions: { name: string; served: boolean; storage: boolean }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The REST resource of a CRD's instances (its storage version), if it is established. */
export function crdResource(crd: Crd): ResourceRef | undefined {
  const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  const version =
    crd.spec.versions.find((v) => v.storage && v.served) ?? crd.spec.versions.find((v) => v.served);
  if (!established || !version) return undefined;
  return {
    group: crd.spec.group,
    version: version.name,
    plural: crd.spec.names.plural,
    kind: crd.spec.names.kind,
    namespaced: crd.spec.scope === 'Namespaced',
  };
}

/** A World over a live cluster: `now` is the wall clock; close() stops the watches. */
export class LiveWorld extends WorldModel {
  private readonly stop = new AbortController();
  private cache: InformerCache | undefined;
  private ownedClient: KubeClient | undefined;

  /** Stops every watch (and closes the client when connectLive created it). */
  async close(): Promise<void> {
    this.stop.abort();
    await this.cache?.stopped();
    await this.ownedClient?.close();
  }

  /** Starts the informers and resolves once their first LISTs are in (or syncTimeoutMs passed). */
  async connect(client: KubeClient, owned: boolean, opts: LiveOptions): Promise<void> {
    const log = opts.log ?? silentLogger;
    if (owned) this.ownedClient = client;
    const cache = new InformerCache({ client, log });
    this.cache = cache;
    const resources = await Promise.all(
      (opts.kinds ?? LIVE_KINDS).map((k) =>
        client.resource(k.apiVersion, k.kind).catch((err: unknown) => {
          log.warn({ kind: k.kind, err: String(err) }, 'kind not served: not watched');
          return undefined;
        }),
      ),
    );
    for (const r of resources) if (r) this.watch(cache, r);
    const watched = new Set<string>();
    if (opts.crds ?? true) {
      this.watch(cache, builtin.crd, (crd) => {
        const r = crdResource(crd as Crd);
        const key = r && `${r.group}/${r.kind}`;
        if (!r || watched.has(key!)) return;
        watched.add(key!);
        this.watch(cache, r);
      });
    }
    cache.start(this.stop.signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn({}, 'initial sync timed out: serving the objects listed so far');
        resolve();
      }, opts.syncTimeoutMs ?? 60_000);
    });
    // A CRD seen in the first LIST adds its informer then; wait for those too.
    await Promise.race([cache.waitForSync().then(() => cache.waitForSync()), timeout]);
    clearTimeout(timer);
  }

  private watch(cache: InformerCache, resource: ResourceRef, onObject?: (obj: KubeObject) => void): void {
    const inf: Informer<KubeObject> = cache.informer(resource, {
      transform: resource.kind === 'Secret' ? (o) => redactSecret(stripManagedFields(o)) : stripManagedFields,
    });
    const time = () => new Date().toISOString();
    // Until the first LIST is stored, objects build the present; afterwards every event is a change.
    inf.addHandler({
      onAdd: (obj) => {
        if (inf.hasSynced()) this.apply({ time: time(), type: 'ADDED', object: obj });
        else this.upsert(obj);
        onObject?.(obj);
      },
      onUpdate: (old, obj) => {
        if (inf.hasSynced()) this.apply({ time: time(), type: 'MODIFIED', object: obj }, old);
        else this.upsert(obj);
        onObject?.(obj);
      },
      onDelete: (obj) => {
        this.apply({ time: time(), type: 'DELETED', object: obj });
      },
    });
  }
}

/** Connects to a cluster and returns its live World, once the initial LISTs are in. */
export async function connectLive(opts: LiveOptions = {}): Promise<LiveWorld> {
  const owned = !opts.client;
  const client = opts.client ?? (await KubeClient.load(opts.kubeconfig));
  const tail = opts.logTailLines ?? 5000;
  const world: LiveWorld = new LiveWorld({
    now: () => new Date(),
    windowMs: opts.windowMs,
    logs: async (namespace, pod, container) => {
      const spec = world.get({ kind: 'Pod', namespace, name: pod })?.spec as
        { containers?: { name: string }[] } | undefined;
      const name = container ?? spec?.containers?.[0]?.name;
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
      try {
        const text = await client.request<string>('GET', path, {
          query: { container: name, tailLines: tail },
          accept: 'text/plain',
        });
        return typeof text === 'string' ? text : JSON.stringify(text);
      } catch {
        return undefined;
      }
    },
  });
  try {
    await world.connect(client, owned, opts);
  } catch (err) {
    await world.close();
    throw err;
  }
  return world;
}
