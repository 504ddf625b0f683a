// The relationships between resources, one small function per relationship. Each reads only the
// object it is given, so the graph can re-derive an object's edges whenever it changes. Edges point
// from the dependent to its dependency (see model/types.ts); a target may not exist (a missing
// ConfigMap is exactly what diagnosis looks for).
import type { KubeObject, LabelSelector } from '@industriverse/kube';
import { nodeId, type Edge, type EdgeKind, type NodeId, type ObjectRef } from '../model/types.ts';

/** Kinds that live outside namespaces; instances of cluster-scoped CRDs are learned as they are seen. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'ComponentStatus',
]);

/** Whether a kind is cluster-scoped (no namespace in its node id). */
export type ScopeOf = (kind: string) => boolean;

export const builtinScope: ScopeOf = (kind) => CLUSTER_SCOPED_KINDS.has(kind);

/** The graph node id of an object. */
export function idOf(obj: KubeObject): NodeId {
  return nodeId(refOfObject(obj));
}

export function refOfObject(obj: KubeObject): ObjectRef {
  const { namespace, name = '' } = obj.metadata;
  return namespace ? { kind: obj.kind, namespace, name } : { kind: obj.kind, name };
}

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** The object elements of an array field. */
const recs = (v: unknown): Json[] => arr(v).flatMap((x) => rec(x) ?? []) as Json[];
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function edge(from: NodeId, to: NodeId, kind: EdgeKind, optional = false): Edge {
  return optional ? { from, to, kind, optional } : { from, to, kind };
}

const inNs = (kind: string, namespace: string | undefined, name: string): NodeId =>
  nodeId(namespace ? { kind, namespace, name } : { kind, name });

/** ownerReferences: owner -> owned. An owner is in the object's namespace unless its kind is cluster-scoped. */
export function ownerEdges(obj: KubeObject, scope: ScopeOf = builtinScope): Edge[] {
  const owned = idOf(obj);
  return (obj.metadata.ownerReferences ?? []).flatMap((o) =>
    o.kind && o.name
      ? [edge(inNs(o.kind, scope(o.kind) ? undefined : obj.metadata.namespace, o.name), owned, 'owns')]
      : [],
  );
}

/** Pod -> Node it is bound to. */
export function podNodeEdges(pod: KubeObject): Edge[] {
  const node = str(rec(pod.spec)?.nodeName);
  return node ? [edge(idOf(pod), nodeId({ kind: 'Node', name: node }), 'runs-on')] : [];
}

/** Every container of a pod: init, regular and ephemeral. */
function containersOf(spec: Json): Json[] {
  return [...recs(spec.initContainers), ...recs(spec.containers), ...recs(spec.ephemeralContainers)];
}

/** Pod -> ConfigMap / Secret: volumes, projected sources, env valueFrom, envFrom and image pull secrets. */
export function podConfigEdges(pod: KubeObject): Edge[] {
  const spec = rec(pod.spec);
  if (!spec) return [];
  const from = idOf(pod);
  const ns = pod.metadata.namespace;
  const out: Edge[] = [];
  const config = (name: unknown, optional: unknown) => {
    const n = str(name);
    if (n) out.push(edge(from, inNs('ConfigMap', ns, n), 'uses-config', optional === true));
  };
  const secret = (name: unknown, optional: unknown) => {
    const n = str(name);
    if (n) out.push(edge(from, inNs('Secret', ns, n), 'uses-secret', optional === true));
  };
  for (const v of recs(spec.volumes)) {
    const cm = rec(v.configMap);
    if (cm) config(cm.name, cm.optional);
    const s = rec(v.secret);
    if (s) secret(s.secretName, s.optional);
    for (const src of recs(rec(v.projected)?.sources)) {
      const pcm = rec(src.configMap);
      if (pcm) config(pcm.name, pcm.optional);
      const ps = rec(src.secret);
      if (ps) secret(ps.name, ps.optional);
    }
  }
  for (const c of containersOf(spec)) {
    for (const e of recs(c.env)) {
      const vf = rec(e.valueFrom);
      const cmk = rec(vf?.configMapKeyRef);
      if (cmk) config(cmk.name, cmk.optional);
      const sk = rec(vf?.secretKeyRef);
      if (sk) secret(sk.name, sk.optional);
    }
    for (const ef of recs(c.envFrom)) {
      const cmr = rec(ef.configMapRef);
      if (cmr) config(cmr.name, cmr.optional);
      const sr = rec(ef.secretRef);
      if (sr) secret(sr.name, sr.optional);
    }
  }
  for (const ips of arr(spec.imagePullSecrets)) secret(rec(ips)?.name, false);
  return out;
}

/** Pod -> PersistentVolumeClaim: claims, and generic ephemeral volumes (their PVC is `<pod>-<volume>`). */
export function podClaimEdges(pod: KubeObject): Edge[] {
  const from = idOf(pod);
  const ns = pod.metadata.namespace;
  return arr(rec(pod.spec)?.volumes).flatMap((x) => {
    const v = rec(x);
    const claim = str(rec(v?.persistentVolumeClaim)?.claimName);
    if (claim) return [edge(from, inNs('PersistentVolumeClaim', ns, claim), 'claims')];
    if (v && rec(v.ephemeral) && str(v.name))
      return [edge(from, inNs('PersistentVolumeClaim', ns, `${pod.metadata.name}-${v.name}`), 'claims')];
    return [];
  });
}

/** Pod -> ServiceAccount. */
export function podServiceAccountEdges(pod: KubeObject): Edge[] {
  const spec = rec(pod.spec);
  const sa = str(spec?.serviceAccountName) ?? str(spec?.serviceAccount);
  return sa ? [edge(idOf(pod), inNs('ServiceAccount', pod.metadata.namespace, sa), 'service-account')] : [];
}

/** PVC -> PV (spec.volumeName) and PVC -> StorageClass. */
export function claimEdges(pvc: KubeObject): Edge[] {
  const spec = rec(pvc.spec);
  const from = idOf(pvc);
  const out: Edge[] = [];
  const pv = str(spec?.volumeName);
  if (pv) out.push(edge(from, nodeId({ kind: 'PersistentVolume', name: pv }), 'binds'));
  const sc = str(spec?.storageClassName);
  if (sc) out.push(edge(from, nodeId({ kind: 'StorageClass', name: sc }), 'storage-class'));
  return out;
}

/** PVC -> PV from the volume's side (spec.claimRef), and PV -> StorageClass. */
export function volumeEdges(pv: KubeObject): Edge[] {
  const spec = rec(pv.spec);
  const self = idOf(pv);
  const out: Edge[] = [];
  const claim = rec(spec?.claimRef);
  const claimName = str(claim?.name);
  if (claimName)
    out.push(edge(inNs('PersistentVolumeClaim', str(claim?.namespace), claimName), self, 'binds'));
  const sc = str(spec?.storageClassName);
  if (sc) out.push(edge(self, nodeId({ kind: 'StorageClass', name: sc }), 'storage-class'));
  return out;
}

/** Ingress -> Service: every rule path's backend and the default backend (v1 and v1beta1 shapes). */
export function ingressEdges(ing: KubeObject): Edge[] {
  const spec = rec(ing.spec);
  if (!spec) return [];
  const from = idOf(ing);
  const backendService = (b: unknown): string | undefined =>
    str(rec(rec(b)?.service)?.name) ?? str(rec(b)?.serviceName);
  const backends = [spec.defaultBackend, spec.backend];
  for (const rule of arr(spec.rules))
    for (const p of arr(rec(rec(rule)?.http)?.paths)) backends.push(rec(p)?.backend);
  return backends.flatMap((b) => {
    const svc = backendService(b);
    return svc ? [edge(from, inNs('Service', ing.metadata.namespace, svc), 'routes-to')] : [];
  });
}

/** HorizontalPodAutoscaler -> its scale target. */
export function autoscalerEdges(hpa: KubeObject): Edge[] {
  const target = rec(rec(hpa.spec)?.scaleTargetRef);
  const kind = str(target?.kind);
  const name = str(target?.name);
  return kind && name ? [edge(idOf(hpa), inNs(kind, hpa.metadata.namespace, name), 'scales')] : [];
}

/** Endpoints (same name) and EndpointSlice (label kubernetes.io/service-name) -> Service. */
export function endpointsEdges(obj: KubeObject): Edge[] {
  const svc =
    obj.kind === 'Endpoints' ? obj.metadata.name : obj.metadata.labels?.['kubernetes.io/service-name'];
  return svc ? [edge(idOf(obj), inNs('Service', obj.metadata.namespace, svc), 'endpoints')] : [];
}

const byKind: Record<string, (obj: KubeObject) => Edge[]> = {
  Pod: (o) => [...podNodeEdges(o), ...podConfigEdges(o), ...podClaimEdges(o), ...podServiceAccountEdges(o)],
  PersistentVolumeClaim: claimEdges,
  PersistentVolume: volumeEdges,
  Ingress: ingressEdges,
  HorizontalPodAutoscaler: autoscalerEdges,
  Endpoints: endpointsEdges,
  EndpointSlice: endpointsEdges,
};

/**
 * Every edge an object's own fields define, without duplicates (a ConfigMap used as a volume and
 * through envFrom is one edge, optional only when every reference is). Label-selector edges are not
 * here: they depend on other objects' labels, and the graph indexes them (see `selectorOf`).
 */
export function deriveEdges(obj: KubeObject, scope: ScopeOf = builtinScope): Edge[] {
  const all = [...ownerEdges(obj, scope), ...(byKind[obj.kind]?.(obj) ?? [])];
  if (all.length < 2) return all;
  const unique = new Map<string, Edge>();
  for (const e of all) {
    const key = edgeKey(e);
    const seen = unique.get(key);
    if (!seen) unique.set(key, e);
    else if (seen.optional && !e.optional) unique.set(key, { from: e.from, to: e.to, kind: e.kind });
  }
  return [...unique.values()];
}

export const edgeKey = (e: Edge): string => `${e.kind}\u0000${e.from}\u0000${e.to}`;

/** A label selector over the pods of one namespace; `{}` selects them all. */
export interface PodSelector {
  namespace: string;
  selector: LabelSelector;
}

/**
 * The pods an object selects (Service spec.selector, PodDisruptionBudget spec.selector,
 * NetworkPolicy spec.podSelector), or undefined when it selects none. A Service without a selector
 * (or with an empty one) selects nothing; an empty PDB or NetworkPolicy selector selects every pod.
 */
export function selectorOf(obj: KubeObject): PodSelector | undefined {
  const namespace = obj.metadata.namespace;
  const spec = rec(obj.spec);
  if (!namespace || !spec) return undefined;
  if (obj.kind === 'Service') {
    const labels = rec(spec.selector);
    if (!labels || Object.keys(labels).length === 0) return undefined;
    return { namespace, selector: { matchLabels: labels as Record<string, string> } };
  }
  const raw =
    obj.kind === 'PodDisruptionBudget'
      ? rec(spec.selector)
      : obj.kind === 'NetworkPolicy'
        ? rec(spec.podSelector)
        : undefined;
  return raw ? { namespace, selector: raw as LabelSelector } : undefined;
}
